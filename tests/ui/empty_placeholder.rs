// `<>` names no parameter.
use realtime::channel;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, schemars::JsonSchema)]
struct Status {
    message: String,
}

#[channel(name = "pipeline:<>")]
struct Pipeline {
    run_id: String,
    #[topic]
    status: Status,
}

fn main() {}
