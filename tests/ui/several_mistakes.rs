// One declaration with several mistakes: all are reported in one compile.
use realtime::channel;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, schemars::JsonSchema)]
struct Status {
    message: String,
}

#[channel(name = "pipeline:<run_id>", version = 2)]
struct Pipeline {
    attempt: u32,
    #[topic(rename = "state")]
    status: Status,
    #[topic(name = "status")]
    progress: Status,
}

fn main() {}
