//! What the coordinator tells a load-generator worker, and what the worker answers: one JSON
//! object per line over the worker's stdin and stdout.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::tally::SparseLatencies;

/// How a subscriber connects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubscriberKind {
    /// A WebSocket to the gateway's `/v1/realtime/connect`.
    Ws,
    /// Server-Sent Events from the gateway's `/v1/realtime/sse`.
    Sse,
    /// Engine.IO v4 over WebSocket to a Socket.IO server, in a room.
    SocketIo,
    /// A raw Redis connection in `SUBSCRIBE` mode.
    Redis,
    /// A `tokio::sync::broadcast` receiver in the worker itself, which also publishes.
    Broadcast,
}

impl SubscriberKind {
    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            SubscriberKind::Ws => "ws",
            SubscriberKind::Sse => "sse",
            SubscriberKind::SocketIo => "socket.io",
            SubscriberKind::Redis => "redis",
            SubscriberKind::Broadcast => "broadcast",
        }
    }
}

/// Where subscribers of one channel connect.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Target {
    /// The channel (or room) name: the key of the sequence numbers.
    pub channel: String,
    /// `host:port` to connect to.
    pub addr: String,
    /// The request path (with its token), or for Redis the pub/sub channel.
    pub path: String,
}

/// A worker's job.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkerPlan {
    /// How its subscribers connect.
    pub kind: SubscriberKind,
    /// Subscriber `i` (counted from `first`) uses `targets[i % targets.len()]`.
    pub targets: Vec<Target>,
    /// The global index of its first subscriber.
    pub first: usize,
    /// How many subscribers it holds.
    pub subscribers: usize,
    /// How many connections it opens at once.
    pub connect_concurrency: usize,
    /// The worker exits by itself after this many seconds, whatever happens.
    pub deadline_secs: u64,
    /// For [`SubscriberKind::Broadcast`]: what the worker publishes itself.
    pub publish: Option<PublishPlan>,
}

/// A rate, a duration and a payload size.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct PublishPlan {
    /// Messages per second, over all channels.
    pub rate: f64,
    /// Seconds of publishing.
    pub seconds: f64,
    /// Bytes of each payload's JSON.
    pub payload_bytes: usize,
}

/// A command to a worker.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "cmd", rename_all = "snake_case")]
pub enum WorkerCommand {
    /// Start (a broadcast worker starts publishing; others are already listening).
    Go,
    /// Answer with [`WorkerReport::Count`].
    Count,
    /// Finish: `expected` messages per channel were published; answer with the result.
    Stop {
        /// Messages published per channel (ignored by a broadcast worker, which knows).
        expected: BTreeMap<String, u64>,
    },
}

/// A worker's answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "report", rename_all = "snake_case")]
pub enum WorkerReport {
    /// Subscribers are connected (and subscribed).
    Ready {
        /// Connected subscribers.
        connected: usize,
        /// Subscribers that could not connect.
        failed: usize,
        /// The first connection error, if any.
        error: Option<String>,
        /// The worker's own resident memory before opening its subscribers, in bytes.
        rss_before: u64,
        /// The same, once they are open.
        rss_after: u64,
    },
    /// Messages received so far.
    Count {
        /// Deliveries so far.
        delivered: u64,
        /// For a broadcast worker: whether it has finished publishing.
        published_all: bool,
    },
    /// The final tally.
    Result(WorkerResult),
}

/// What a worker's subscribers received.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct WorkerResult {
    /// Messages received once, in order.
    pub delivered: u64,
    /// Messages some subscriber never got.
    pub lost: u64,
    /// Messages some subscriber got twice (or out of order).
    pub duplicated: u64,
    /// Subscriber connections that closed before the end.
    pub disconnected: u64,
    /// When the last message arrived, in ns since the epoch.
    pub last_receive_ns: u64,
    /// Publish-to-receive latencies.
    pub latencies: SparseLatencies,
    /// For a broadcast worker: messages published per channel, and when publishing started.
    pub published: BTreeMap<String, u64>,
    /// For a broadcast worker: when publishing started, in ns since the epoch.
    pub publish_start_ns: u64,
}
