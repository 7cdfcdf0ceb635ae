// A parameter is written into the name with `Display`; this type has none.
use realtime::channel;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, schemars::JsonSchema)]
struct Status {
    message: String,
}

#[derive(Debug)]
struct RunId(u64);

impl std::str::FromStr for RunId {
    type Err = std::num::ParseIntError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse().map(RunId)
    }
}

#[channel(name = "pipeline:<run_id>")]
struct Pipeline {
    run_id: RunId,
    #[topic]
    status: Status,
}

fn main() {}
