// The `status` topic carries `Status`; a `Token` cannot be published to it.
use realtime::channel;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, schemars::JsonSchema)]
struct Status {
    message: String,
}

#[derive(Serialize, Deserialize, schemars::JsonSchema)]
struct Token {
    text: String,
}

#[channel(name = "pipeline:<run_id>")]
struct Pipeline {
    run_id: String,
    #[topic]
    status: Status,
    #[topic]
    tokens: Token,
}

async fn run() -> Result<(), realtime::PublishError> {
    let ch = Pipeline::new("abc123");
    realtime::Realtime::in_memory()
        .publish(ch.status(), Token { text: "hi".into() })
        .await?;
    Ok(())
}

fn main() {
    let _ = run();
}
