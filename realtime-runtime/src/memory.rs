//! The in-memory transport: the embedded default, for one process.
//!
//! Each channel with at least one subscriber has a bounded broadcast buffer
//! ([`MemoryTransport::with_capacity`], 1,024 messages by default). Publishing to a
//! channel nobody subscribes to sends nothing anywhere. When the last subscription of a
//! channel is dropped, the channel's buffer is freed.
//!
//! Ids are assigned and messages sent under a per-channel lock, so the order in which
//! subscribers receive a channel's messages is the order of their ids.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::{SystemTime, UNIX_EPOCH};

use futures::future::{self, BoxFuture};
use realtime_core::MessageId;
use tokio::sync::broadcast;

use crate::{Delivery, Transport, TransportError, TransportStream};

/// Messages a subscriber may fall behind by before it is told it lagged.
pub const DEFAULT_CAPACITY: usize = 1024;

/// The in-memory transport. Cheap to clone: clones share the same channels.
///
/// ```
/// use realtime_runtime::{MemoryTransport, Transport};
/// let transport = MemoryTransport::with_capacity(64);
/// assert_eq!(transport.kind(), "memory");
/// assert_eq!(transport.channel_count(), 0);
/// ```
#[derive(Clone)]
pub struct MemoryTransport {
    inner: Arc<Inner>,
}

struct Inner {
    capacity: usize,
    channels: RwLock<HashMap<String, Arc<Slot>>>,
    ids: IdGenerator,
}

struct Slot {
    sender: broadcast::Sender<Arc<Delivery>>,
    /// Held while an id is assigned and the message sent, to keep id order = send order.
    send_lock: Mutex<()>,
}

impl MemoryTransport {
    /// A transport with the default buffer of 1,024 messages per channel.
    pub fn new() -> Self {
        Self::with_capacity(DEFAULT_CAPACITY)
    }

    /// A transport whose subscribers may fall behind by `capacity` messages.
    pub fn with_capacity(capacity: usize) -> Self {
        MemoryTransport {
            inner: Arc::new(Inner {
                capacity: capacity.max(1),
                channels: RwLock::default(),
                ids: IdGenerator::default(),
            }),
        }
    }

    /// How many channels currently have subscribers (and so hold a buffer).
    pub fn channel_count(&self) -> usize {
        self.inner.channels.read().expect("lock poisoned").len()
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
            .field("channels", &self.channel_count())
            .finish()
    }
}

impl Transport for MemoryTransport {
    fn publish(&self, mut delivery: Delivery) -> BoxFuture<'_, Result<MessageId, TransportError>> {
        let slot = self
            .inner
            .channels
            .read()
            .expect("lock poisoned")
            .get(delivery.envelope().channel.as_str())
            .cloned();
        let id = match slot {
            None => self.inner.ids.next(),
            Some(slot) => {
                let _order = slot.send_lock.lock().expect("lock poisoned");
                let id = self.inner.ids.next();
                delivery.set_id(id);
                // An error means every receiver was dropped just now: nobody to deliver to.
                let _ = slot.sender.send(Arc::new(delivery));
                id
            }
        };
        Box::pin(future::ready(Ok(id)))
    }

    fn subscribe<'a>(&'a self, channel: &'a str) -> BoxFuture<'a, Result<TransportStream, TransportError>> {
        let mut channels = self.inner.channels.write().expect("lock poisoned");
        let slot = channels.entry(channel.to_owned()).or_insert_with(|| {
            Arc::new(Slot {
                sender: broadcast::channel(self.inner.capacity).0,
                send_lock: Mutex::new(()),
            })
        });
        let guard = Arc::new(ChannelGuard {
            inner: Arc::downgrade(&self.inner),
            channel: channel.to_owned(),
        });
        let stream = TransportStream::new(&slot.sender, guard);
        Box::pin(future::ready(Ok(stream)))
    }

    fn kind(&self) -> &'static str {
        "memory"
    }
}

/// Frees a channel's buffer when its last subscriber goes.
struct ChannelGuard {
    inner: Weak<Inner>,
    channel: String,
}

impl Drop for ChannelGuard {
    fn drop(&mut self) {
        let Some(inner) = self.inner.upgrade() else { return };
        let mut channels = inner.channels.write().expect("lock poisoned");
        if channels
            .get(&self.channel)
            .is_some_and(|slot| slot.sender.receiver_count() == 0)
        {
            channels.remove(&self.channel);
        }
    }
}

/// Issues `<milliseconds>-<sequence>` ids that always increase.
#[derive(Default)]
struct IdGenerator {
    last: Mutex<(u64, u64)>,
}

impl IdGenerator {
    fn next(&self) -> MessageId {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let mut last = self.last.lock().expect("lock poisoned");
        *last = if now > last.0 {
            (now, 0)
        } else {
            (last.0, last.1 + 1)
        };
        MessageId::new(last.0, last.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_always_increase() {
        let ids = IdGenerator::default();
        let mut prev = ids.next();
        for _ in 0..10_000 {
            let next = ids.next();
            assert!(next > prev);
            prev = next;
        }
    }
}
