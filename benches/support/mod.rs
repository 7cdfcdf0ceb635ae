//! What the benchmarks share: the payload, the batch-completion signal, the typed
//! subscriber task, the runtime and the task teardown, so every case of every benchmark
//! pays the same for them.

use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use futures::Stream;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::runtime::Runtime;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// Messages published per iteration.
pub const MESSAGES_PER_ITER: usize = 100;

/// A realistic progress message: 58 bytes of text, an optional step, a bounded number.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Status {
    pub message: String,
    pub step: Option<String>,
    /// Percent done.
    #[schemars(range(max = 100))]
    pub percent: u8,
}

/// The payload of message `seq`, built anew for every message.
pub fn status(seq: usize) -> Status {
    Status {
        message: "Embedding documents: batch 412 of 1,280 indexed, 3 retries".to_owned(),
        step: Some("embed".to_owned()),
        percent: (seq % 101) as u8,
    }
}

/// How many subscribers have yet to receive the whole batch; the last one wakes the
/// publisher.
pub struct BatchDone {
    pub pending: AtomicUsize,
    pub all_received: Notify,
}

impl BatchDone {
    pub fn new() -> Arc<BatchDone> {
        Arc::new(BatchDone {
            pending: AtomicUsize::new(0),
            all_received: Notify::new(),
        })
    }

    /// Arms the signal for a batch received by `subscribers`.
    pub fn expect(&self, subscribers: usize) {
        self.pending.store(subscribers, Ordering::Release);
    }

    pub fn received_batch(&self) {
        if self.pending.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.all_received.notify_one();
        }
    }

    /// Counts one received message; signals every whole batch.
    pub fn count(&self, received: &mut usize) {
        *received += 1;
        if *received % MESSAGES_PER_ITER == 0 {
            self.received_batch();
        }
    }
}

/// A typed subscriber task: reads every message, signals every whole batch.
/// (A `Subscription`, or a `SharedSubscription`.)
pub async fn realtime_subscriber<S, T, E>(mut sub: S, done: Arc<BatchDone>)
where
    S: Stream<Item = Result<T, E>> + Unpin,
    E: std::fmt::Debug,
{
    let mut received = 0usize;
    while let Some(item) = sub.next().await {
        let message = item.expect("no lost continuity and no invalid data in the benchmark");
        black_box(&message);
        done.count(&mut received);
    }
}

/// A multi-thread runtime with the machine's 2 workers; a fresh one per case, so no case
/// inherits another's queues or worker state.
pub fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// A current-thread runtime: every task takes turns on the thread that drives it.
#[allow(dead_code)] // Not every benchmark of this directory uses it.
pub fn runtime_one_thread() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// Stops subscriber tasks and waits until they are gone, so the next case starts on a
/// quiet runtime. (Subscriptions never end on their own: the transport keeps their channel
/// open.)
pub async fn stop_all(tasks: Vec<JoinHandle<()>>) {
    for task in &tasks {
        task.abort();
    }
    for task in tasks {
        let _ = task.await;
    }
}
