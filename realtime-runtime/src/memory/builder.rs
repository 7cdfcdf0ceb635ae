//! [`MemoryTransportBuilder`]: the settings of a [`MemoryTransport`].

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, RwLock};

use super::idempotency::IdempotencyKeys;
use super::ids::IdGenerator;
use super::{
    now_ms, sweep_interval_ms, Inner, MemoryTransport, DEFAULT_CAPACITY, DEFAULT_MAX_IDEMPOTENCY_KEYS,
};
use crate::HistoryLimits;

/// Builds a [`MemoryTransport`].
#[derive(Debug, Clone)]
#[must_use]
pub struct MemoryTransportBuilder {
    capacity: usize,
    limits: HistoryLimits,
    max_keys: usize,
}

impl Default for MemoryTransportBuilder {
    fn default() -> Self {
        MemoryTransportBuilder {
            capacity: DEFAULT_CAPACITY,
            limits: HistoryLimits::default(),
            max_keys: DEFAULT_MAX_IDEMPOTENCY_KEYS,
        }
    }
}

impl MemoryTransportBuilder {
    /// Messages a subscriber may fall behind by before it recovers from history
    /// (default 1,024; at least 1).
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity.max(1);
        self
    }

    /// How much history each channel keeps (default 1,000 messages, 5 minutes).
    pub fn history(mut self, limits: HistoryLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The most idempotency keys ([`Transport::publish_once`]) remembered at once, on all
    /// channels together (default 100,000; at least 1). Each costs about the length of
    /// its key and channel name plus 150 bytes. Expired keys are dropped first; a
    /// transport at its maximum forgets the key closest to expiring to remember a new one
    /// (so a retry with that key could publish again), and logs a warning.
    ///
    /// [`Transport::publish_once`]: crate::Transport::publish_once
    pub fn max_idempotency_keys(mut self, max: usize) -> Self {
        self.max_keys = max.max(1);
        self
    }

    /// The transport.
    pub fn build(self) -> MemoryTransport {
        let now = now_ms();
        MemoryTransport {
            inner: Arc::new(Inner {
                capacity: self.capacity,
                limits: self.limits,
                started_ms: now,
                next_sweep_ms: AtomicU64::new(now + sweep_interval_ms(&self.limits)),
                channels: RwLock::default(),
                ids: IdGenerator::default(),
                keys: Mutex::new(IdempotencyKeys::new(self.max_keys)),
            }),
        }
    }
}
