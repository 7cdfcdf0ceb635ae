// The placeholder `<run_id` is never closed with `>`.
use realtime::channel;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, schemars::JsonSchema)]
struct Status {
    message: String,
}

#[channel(name = "pipeline:<run_id")]
struct Pipeline {
    run_id: String,
    #[topic]
    status: Status,
}

fn main() {}
