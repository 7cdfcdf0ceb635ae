// A channel is shared between tasks, so its parameters are `Send` and `Sync`; `Rc` is neither.
use realtime::channel;
use std::rc::Rc;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, schemars::JsonSchema)]
struct Status {
    message: String,
}

struct RunId(Rc<str>);

impl std::fmt::Display for RunId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for RunId {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(RunId(s.into()))
    }
}

#[channel(name = "pipeline:<run_id>")]
struct Pipeline {
    run_id: RunId,
    #[topic]
    status: Status,
}

fn main() {}
