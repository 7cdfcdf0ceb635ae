// #[channel(...)] has only the key `name`.
use realtime::channel;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, schemars::JsonSchema)]
struct Status {
    message: String,
}

#[channel(name = "pipeline:<run_id>", version = 2)]
struct Pipeline {
    run_id: String,
    #[topic]
    status: Status,
}

fn main() {}
