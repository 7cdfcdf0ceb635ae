//! The in-memory transport: the embedded default, for one process.
//!
//! Each channel has a bounded broadcast buffer for its live subscribers
//! ([`MemoryTransportBuilder::capacity`], 1,024 messages by default) and a bounded history
//! ([`HistoryLimits`], by default the last 1,000 messages of the last 5 minutes) kept
//! whether or not anyone subscribes, so a subscriber that reconnects can resume. A channel
//! with no subscribers and no history left is freed; the history of channels nobody
//! publishes to any more is swept as it ages.
//!
//! Ids are assigned, recorded and sent under a per-channel lock, so the order in which
//! subscribers receive a channel's messages is the order of their ids.
//!
//! Idempotency keys ([`Transport::publish_once`]) are looked up and remembered under that
//! same lock, so of concurrent publishes with one key exactly one is sent. They are held
//! apart from the channels (a channel is freed as before; its keys live on until they
//! expire), at most [`MemoryTransportBuilder::max_idempotency_keys`] of them (100,000 by
//! default) for the whole transport: expired keys are dropped as new ones are remembered
//! and by the periodic sweep, and a transport at its maximum forgets the key closest to
//! expiring (with a warning) to remember a new one.

mod builder;
mod idempotency;
mod ids;

pub use builder::MemoryTransportBuilder;

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::future::{self, BoxFuture};
use realtime_core::MessageId;
use tokio::sync::broadcast;

use self::idempotency::IdempotencyKeys;
use self::ids::IdGenerator;
use crate::{Delivery, FeedItem, History, HistoryLimits, LiveFeed, Published, Transport, TransportError};

/// Messages a subscriber may fall behind by before it recovers from history.
pub const DEFAULT_CAPACITY: usize = 1024;

/// The most idempotency keys a transport remembers at once, unless
/// [`MemoryTransportBuilder::max_idempotency_keys`] sets another.
pub const DEFAULT_MAX_IDEMPOTENCY_KEYS: usize = 100_000;

/// The in-memory transport. Cheap to clone: clones share the same channels.
///
/// ```
/// use std::time::Duration;
/// use realtime_runtime::{HistoryLimits, MemoryTransport, Transport};
/// let transport = MemoryTransport::builder()
///     .capacity(64)
///     .history(HistoryLimits { max_len: 100, max_age: Duration::from_secs(60) })
///     .max_idempotency_keys(10_000)
///     .build();
/// assert_eq!(transport.kind(), "memory");
/// assert_eq!(transport.channel_count(), 0);
/// assert_eq!(transport.idempotency_key_count(), 0);
/// ```
#[derive(Clone)]
pub struct MemoryTransport {
    inner: Arc<Inner>,
}

struct Inner {
    capacity: usize,
    limits: HistoryLimits,
    /// When this transport started: it knows nothing of ids before.
    started_ms: u64,
    /// When the next sweep of aged channels is due.
    next_sweep_ms: AtomicU64,
    channels: RwLock<HashMap<String, Arc<Slot>>>,
    ids: IdGenerator,
    /// Locked after a channel's log, never before: only publishers holding the channel's
    /// lock look up or remember its keys.
    keys: Mutex<IdempotencyKeys>,
}

struct Slot {
    sender: broadcast::Sender<FeedItem>,
    /// Held while an id is assigned, recorded and sent, to keep id order = send order.
    log: Mutex<Log>,
}

/// A channel's history.
struct Log {
    entries: VecDeque<Arc<Delivery>>,
    /// Every id at or below this may have been published and is no longer in `entries`.
    dropped_through: MessageId,
    /// The slot was removed from the channels: whoever locks it must take the channel's
    /// current slot instead. Set under this lock, so a slot a publisher holds locked and
    /// finds not retired is the channel's one slot.
    retired: bool,
}

impl MemoryTransport {
    /// A transport with the default buffer and history.
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// A transport whose subscribers may fall behind by `capacity` messages before they
    /// recover from history; default history.
    pub fn with_capacity(capacity: usize) -> Self {
        Self::builder().capacity(capacity).build()
    }

    /// A builder to set the buffer and history limits.
    pub fn builder() -> MemoryTransportBuilder {
        MemoryTransportBuilder::default()
    }

    /// How many channels are held (with subscribers, or with history).
    pub fn channel_count(&self) -> usize {
        self.inner.channels.read().expect("lock poisoned").len()
    }

    /// The history limits in force.
    pub fn history_limits(&self) -> HistoryLimits {
        self.inner.limits
    }

    /// How many idempotency keys are remembered, on all channels (some may have expired
    /// and not been dropped yet).
    pub fn idempotency_key_count(&self) -> usize {
        self.inner.keys.lock().expect("lock poisoned").len()
    }
}

impl Default for MemoryTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for MemoryTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryTransport")
            .field("capacity", &self.inner.capacity)
            .field("history", &self.inner.limits)
            .field("channels", &self.channel_count())
            .finish()
    }
}

impl Inner {
    /// The channel's slot, created if missing.
    fn slot(&self, channel: &str) -> Arc<Slot> {
        if let Some(slot) = self.channels.read().expect("lock poisoned").get(channel) {
            return slot.clone();
        }
        let mut channels = self.channels.write().expect("lock poisoned");
        channels
            .entry(channel.to_owned())
            .or_insert_with(|| {
                Arc::new(Slot {
                    sender: broadcast::channel(self.capacity).0,
                    log: Mutex::new(Log {
                        entries: VecDeque::new(),
                        dropped_through: self.floor(now_ms()),
                        retired: false,
                    }),
                })
            })
            .clone()
    }

    /// The id below which a channel created now may have had messages this transport no
    /// longer knows of: those of a swept channel (all older than the history's age), or
    /// any from before this transport started.
    fn floor(&self, now: u64) -> MessageId {
        if self.limits.max_len == 0 {
            // Keeping no history, it cannot vouch for anything already published.
            return self.ids.current();
        }
        let aged = now.saturating_sub(self.limits.max_age.as_millis() as u64);
        let floor = aged.max(self.started_ms);
        // The id just before the first id of millisecond `floor`.
        MessageId::new(floor.saturating_sub(1), u64::MAX)
    }

    /// Frees channels with no subscribers whose history has aged out entirely, and
    /// drops expired idempotency keys.
    fn sweep(&self, now: u64) {
        {
            let mut channels = self.channels.write().expect("lock poisoned");
            channels.retain(|_, slot| {
                let mut log = slot.log.lock().expect("lock poisoned");
                log.trim(&self.limits, now);
                let keep = slot.sender.receiver_count() > 0 || !log.entries.is_empty();
                log.retired = !keep;
                keep
            });
        }
        self.keys.lock().expect("lock poisoned").purge(now);
    }

    /// Assigns the next id to `delivery`, records it and sends it, under the channel's
    /// lock (`log`, of `slot`).
    fn append(&self, slot: &Slot, log: &mut Log, mut delivery: Delivery, now: u64) -> MessageId {
        // `now` was read before the locks: one clock read per publish, not two.
        let id = self.ids.next_at(now);
        delivery.set_id(id);
        let delivery = Arc::new(delivery);
        if self.limits.max_len > 0 {
            log.entries.push_back(delivery.clone());
        } else {
            log.dropped_through = id;
        }
        log.trim(&self.limits, now);
        // An error means nobody subscribes now: the history still has it.
        let _ = slot.sender.send(Ok(delivery));
        id
    }

    fn maybe_sweep(&self, now: u64) {
        let due = self.next_sweep_ms.load(Ordering::Relaxed);
        if now >= due
            && self
                .next_sweep_ms
                .compare_exchange(
                    due,
                    now + sweep_interval_ms(&self.limits),
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_ok()
        {
            self.sweep(now);
        }
    }
}

impl Log {
    /// Drops entries over the length limit or older than the age limit.
    fn trim(&mut self, limits: &HistoryLimits, now: u64) {
        let oldest_kept = now.saturating_sub(limits.max_age.as_millis() as u64);
        while let Some(front) = self.entries.front() {
            let id = front.envelope().id;
            if self.entries.len() > limits.max_len || id.millis() < oldest_kept {
                self.dropped_through = self.dropped_through.max(id);
                self.entries.pop_front();
            } else {
                break;
            }
        }
    }

    /// The newest id known: every later message exceeds it.
    fn newest(&self) -> MessageId {
        self.entries
            .back()
            .map_or(self.dropped_through, |d| d.envelope().id)
    }
}

impl Transport for MemoryTransport {
    fn publish(&self, delivery: Delivery) -> BoxFuture<'_, Result<MessageId, TransportError>> {
        let now = now_ms();
        let inner = &self.inner;
        let channel = delivery.envelope().channel.as_str();
        let id = loop {
            let slot = if inner.limits.max_len == 0 {
                // No history to keep: a channel nobody subscribes to needs no slot.
                let existing = inner
                    .channels
                    .read()
                    .expect("lock poisoned")
                    .get(channel)
                    .cloned();
                match existing {
                    Some(slot) => slot,
                    None => return Box::pin(future::ready(Ok(inner.ids.next()))),
                }
            } else {
                inner.slot(channel)
            };
            let mut log = slot.log.lock().expect("lock poisoned");
            if log.retired {
                continue;
            }
            break inner.append(&slot, &mut log, delivery, now);
        };
        inner.maybe_sweep(now);
        Box::pin(future::ready(Ok(id)))
    }

    fn publish_once<'a>(
        &'a self,
        delivery: Delivery,
        key: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Published, TransportError>> {
        let now = now_ms();
        let inner = &self.inner;
        let channel = delivery.envelope().channel.as_str();
        let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let published = loop {
            let slot = inner.slot(channel);
            // Every publish with a key of this channel holds this lock from the look-up
            // to remembering the key: of racing publishes with one key, one sends.
            let mut log = slot.log.lock().expect("lock poisoned");
            if log.retired {
                continue;
            }
            if let Some(first) = inner.keys.lock().expect("lock poisoned").get(channel, key, now) {
                break Published::duplicate_of(first);
            }
            let channel: Arc<str> = channel.into();
            let id = inner.append(&slot, &mut log, delivery, now);
            inner.keys.lock().expect("lock poisoned").insert(
                channel,
                key,
                id,
                now.saturating_add(ttl_ms),
                now,
            );
            break Published::sent(id);
        };
        inner.maybe_sweep(now);
        Box::pin(future::ready(Ok(published)))
    }

    fn subscribe<'a>(&'a self, channel: &'a str) -> BoxFuture<'a, Result<LiveFeed, TransportError>> {
        let guard = Arc::new(ChannelGuard {
            inner: Arc::downgrade(&self.inner),
            channel: channel.to_owned(),
        });
        let feed = loop {
            let slot = self.inner.slot(channel);
            // Under the channel's lock no id is being assigned to it: every message sent
            // from now on gets an id above the generator's current one.
            let log = slot.log.lock().expect("lock poisoned");
            if log.retired {
                continue;
            }
            let after = log.newest().max(self.inner.ids.current());
            break LiveFeed::new(&slot.sender, guard, Some(after));
        };
        Box::pin(future::ready(Ok(feed)))
    }

    fn history<'a>(
        &'a self,
        channel: &'a str,
        after: MessageId,
    ) -> BoxFuture<'a, Result<History, TransportError>> {
        let now = now_ms();
        let slot = self
            .inner
            .channels
            .read()
            .expect("lock poisoned")
            .get(channel)
            .cloned();
        let history = match slot {
            // Unknown: never published to, or swept with all its history aged out. Any
            // message after `after` would be recent enough to be held, unless `after` is
            // below the floor.
            None => History {
                deliveries: Vec::new(),
                complete: after >= self.inner.floor(now),
            },
            Some(slot) => {
                let mut log = slot.log.lock().expect("lock poisoned");
                log.trim(&self.inner.limits, now);
                let start = log.entries.partition_point(|d| d.envelope().id <= after);
                History {
                    deliveries: log.entries.range(start..).cloned().collect(),
                    complete: after >= log.dropped_through,
                }
            }
        };
        Box::pin(future::ready(Ok(history)))
    }

    fn kind(&self) -> &'static str {
        "memory"
    }
}

/// Frees a channel when its last subscriber goes and it has no history left.
struct ChannelGuard {
    inner: Weak<Inner>,
    channel: String,
}

impl Drop for ChannelGuard {
    fn drop(&mut self) {
        let Some(inner) = self.inner.upgrade() else { return };
        let mut channels = inner.channels.write().expect("lock poisoned");
        let free = channels.get(&self.channel).is_some_and(|slot| {
            let mut log = slot.log.lock().expect("lock poisoned");
            log.trim(&inner.limits, now_ms());
            log.retired = slot.sender.receiver_count() == 0 && log.entries.is_empty();
            log.retired
        });
        if free {
            channels.remove(&self.channel);
        }
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Sweeps run at most every quarter of the history's age, and at least every minute.
fn sweep_interval_ms(limits: &HistoryLimits) -> u64 {
    (limits.max_age.as_millis() as u64 / 4).clamp(1_000, 60_000)
}

#[cfg(test)]
mod tests;
