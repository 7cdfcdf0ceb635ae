// A subscription to `Pipeline` takes only `PipelineTopic`s.
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

#[channel(name = "other")]
struct Other {
    #[topic]
    x: Status,
}

async fn run() -> Result<(), realtime::SubscribeError> {
    let rt = realtime::Realtime::in_memory();
    let pipeline = Pipeline::new("abc123");
    let _sub = rt.subscribe(&pipeline).topics([OtherTopic::X]).await?;
    Ok(())
}

fn main() {
    let _ = run();
}
