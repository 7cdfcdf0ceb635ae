// `<org><run_id>` cannot be split back into two values: nothing separates them.
use realtime::channel;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, schemars::JsonSchema)]
struct Status {
    message: String,
}

#[channel(name = "pipeline:<org><run_id>")]
struct Pipeline {
    org: String,
    run_id: String,
    #[topic]
    status: Status,
}

fn main() {}
