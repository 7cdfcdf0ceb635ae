// `foo_bar` and `foo__bar` both turn into the enum variant `FooBar`.
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
    foo_bar: Status,
    #[topic]
    foo__bar: Status,
}

fn main() {}
