// A parameter is parsed out of the name with `FromStr`; this type has none.
use realtime::channel;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, schemars::JsonSchema)]
struct Status {
    message: String,
}

struct RunId(u64);

impl std::fmt::Display for RunId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[channel(name = "pipeline:<run_id>")]
struct Pipeline {
    run_id: RunId,
    #[topic]
    status: Status,
}

fn main() {}
