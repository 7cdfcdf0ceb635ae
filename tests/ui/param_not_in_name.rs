// `attempt` has no #[topic], so it is a parameter, but the name has no `<attempt>`.
use realtime::channel;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, schemars::JsonSchema)]
struct Status {
    message: String,
}

#[channel(name = "pipeline:<run_id>")]
struct Pipeline {
    run_id: String,
    attempt: u32,
    #[topic]
    status: Status,
}

fn main() {}
