//! Where a worker's subscribers record what they receive.

use std::sync::{Arc, Mutex};

use super::payload;
use super::plan::WorkerResult;
use super::tally::{Latencies, SeqCheck};

/// The shared record of one worker's subscribers.
#[derive(Clone)]
pub struct Sink {
    inner: Arc<Mutex<Received>>,
}

struct Received {
    checks: Vec<SeqCheck>,
    latencies: Latencies,
    delivered: u64,
    disconnected: u64,
    last_receive_ns: u64,
}

impl Sink {
    /// A sink for `subscribers` subscribers.
    pub fn new(subscribers: usize) -> Self {
        Sink {
            inner: Arc::new(Mutex::new(Received {
                checks: vec![SeqCheck::default(); subscribers],
                latencies: Latencies::default(),
                delivered: 0,
                disconnected: 0,
                last_receive_ns: 0,
            })),
        }
    }

    /// Records a frame received by subscriber `index` (of this worker), if it carries a
    /// payload; returns whether it did.
    pub fn frame(&self, index: usize, frame: &[u8]) -> bool {
        let Some((seq, sent_ns)) = payload::read(frame) else {
            return false;
        };
        let now = payload::now_ns();
        let mut received = self.inner.lock().expect("sink lock");
        received.checks[index].record(seq);
        received.latencies.record(now.saturating_sub(sent_ns));
        received.delivered += 1;
        received.last_receive_ns = received.last_receive_ns.max(now);
        true
    }

    /// Records that a subscriber's connection ended.
    pub fn disconnected(&self) {
        self.inner.lock().expect("sink lock").disconnected += 1;
    }

    /// Deliveries so far.
    pub fn delivered(&self) -> u64 {
        self.inner.lock().expect("sink lock").delivered
    }

    /// The final tally, given how many messages each subscriber should have had.
    pub fn finish(&self, expected: impl Fn(usize) -> u64) -> WorkerResult {
        let mut received = self.inner.lock().expect("sink lock");
        let mut result = WorkerResult::default();
        for (index, check) in received.checks.iter_mut().enumerate() {
            check.finish(expected(index));
            result.delivered += check.received;
            result.lost += check.lost;
            result.duplicated += check.duplicated;
        }
        result.disconnected = received.disconnected;
        result.last_receive_ns = received.last_receive_ns;
        result.latencies = received.latencies.sparse();
        result
    }
}
