// `Pipeline` has no topic `nope`: neither an accessor nor an enum variant exists.
use realtime::channel;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, schemars::JsonSchema)]
struct Status {
    message: String,
}

#[channel(name = "pipeline:<run_id>")]
struct Pipeline {
    run_id: String,
    #[topic]
    status: Status,
}

fn main() {
    let ch = Pipeline::new("abc123");
    let _ = ch.nope();
    let _ = PipelineTopic::Nope;
}
