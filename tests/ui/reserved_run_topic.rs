// `run` is the topic of run lifecycle messages; a field whose variant would be `Run` clashes
// with the generated `Run` message variant.
use realtime::channel;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, schemars::JsonSchema)]
struct Status {
    message: String,
}

#[channel(name = "pipeline:<run_id>")]
struct Pipeline {
    run_id: String,
    #[topic(name = "run")]
    status: Status,
    #[topic(name = "run_state")]
    run: Status,
}

fn main() {}

#[channel(name = "job:<id>")]
struct Job {
    id: String,
    #[topic]
    run: Status,
}
