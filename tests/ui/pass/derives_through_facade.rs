// Payloads can derive through the facade's re-exports, with only `realtime` as a dependency.
use realtime::channel;
use realtime::schemars::JsonSchema;
use realtime::serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(crate = "realtime::serde")]
#[schemars(crate = "realtime::schemars")]
struct Status {
    message: String,
    step: Option<String>,
}

#[channel(name = "pipeline:<run_id>")]
struct Pipeline {
    run_id: String,
    #[topic]
    status: Status,
}

fn main() {
    let ch = Pipeline::new("abc123");
    let _status: realtime::Topic<Pipeline, Status> = ch.status();
    let schema = <Pipeline as realtime::Channel>::topics()[0].schema();
    assert_eq!(schema["properties"]["message"]["type"], "string");
}
