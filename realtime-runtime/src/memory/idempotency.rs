//! The idempotency keys of the in-memory transport: remembered per channel until they
//! expire, bounded in number.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use realtime_core::MessageId;
/// The idempotency keys remembered, per channel, each with its message's id and when it
/// expires (ms since the epoch); indexed by expiry, to drop the expired and, at the
/// maximum, the closest to expiring.
pub(super) struct IdempotencyKeys {
    max: usize,
    channels: HashMap<Arc<str>, ChannelKeys>,
    by_expiry: BTreeSet<(u64, Arc<str>, Arc<str>)>,
}

/// A channel's keys: each with its message's id and when it expires.
type ChannelKeys = HashMap<Arc<str>, (MessageId, u64)>;

impl IdempotencyKeys {
    pub(super) fn new(max: usize) -> Self {
        IdempotencyKeys {
            max,
            channels: HashMap::new(),
            by_expiry: BTreeSet::new(),
        }
    }

    pub(super) fn len(&self) -> usize {
        self.by_expiry.len()
    }

    /// The id of the message published with `key` on `channel`, unless expired.
    pub(super) fn get(&self, channel: &str, key: &str, now: u64) -> Option<MessageId> {
        let (id, expires) = self.channels.get(channel)?.get(key)?;
        (*expires > now).then_some(*id)
    }

    /// Remembers `key` of `channel` until `expires`, replacing an expired entry.
    pub(super) fn insert(&mut self, channel: Arc<str>, key: &str, id: MessageId, expires: u64, now: u64) {
        self.remove(&channel, key);
        self.purge(now);
        while self.len() >= self.max {
            let Some((_, channel, key)) = self.by_expiry.pop_first() else {
                break;
            };
            tracing::warn!(
                %channel,
                %key,
                max = self.max,
                "forgetting an idempotency key before it expires: the in-memory transport holds its maximum"
            );
            self.forget(&channel, &key);
        }
        let key: Arc<str> = key.into();
        self.by_expiry.insert((expires, channel.clone(), key.clone()));
        self.channels
            .entry(channel)
            .or_default()
            .insert(key, (id, expires));
    }

    /// Drops every key expired at `now`.
    pub(super) fn purge(&mut self, now: u64) {
        while self
            .by_expiry
            .first()
            .is_some_and(|(expires, _, _)| *expires <= now)
        {
            let (_, channel, key) = self.by_expiry.pop_first().expect("checked above");
            self.forget(&channel, &key);
        }
    }

    /// Drops `key` of `channel`, if remembered.
    pub(super) fn remove(&mut self, channel: &str, key: &str) {
        let Some((_, expires)) = self.channels.get(channel).and_then(|keys| keys.get(key)).copied() else {
            return;
        };
        let (channel, key) = self.forget(channel, key).expect("checked above");
        self.by_expiry.remove(&(expires, channel, key));
    }

    /// Drops `key` of `channel` from the per-channel maps (not from the index); returns
    /// the names as they were held.
    pub(super) fn forget(&mut self, channel: &str, key: &str) -> Option<(Arc<str>, Arc<str>)> {
        let (held_channel, keys) = self.channels.get_key_value(channel)?;
        let held_channel = held_channel.clone();
        let (held_key, _) = keys.get_key_value(key)?;
        let held_key = held_key.clone();
        let keys = self.channels.get_mut(channel)?;
        keys.remove(key);
        if keys.is_empty() {
            self.channels.remove(channel);
        }
        Some((held_channel, held_key))
    }
}
