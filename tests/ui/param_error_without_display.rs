// `from_name` reports why a parameter did not parse with the `Display` of its `FromStr` error;
// this error type has none.
use realtime::channel;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, schemars::JsonSchema)]
struct Status {
    message: String,
}

struct RunId(u64);

struct BadRunId;

impl std::fmt::Display for RunId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::str::FromStr for RunId {
    type Err = BadRunId;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse().map(RunId).map_err(|_| BadRunId)
    }
}

#[channel(name = "pipeline:<run_id>")]
struct Pipeline {
    run_id: RunId,
    #[topic]
    status: Status,
}

fn main() {}
