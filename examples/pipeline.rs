//! A job publishes status and token messages for a run while a subscriber prints them.
//!
//! Run with `cargo run --example pipeline`.

use std::time::Duration;

use futures::StreamExt;
use realtime::{channel, Realtime};
use serde::{Deserialize, Serialize};

/// Where the run is.
#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
struct Status {
    message: String,
    step: Option<String>,
    /// Percent done.
    #[schemars(range(max = 100))]
    percent: u8,
}

/// One token of generated text.
#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
struct Token {
    text: String,
}

#[channel(name = "pipeline:<run_id>")]
struct Pipeline {
    run_id: String,
    /// Progress of the run.
    #[topic]
    status: Status,
    /// Generated text, token by token.
    #[topic(name = "llm_tokens")]
    tokens: Token,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rt = Realtime::in_memory();
    let run = Pipeline::new("abc123");

    // Subscribe before the job starts: delivery is live.
    let mut sub = rt.subscribe(&run).await?;
    let printer = tokio::spawn(async move {
        while let Some(item) = sub.next().await {
            let msg = item?;
            match msg.data {
                PipelineMessage::Status(s) => {
                    println!(
                        "[{} #{}] status {:>3}%: {}",
                        msg.channel, msg.id, s.percent, s.message
                    );
                    if s.percent == 100 {
                        break;
                    }
                }
                PipelineMessage::Tokens(t) => println!("[{} #{}] token {:?}", msg.channel, msg.id, t.text),
                PipelineMessage::Run(update) => {
                    println!("[{} #{}] run {}", msg.channel, msg.id, update.status)
                }
            }
        }
        Ok::<_, realtime::RecvError>(())
    });

    // The job.
    let steps = ["fetch", "generate", "store"];
    for (i, step) in steps.iter().enumerate() {
        let percent = (i * 100 / steps.len()) as u8;
        rt.publish(
            run.status(),
            Status {
                message: format!("running {step}"),
                step: Some(step.to_string()),
                percent,
            },
        )
        .run_id(run.run_id.clone())
        .fn_id("pipeline-example")
        .await?;
        if *step == "generate" {
            for text in ["Hello", ",", " typed", " world"] {
                rt.publish(run.tokens(), Token { text: text.into() }).await?;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }

    // A payload breaking the schema is refused before it is sent.
    let err = rt
        .publish(
            run.status(),
            Status {
                message: "impossible".into(),
                step: None,
                percent: 150,
            },
        )
        .await
        .unwrap_err();
    println!("refused: {err}");

    rt.publish(
        run.status(),
        Status {
            message: "done".into(),
            step: None,
            percent: 100,
        },
    )
    .await?;
    printer.await??;
    Ok(())
}
