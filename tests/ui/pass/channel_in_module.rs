// A channel declared in a module and used from outside it: the generated items follow the
// struct's visibility, and the generated code does not depend on the module's imports.
mod channels {
    #[derive(serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
    pub struct Status {
        pub message: String,
    }

    #[realtime::channel(name = "pipeline:<run_id>")]
    pub struct Pipeline {
        pub run_id: String,
        #[topic]
        status: Status,
    }
}

use channels::{Pipeline, PipelineMessage, PipelineTopic, Status};
use futures::StreamExt;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let rt = realtime::Realtime::in_memory();
    let ch = Pipeline::new("abc123");
    assert_eq!(ch.run_id, "abc123");

    let mut sub = rt.subscribe(&ch).topics([PipelineTopic::Status]).await.unwrap();
    rt.publish(
        ch.status(),
        Status {
            message: "Starting".into(),
        },
    )
    .await
    .unwrap();
    let msg = sub.next().await.unwrap().unwrap();
    match msg.data {
        PipelineMessage::Status(status) => assert_eq!(status.message, "Starting"),
        PipelineMessage::Run(update) => panic!("no run lifecycle was published, got {update:?}"),
        PipelineMessage::Stream(stream) => panic!("no data stream was written, got {stream:?}"),
    }
}
