//! A demo run is a scripted job ([`STEPS`]) that publishes to its own
//! channel, `demo:<run_id>` ([`Demo`]), as a run
//! ([`RunScope`](realtime::RunScope)): `started`, then per step a `log` line and a `status`
//! with the stage and percent, one step at a human pace, until 100 %; at the drafting step
//! it streams its [`SUMMARY`] word by word as a data stream on the
//! `summary` topic; then `completed`. The page
//! (`page.html` and its script `page.js`, served by [`router`])
//! asks the server for a run and a subscription token, subscribes over the gateway's
//! WebSocket, and only then starts the run, so it sees every message: delivery is live,
//! nothing published before the subscription is replayed.
//!
//! Tokens are minted in-process with the gateway's [`TokenAuthority`](realtime::TokenAuthority),
//! scoped to the run's channel and to subscribing: the page never needs, nor sees, the
//! signing key, so the demo works with a signing key as well as in dev mode. The demo
//! routes themselves take no credentials; anyone who can reach them can watch a demo run.
//!
//!
//! The demo belongs to the `realtime` binary alone: its channel is declared here, in the
//! binary, so it is never among the channels of an application that uses the
//! `realtime_cli` library for its own command line.

mod http;

use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use realtime::gateway::Gateway;
use realtime::{channel, PublishError, Realtime};

pub use http::router;

/// What `realtime serve --demo` adds to the gateway: the demo's channel, registered so its
/// publishes are checked, and its routes ([`router`]) at a watchable [`DEFAULT_PACE`].
pub fn install(gateway: Gateway) -> (Gateway, axum::Router) {
    let gateway = gateway.register::<Demo>();
    let routes = router(gateway.clone(), DEFAULT_PACE);
    (gateway, routes)
}

/// The pause between two steps of a demo run when served: slow enough to watch.
pub const DEFAULT_PACE: Duration = Duration::from_millis(400);

/// Where a demo run is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DemoStatus {
    /// The stage the run is in, for people.
    pub stage: String,
    /// Percent done.
    #[schemars(range(max = 100))]
    pub percent: u8,
}

/// One line of a demo run's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DemoLog {
    /// The line.
    pub line: String,
}

/// The channel of one demo run.
#[channel(name = "demo:<run_id>")]
pub struct Demo {
    /// The run.
    pub run_id: String,
    /// The stage and percent, after each step.
    #[topic]
    status: DemoStatus,
    /// What happened, one line per step.
    #[topic]
    log: DemoLog,
    /// The summary the run writes, streamed word by word.
    #[topic]
    summary: String,
}

/// One step of the demo script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoStep {
    /// Percent done after the step.
    pub percent: u8,
    /// The stage the step belongs to.
    pub stage: &'static str,
    /// The log line it publishes.
    pub line: &'static str,
}

const fn step(percent: u8, stage: &'static str, line: &'static str) -> DemoStep {
    DemoStep { percent, stage, line }
}

/// The script every demo run follows: a document-summary pipeline, from queued to done.
/// Percentages rise strictly and the last is 100.
pub const STEPS: &[DemoStep] = &[
    step(0, "Queued", "Run queued, waiting for a worker"),
    step(8, "Starting", "Worker picked up the run"),
    step(16, "Fetching sources", "Fetching 3 source documents"),
    step(25, "Fetching sources", "Fetched 3 documents (42 KB)"),
    step(33, "Parsing", "Split the documents into 128 chunks"),
    step(42, "Embedding", "Embedded 64 of 128 chunks"),
    step(50, "Embedding", "Embedded 128 of 128 chunks"),
    step(58, "Searching", "Found 12 relevant passages"),
    step(67, "Generating", "Drafting the summary from 12 passages"),
    step(75, "Generating", "Generated 412 tokens"),
    step(
        83,
        "Reviewing",
        "Checked 9 claims against the sources: all supported",
    ),
    step(92, "Saving", "Saved the summary"),
    step(100, "Done", "Pipeline complete"),
];

/// The summary a demo run streams, word by word, at its drafting step.
pub const SUMMARY: &str = "The three sources agree: the pipeline indexed 128 chunks, found 12 relevant \
passages, and every claim in this summary is supported by them.";

/// The step after which the summary is streamed: "Drafting the summary".
const SUMMARY_STEP: usize = 8;

/// The function id demo messages are tagged with.
pub const FN_ID: &str = "demo-pipeline";

/// Runs the demo script on `run`, as a run of its own id: `started`; for each of
/// [`STEPS`], its `log` line then its `status`, then a wait of `pace` (not after the last
/// step); after the drafting step, [`SUMMARY`] as a data stream of words on `summary`, a
/// tenth of `pace` apart; then `completed`, with the summary's word count as output.
///
/// The log line goes first so that a subscriber which stops at 100 % has every line.
/// Messages are tagged with the run id and [`FN_ID`]. See the [module](self) example.
pub async fn run_job(realtime: &Realtime, run: &Demo, pace: Duration) -> Result<(), PublishError> {
    let scope = realtime.run(run, run.run_id.clone()).fn_id(FN_ID);
    scope.started().await?;
    for (i, step) in STEPS.iter().enumerate() {
        if i > 0 {
            tokio::time::sleep(pace).await;
        }
        let line = DemoLog {
            line: step.line.to_owned(),
        };
        scope.publish(run.log(), line).await?;
        let status = DemoStatus {
            stage: step.stage.to_owned(),
            percent: step.percent,
        };
        scope.publish(run.status(), status).await?;
        if i == SUMMARY_STEP {
            let mut summary = scope.stream(run.summary()).open().await?;
            for word in SUMMARY.split_inclusive(' ') {
                summary.write(word.to_owned()).await?;
                tokio::time::sleep(pace / 10).await;
            }
            summary.finish().await?;
        }
    }
    let words = SUMMARY.split_whitespace().count();
    scope
        .completed(serde_json::json!({ "summary_words": words }))
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_rises_to_100() {
        assert!(STEPS.windows(2).all(|w| w[0].percent < w[1].percent));
        assert_eq!(STEPS.first().map(|s| s.percent), Some(0));
        assert_eq!(STEPS.last().map(|s| s.percent), Some(100));
    }

    #[test]
    fn the_summary_is_streamed_at_the_drafting_step() {
        assert_eq!(STEPS[SUMMARY_STEP].line, "Drafting the summary from 12 passages");
    }

    /// A whole run, at no pace, watched by an in-process subscriber: every log line in
    /// order, the summary streamed word by word, and a terminal run status.
    #[tokio::test]
    async fn a_run_publishes_its_script_and_streams_its_summary() -> Result<(), Box<dyn std::error::Error>> {
        use futures::StreamExt;

        let rt = Realtime::in_memory();
        let run = Demo::new("r1");
        let mut sub = rt.subscribe(&run).await?;
        run_job(&rt, &run, Duration::ZERO).await?;

        let (mut lines, mut summary) = (Vec::new(), String::new());
        loop {
            match sub.next().await.expect("the subscription is open")?.data {
                DemoMessage::Log(log) => lines.push(log.line),
                DemoMessage::Stream(mut words) => {
                    while let Some(DemoMessage::Summary(word)) = words.next().await.transpose()? {
                        summary.push_str(&word);
                    }
                }
                DemoMessage::Run(update) if update.status.is_terminal() => break,
                _ => {}
            }
        }
        assert_eq!(lines, STEPS.iter().map(|s| s.line).collect::<Vec<_>>());
        assert_eq!(summary, SUMMARY);
        Ok(())
    }

    #[test]
    fn the_channel_is_named_after_the_run() {
        assert_eq!(Demo::new("r42").name(), "demo:r42");
    }
}
