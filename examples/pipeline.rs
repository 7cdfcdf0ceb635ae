//! A job runs: it publishes its lifecycle (started, completed), status messages, and its
//! generated text as a data stream of tokens, while a subscriber prints them.
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
                }
                PipelineMessage::Tokens(t) => println!("[{} #{}] token {:?}", msg.channel, msg.id, t.text),
                PipelineMessage::Stream(mut tokens) => {
                    // One message per stream; its chunks arrive as they are written.
                    print!("[{} #{}] stream {}: ", msg.channel, msg.id, tokens.id());
                    while let Some(chunk) = tokens.next().await {
                        match chunk {
                            Ok(PipelineMessage::Tokens(t)) => print!("{}", t.text),
                            Ok(_) => {}
                            Err(err) => print!(" [{err}]"),
                        }
                    }
                    println!();
                }
                PipelineMessage::Run(update) => {
                    println!("[{} #{}] run {}", msg.channel, msg.id, update.status);
                    if update.status.is_terminal() {
                        break;
                    }
                }
            }
        }
        Ok::<_, realtime::RecvError>(())
    });

    // The job, as a run: its lifecycle goes to every subscriber of the channel.
    let job = rt.run(&run, "abc123").fn_id("pipeline-example");
    job.started().await?;
    let steps = ["fetch", "generate", "store"];
    for (i, step) in steps.iter().enumerate() {
        let percent = (i * 100 / steps.len()) as u8;
        job.publish(
            run.status(),
            Status {
                message: format!("running {step}"),
                step: Some(step.to_string()),
                percent,
            },
        )
        .await?;
        if *step == "generate" {
            // Generated text as a data stream: subscribers see one message, then its chunks.
            let mut answer = job.stream(run.tokens()).open().await?;
            for text in ["Hello", ",", " typed", " world"] {
                answer.write(Token { text: text.into() }).await?;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            answer.finish().await?;
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

    job.publish(
        run.status(),
        Status {
            message: "done".into(),
            step: None,
            percent: 100,
        },
    )
    .await?;
    job.completed(serde_json::json!({ "tokens": 4 })).await?;
    printer.await??;
    Ok(())
}
