// A topic payload must implement `schemars::JsonSchema`.
use realtime::channel;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct Status {
    message: String,
}

#[channel(name = "pipeline:<run_id>")]
struct Pipeline {
    run_id: String,
    #[topic]
    status: Status,
}

fn main() {}
