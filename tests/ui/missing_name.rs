// #[channel] needs `name = "..."`.
use realtime::channel;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, schemars::JsonSchema)]
struct Status {
    message: String,
}

#[channel]
struct Pipeline {
    #[topic]
    status: Status,
}

fn main() {}
