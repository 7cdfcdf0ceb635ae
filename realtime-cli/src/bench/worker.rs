//! The hidden `realtime bench-worker` subcommand: one load-generator process. The bench
//! runs several, because one process may hold at most 20,000 open files here (and because
//! it spreads the reading over the cores). It reads a [`WorkerPlan`] line on stdin, opens
//! its subscribers, answers [`WorkerReport::Ready`], then follows [`WorkerCommand`]s; it
//! exits when stdin closes (its coordinator is gone) or its deadline passes.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::{mpsc, Semaphore};

use super::broadcast::BroadcastBaseline;
use super::plan::{SubscriberKind, WorkerCommand, WorkerPlan, WorkerReport};
use super::procstat::own_rss_bytes;
use super::redis_subscriber::RedisSubscriber;
use super::sink::Sink;
use super::sse_subscriber::SseSubscriber;
use super::ws_subscriber::WsSubscriber;

/// How many times a subscriber tries to connect.
const CONNECT_ATTEMPTS: u32 = 3;

/// Runs a worker over this process's stdin and stdout.
pub async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let plan: WorkerPlan = serde_json::from_str(&lines.next_line().await?.ok_or("no plan on stdin")?)?;
    let deadline = Duration::from_secs(plan.deadline_secs);
    tokio::spawn(async move {
        tokio::time::sleep(deadline).await;
        eprintln!(
            "bench-worker: deadline of {}s passed, exiting",
            deadline.as_secs()
        );
        std::process::exit(3);
    });

    let sink = Sink::new(plan.subscribers);
    let rss_before = own_rss_bytes();
    let (baseline, connected, failed, error) = if plan.kind == SubscriberKind::Broadcast {
        (
            Some(BroadcastBaseline::new(&plan, &sink)),
            plan.subscribers,
            0,
            None,
        )
    } else {
        let (connected, failed, error) = connect_all(&plan, &sink).await;
        (None, connected, failed, error)
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    say(&WorkerReport::Ready {
        connected,
        failed,
        error,
        rss_before,
        rss_after: own_rss_bytes(),
    })?;

    while let Some(line) = lines.next_line().await? {
        match serde_json::from_str::<WorkerCommand>(&line)? {
            WorkerCommand::Go => {
                if let Some(baseline) = &baseline {
                    baseline.start();
                }
            }
            WorkerCommand::Count => say(&WorkerReport::Count {
                delivered: sink.delivered(),
                published_all: baseline.as_ref().is_none_or(|b| b.done.load(Ordering::SeqCst)),
            })?,
            WorkerCommand::Stop { expected } => {
                let expected = match &baseline {
                    Some(b) => b.published.lock().expect("published lock").clone(),
                    None => expected,
                };
                let channel_of = |i: usize| &plan.targets[(plan.first + i) % plan.targets.len()].channel;
                let mut result = sink.finish(|i| expected.get(channel_of(i)).copied().unwrap_or(0));
                if let Some(b) = &baseline {
                    result.published = expected.clone();
                    result.publish_start_ns = b.start_ns.load(Ordering::SeqCst);
                }
                say(&WorkerReport::Result(result))?;
                return Ok(());
            }
        }
    }
    Ok(())
}

/// Opens every subscriber of `plan`, a few at a time; each then reads on its own task.
async fn connect_all(plan: &WorkerPlan, sink: &Sink) -> (usize, usize, Option<String>) {
    let permits = Arc::new(Semaphore::new(plan.connect_concurrency.max(1)));
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<Result<(), String>>();
    for index in 0..plan.subscribers {
        let target = plan.targets[(plan.first + index) % plan.targets.len()].clone();
        let (kind, sink, permits, done) = (plan.kind, sink.clone(), permits.clone(), done_tx.clone());
        tokio::spawn(async move {
            let permit = permits.acquire_owned().await.expect("semaphore open");
            let mut attempt = 0;
            let connected = loop {
                attempt += 1;
                let result = match kind {
                    SubscriberKind::Ws => WsSubscriber::gateway(&target)
                        .await
                        .map(|s| Connected::Ws(Box::new(s))),
                    SubscriberKind::SocketIo => WsSubscriber::socket_io(&target)
                        .await
                        .map(|s| Connected::Ws(Box::new(s))),
                    SubscriberKind::Sse => SseSubscriber::connect(&target).await.map(Connected::Sse),
                    SubscriberKind::Redis => RedisSubscriber::connect(&target).await.map(Connected::Redis),
                    SubscriberKind::Broadcast => Err("broadcast subscribers do not connect".into()),
                };
                match result {
                    Err(_) if attempt < CONNECT_ATTEMPTS => {
                        tokio::time::sleep(Duration::from_millis(100 * u64::from(attempt))).await
                    }
                    other => break other,
                }
            };
            drop(permit);
            match connected {
                Ok(connection) => {
                    let _ = done.send(Ok(()));
                    match connection {
                        Connected::Ws(s) => s.read(index, sink).await,
                        Connected::Sse(s) => s.read(index, sink).await,
                        Connected::Redis(s) => s.read(index, sink).await,
                    }
                }
                Err(e) => {
                    let _ = done.send(Err(e));
                }
            }
        });
    }
    drop(done_tx);
    let (mut connected, mut failed, mut error) = (0, 0, None);
    while let Some(result) = done_rx.recv().await {
        match result {
            Ok(()) => connected += 1,
            Err(e) => {
                failed += 1;
                error.get_or_insert(e);
            }
        }
        if connected + failed == plan.subscribers {
            break;
        }
    }
    (connected, failed, error)
}

enum Connected {
    Ws(Box<WsSubscriber>),
    Sse(SseSubscriber),
    Redis(RedisSubscriber),
}

fn say(report: &WorkerReport) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, report)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Names of the channels of `plan`, with how many of its subscribers each has.
pub fn subscribers_per_channel(plan: &WorkerPlan) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for index in 0..plan.subscribers {
        let channel = &plan.targets[(plan.first + index) % plan.targets.len()].channel;
        *counts.entry(channel.clone()).or_insert(0) += 1;
    }
    counts
}
