// #[channel] implements `Debug` for the struct itself; deriving it as well conflicts.
use realtime::channel;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, schemars::JsonSchema)]
struct Status {
    message: String,
}

#[channel(name = "pipeline:<run_id>")]
#[derive(Debug, Clone)]
struct Pipeline {
    run_id: String,
    #[topic]
    status: Status,
}

fn main() {}
