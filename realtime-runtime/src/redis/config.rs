//! How a [`RedisTransport`] is set up: its builder, the defaults, and the Redis key names
//! it uses.

use std::time::Duration;

use crate::{HistoryLimits, TransportError};

use super::RedisTransport;

/// The prefix of every Redis key and pub/sub channel name the transport uses, unless
/// [`RedisTransportBuilder::key_prefix`] sets another.
///
/// ```
/// assert_eq!(realtime_runtime::redis::DEFAULT_KEY_PREFIX, "realtime:");
/// ```
pub const DEFAULT_KEY_PREFIX: &str = "realtime:";

/// Messages a local subscriber may fall behind by before it recovers from history,
/// unless [`RedisTransportBuilder::capacity`] sets another.
///
/// ```
/// assert_eq!(realtime_runtime::redis::DEFAULT_CAPACITY, 1024);
/// ```
pub const DEFAULT_CAPACITY: usize = 1024;

/// The longest a Redis command (a publish, a history read, the confirmation of a
/// subscription) may take before it fails with [`TransportError::Backend`], unless
/// [`RedisTransportBuilder::command_timeout`] sets another.
///
/// ```
/// use std::time::Duration;
/// assert_eq!(realtime_runtime::redis::DEFAULT_COMMAND_TIMEOUT, Duration::from_secs(3));
/// ```
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(3);

/// Builds a [`RedisTransport`]: [`RedisTransport::builder`].
///
/// ```
/// use std::time::Duration;
/// use realtime_runtime::redis::RedisTransport;
/// use realtime_runtime::HistoryLimits;
///
/// let builder = RedisTransport::builder("redis://127.0.0.1:6379")
///     .history(HistoryLimits { max_len: 500, max_age: Duration::from_secs(60) })
///     .capacity(256)
///     .key_prefix("myapp:realtime:")
///     .command_timeout(Duration::from_secs(2));
/// assert_eq!(builder.url(), "redis://127.0.0.1:6379");
/// // `builder.connect().await` connects.
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct RedisTransportBuilder {
    pub(super) url: String,
    pub(super) settings: Settings,
}

/// What the transport and its node share once built.
#[derive(Debug, Clone)]
pub(super) struct Settings {
    pub(super) history: HistoryLimits,
    pub(super) capacity: usize,
    pub(super) keys: Keys,
    pub(super) command_timeout: Duration,
}

impl RedisTransportBuilder {
    pub(super) fn new(url: String) -> Self {
        RedisTransportBuilder {
            url,
            settings: Settings {
                history: HistoryLimits::default(),
                capacity: DEFAULT_CAPACITY,
                keys: Keys::new(DEFAULT_KEY_PREFIX),
                command_timeout: DEFAULT_COMMAND_TIMEOUT,
            },
        }
    }

    /// The Redis URL, e.g. `redis://127.0.0.1:6379` or `redis://user:pass@host:6380/0`.
    ///
    /// ```
    /// let builder = realtime_runtime::redis::RedisTransport::builder("redis://127.0.0.1:6379/2");
    /// assert_eq!(builder.url(), "redis://127.0.0.1:6379/2");
    /// ```
    pub fn url(&self) -> &str {
        &self.url
    }

    /// How much history each channel's stream keeps (default 1,000 messages, 5 minutes).
    /// Every node publishing to the same Redis should use the same limits.
    ///
    /// ```
    /// use std::time::Duration;
    /// use realtime_runtime::{redis::RedisTransport, HistoryLimits};
    /// let builder = RedisTransport::builder("redis://127.0.0.1:6379")
    ///     .history(HistoryLimits { max_len: 50, max_age: Duration::from_secs(30) });
    /// # let _ = builder;
    /// ```
    pub fn history(mut self, limits: HistoryLimits) -> Self {
        self.settings.history = limits;
        self
    }

    /// Messages a local subscriber may fall behind by before it recovers from history
    /// (default 1,024; at least 1).
    ///
    /// ```
    /// let builder = realtime_runtime::redis::RedisTransport::builder("redis://127.0.0.1:6379").capacity(64);
    /// # let _ = builder;
    /// ```
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.settings.capacity = capacity.max(1);
        self
    }

    /// The prefix of the transport's Redis keys and pub/sub channels (default
    /// `realtime:`). A channel `c` is stored in the stream `<prefix>stream:c` and
    /// announced on the pub/sub channel `<prefix>chan:c`; its idempotency key `k` is
    /// `<prefix>idem:{<prefix>stream:c}:k`. Nodes that should share channels must use the
    /// same prefix.
    ///
    /// ```
    /// let builder = realtime_runtime::redis::RedisTransport::builder("redis://127.0.0.1:6379").key_prefix("app1:");
    /// # let _ = builder;
    /// ```
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.settings.keys = Keys::new(&prefix.into());
        self
    }

    /// The longest a Redis command may take before it fails (default 3 s): a publish
    /// while Redis is unreachable fails after at most about this long. A publish that
    /// timed out has an unknown outcome: a Redis that was only slow may still store and
    /// deliver it.
    ///
    /// ```
    /// use std::time::Duration;
    /// let builder = realtime_runtime::redis::RedisTransport::builder("redis://127.0.0.1:6379")
    ///     .command_timeout(Duration::from_millis(1500));
    /// # let _ = builder;
    /// ```
    pub fn command_timeout(mut self, timeout: Duration) -> Self {
        self.settings.command_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// Connects: the command connection and the node's pub/sub connection.
    ///
    /// Fails with [`TransportError::Backend`] if the URL is invalid or Redis cannot be
    /// reached now; once connected, the transport reconnects by itself.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), realtime_runtime::TransportError> {
    /// let transport = realtime_runtime::redis::RedisTransport::builder("redis://127.0.0.1:6379")
    ///     .connect()
    ///     .await?;
    /// # let _ = transport;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn connect(self) -> Result<RedisTransport, TransportError> {
        RedisTransport::from_builder(self).await
    }
}

/// The names of a channel's Redis key and pub/sub channel.
///
/// Channel names hold only ASCII letters, digits and
/// [`NAME_PUNCTUATION`](realtime_core::NAME_PUNCTUATION), so they are used as they are.
#[derive(Debug, Clone)]
pub(super) struct Keys {
    prefix: String,
    /// `<prefix>chan:`, the start of every pub/sub channel name.
    pubsub_prefix: String,
}

impl Keys {
    fn new(prefix: &str) -> Self {
        Keys {
            prefix: prefix.to_owned(),
            pubsub_prefix: format!("{prefix}chan:"),
        }
    }

    pub(super) fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The stream holding the channel's history: `<prefix>stream:<channel>`.
    pub(super) fn stream(&self, channel: &str) -> String {
        format!("{}stream:{channel}", self.prefix)
    }

    /// The pub/sub channel announcing the channel's messages: `<prefix>chan:<channel>`.
    pub(super) fn pubsub(&self, channel: &str) -> String {
        format!("{}{channel}", self.pubsub_prefix)
    }

    /// The key remembering idempotency key `key` of the channel:
    /// `<prefix>idem:{<prefix>stream:<channel>}:<key>`.
    ///
    /// Channel names hold no `}`, so the name is unambiguous whatever the key holds. The
    /// braces make the stream's name the key's Redis Cluster hash tag: with a prefix
    /// without braces, the key lives in the stream's slot, as a script's keys must.
    pub(super) fn idempotency(&self, channel: &str, key: &str) -> String {
        format!("{}idem:{{{}}}:{key}", self.prefix, self.stream(channel))
    }

    /// The channel a pub/sub channel name announces, if it is one of ours.
    pub(super) fn channel_of<'a>(&self, pubsub: &'a str) -> Option<&'a str> {
        pubsub.strip_prefix(self.pubsub_prefix.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_names() {
        let keys = Keys::new("app:");
        assert_eq!(keys.stream("pipeline:abc"), "app:stream:pipeline:abc");
        assert_eq!(keys.pubsub("pipeline:abc"), "app:chan:pipeline:abc");
        assert_eq!(keys.channel_of("app:chan:pipeline:abc"), Some("pipeline:abc"));
        assert_eq!(keys.channel_of("other:chan:pipeline:abc"), None);
        assert_eq!(
            keys.idempotency("pipeline:abc", "run-1:done"),
            "app:idem:{app:stream:pipeline:abc}:run-1:done"
        );
        // The channel `a` with key `b:c` and the channel `a:b` with key `c` differ.
        assert_ne!(keys.idempotency("a", "b:c"), keys.idempotency("a:b", "c"));
    }
}
