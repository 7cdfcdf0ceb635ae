// `from_name` is an inherent method: parsing a name back needs only the macro in scope,
// not `use realtime::Channel`.
use realtime::channel;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, schemars::JsonSchema)]
struct Status {
    message: String,
}

#[channel(name = "pipeline:<run_id>/attempt:<attempt>")]
struct Pipeline {
    run_id: String,
    attempt: u32,
    #[topic]
    status: Status,
}

fn main() {
    let pipeline = Pipeline::from_name("pipeline:x/attempt:3").unwrap();
    assert_eq!(pipeline.run_id, "x");
    assert_eq!(pipeline.attempt, 3);
    assert_eq!(pipeline.name(), "pipeline:x/attempt:3");
    assert!(Pipeline::from_name("pipeline:x/attempt:three").is_err());
    assert!(Pipeline::from_name("pipeline:x").is_err());
    let parsed: Pipeline = "pipeline:y/attempt:1".parse().unwrap();
    assert_eq!(parsed.name(), "pipeline:y/attempt:1");
}
