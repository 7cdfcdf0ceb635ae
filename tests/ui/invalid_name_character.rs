// A space is not allowed in a channel name.
use realtime::channel;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, schemars::JsonSchema)]
struct Status {
    message: String,
}

#[channel(name = "pipeline run:<run_id>")]
struct Pipeline {
    run_id: String,
    #[topic]
    status: Status,
}

fn main() {}
