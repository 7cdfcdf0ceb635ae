//! The in-process baseline: raw `tokio::sync::broadcast`, one sender per channel, a receiver
//! task per subscriber, the same payloads at the same rate, read by the same [`Sink`].

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::broadcast;

use super::pace::Pace;
use super::payload;
use super::plan::{PublishPlan, WorkerPlan};
use super::sink::Sink;

/// The capacity of each channel's buffer (a receiver further behind loses messages).
const CAPACITY: usize = 1024;

/// Senders, and what was published.
pub struct BroadcastBaseline {
    senders: Vec<(String, broadcast::Sender<Arc<str>>)>,
    plan: PublishPlan,
    /// Messages published per channel.
    pub published: Arc<Mutex<BTreeMap<String, u64>>>,
    /// Whether publishing has finished.
    pub done: Arc<AtomicBool>,
    /// When publishing started, ns since the epoch.
    pub start_ns: Arc<AtomicU64>,
}

impl BroadcastBaseline {
    /// Creates the channels and one receiver task per subscriber of `plan`.
    pub fn new(plan: &WorkerPlan, sink: &Sink) -> Self {
        let mut senders: Vec<(String, broadcast::Sender<Arc<str>>)> = Vec::new();
        for target in &plan.targets {
            if !senders.iter().any(|(name, _)| *name == target.channel) {
                senders.push((target.channel.clone(), broadcast::channel(CAPACITY).0));
            }
        }
        for index in 0..plan.subscribers {
            let channel = &plan.targets[(plan.first + index) % plan.targets.len()].channel;
            let (_, sender) = senders.iter().find(|(name, _)| name == channel).expect("sender");
            let mut receiver = sender.subscribe();
            let sink = sink.clone();
            tokio::spawn(async move {
                loop {
                    match receiver.recv().await {
                        Ok(message) => {
                            sink.frame(index, message.as_bytes());
                        }
                        // The gap shows as lost in the sequence check.
                        Err(broadcast::error::RecvError::Lagged(_)) => continue,
                        Err(broadcast::error::RecvError::Closed) => break,
                    }
                }
            });
        }
        BroadcastBaseline {
            senders,
            plan: plan.publish.unwrap_or(PublishPlan {
                rate: 10.0,
                seconds: 1.0,
                payload_bytes: 256,
            }),
            published: Arc::default(),
            done: Arc::default(),
            start_ns: Arc::default(),
        }
    }

    /// Starts publishing, round-robin over the channels, at the plan's rate.
    pub fn start(&self) {
        let senders = self.senders.clone();
        let plan = self.plan;
        let published = self.published.clone();
        let done = self.done.clone();
        self.start_ns.store(payload::now_ns(), Ordering::SeqCst);
        tokio::spawn(async move {
            let pace = Pace::new(plan.rate, plan.seconds);
            let mut seqs = vec![0u64; senders.len()];
            let mut k = 0u64;
            while pace.due(k).await {
                let channel = (k as usize) % senders.len();
                let message: Arc<str> = payload::make(seqs[channel], plan.payload_bytes).into();
                // No receivers is not an error here: the count is what was published.
                let _ = senders[channel].1.send(message);
                seqs[channel] += 1;
                k += 1;
            }
            let mut map = published.lock().expect("published lock");
            for ((name, _), n) in senders.iter().zip(seqs) {
                map.insert(name.clone(), n);
            }
            done.store(true, Ordering::SeqCst);
        });
    }
}
