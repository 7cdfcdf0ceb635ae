// `<status>` names a #[topic] field; only fields without #[topic] are parameters.
use realtime::channel;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, schemars::JsonSchema)]
struct Status {
    message: String,
}

#[channel(name = "pipeline:<status>")]
struct Pipeline {
    #[topic]
    status: Status,
}

fn main() {}
