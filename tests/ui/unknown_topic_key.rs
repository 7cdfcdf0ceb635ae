// #[topic(...)] has the keys `name` and `validate`; `rename` is serde's word.
use realtime::channel;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, schemars::JsonSchema)]
struct Status {
    message: String,
}

#[channel(name = "pipeline:<run_id>")]
struct Pipeline {
    run_id: String,
    #[topic(rename = "state")]
    status: Status,
}

fn main() {}
