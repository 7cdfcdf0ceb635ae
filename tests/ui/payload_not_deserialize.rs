// A topic payload must implement `Deserialize`.
use realtime::channel;
use serde::Serialize;

#[derive(Serialize, schemars::JsonSchema)]
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
