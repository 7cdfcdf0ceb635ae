// The name has a placeholder `<run_id>` but the struct has no `run_id` field.
use realtime::channel;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, schemars::JsonSchema)]
struct Status {
    message: String,
}

#[channel(name = "pipeline:<run_id>")]
struct Pipeline {
    #[topic]
    status: Status,
}

fn main() {}
