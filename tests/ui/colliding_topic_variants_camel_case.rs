// `foo_bar` and `fooBar` both turn into the enum variant `FooBar`.
use realtime::channel;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, schemars::JsonSchema)]
struct Status {
    message: String,
}

#[channel(name = "pipeline:<run_id>")]
#[allow(non_snake_case)]
struct Pipeline {
    run_id: String,
    #[topic]
    foo_bar: Status,
    #[topic]
    fooBar: Status,
}

fn main() {}
