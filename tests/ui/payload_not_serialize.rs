// A topic payload must implement `Serialize`.
use realtime::channel;
use serde::Deserialize;

#[derive(Deserialize, schemars::JsonSchema)]
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
