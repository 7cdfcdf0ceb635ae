//! The Redis transport: channels shared by every node (process) connected to one Redis.
//!
//! Each channel `c` is a Redis stream, `<prefix>stream:c`, holding its bounded history
//! ([`HistoryLimits`]), and a pub/sub channel, `<prefix>chan:c`, announcing each message.
//!
//! - **Publishing** runs one Lua script per message: `XADD` (Redis assigns the id, the
//!   same `<ms>-<seq>` format as [`MessageId`]), trim to the history's length and age,
//!   refresh the key's expiry to the history's age (so idle channels vanish), `PUBLISH`
//!   `<id>\n<envelope JSON>`. Being atomic, the announcements of a channel are in id
//!   order on every node.
//! - **Publishing once** ([`Transport::publish_once`]) runs the same steps in another
//!   script, after a `GET` of the idempotency key `<prefix>idem:{<prefix>stream:c}:<key>`:
//!   if it holds an id, the script returns it and sends nothing; otherwise it publishes
//!   and `SET`s the key to the new id with the time to live (`PX`). Atomic, so of nodes
//!   racing with one key, one publishes; the key outlives the channel's history, and
//!   survives a Redis restart as far as Redis persists its data.
//! - **Subscribing**: each node holds one pub/sub connection for all its local
//!   subscriptions, subscribing a channel with its first local subscriber and
//!   unsubscribing with its last. It forwards each announced message once, in id order,
//!   to the channel's local subscribers through a bounded broadcast buffer
//!   ([`RedisTransportBuilder::capacity`]).
//! - **History** is read from the stream (`XRANGE`), and whether it is complete from the
//!   stream's trimming state (`XINFO STREAM`, Redis 7).
//! - **Reconnection**: when the pub/sub connection drops (Redis restarted, say), the node
//!   reconnects with backoff, resubscribes, and forwards from history what its
//!   subscribers missed meanwhile, or announces a [`ContinuityLost`] gap with cause
//!   [`GapCause::BackendInterrupted`] if history no longer holds it all. Commands
//!   (publish, history) go through a connection that reconnects by itself; while Redis is
//!   unreachable they fail with [`TransportError::Backend`] within
//!   [`RedisTransportBuilder::command_timeout`].
//!
//! ```no_run
//! use std::sync::Arc;
//! use futures::StreamExt;
//! use realtime_core::Envelope;
//! use realtime_runtime::redis::RedisTransport;
//! use realtime_runtime::{Delivery, StartAt, Transport, TransportStream};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! // Two nodes (usually two processes) sharing one Redis.
//! let node_a = RedisTransport::connect("redis://127.0.0.1:6379").await?;
//! let node_b = RedisTransport::connect("redis://127.0.0.1:6379").await?;
//!
//! let mut stream = TransportStream::open(Arc::new(node_b), "pipeline:abc", StartAt::Live).await?;
//! let envelope = Envelope::new("pipeline:abc", "status", serde_json::json!({"message": "hi"}));
//! let id = node_a.publish(Delivery::new(envelope)).await?;
//!
//! let delivery = stream.next().await.unwrap()?;
//! assert_eq!(delivery.envelope().id, id);
//! # Ok(())
//! # }
//! ```
//!
//! Needs Redis 6.2 or later; Redis 7 or later for exact `complete` flags on trimmed
//! channels (before 7, a subscriber resuming from the very start of a trimmed channel is
//! told it lost continuity).
//!
//! [`ContinuityLost`]: crate::ContinuityLost
//! [`GapCause::BackendInterrupted`]: crate::GapCause::BackendInterrupted

mod config;
mod history;
mod link;
mod node;
mod scripts;

use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use ::redis::aio::{ConnectionManager, ConnectionManagerConfig};
use futures::future::BoxFuture;
use realtime_core::MessageId;

use crate::{Delivery, History, HistoryLimits, LiveFeed, Published, Transport, TransportError};

pub use config::{RedisTransportBuilder, DEFAULT_CAPACITY, DEFAULT_COMMAND_TIMEOUT, DEFAULT_KEY_PREFIX};

use config::Settings;
use history::StreamState;
use link::Link;
use node::NodeHandle;
use scripts::{Publishing, Scripts};

/// The Redis transport. Cheap to clone: clones share the connections and the node.
///
/// ```no_run
/// use realtime_runtime::redis::RedisTransport;
/// use realtime_runtime::{Realtime, Transport};
///
/// # async fn demo() -> Result<(), realtime_runtime::TransportError> {
/// let transport = RedisTransport::connect("redis://127.0.0.1:6379").await?;
/// assert_eq!(transport.kind(), "redis");
/// let rt = Realtime::new(transport);
/// # let _ = rt;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct RedisTransport {
    inner: Arc<Inner>,
}

struct Inner {
    ctx: Arc<Context>,
    node: NodeHandle,
}

/// What the transport and its node task share.
struct Context {
    client: ::redis::Client,
    /// The connection for commands, multiplexed and reconnecting; replaced when a command
    /// times out (the manager only reconnects when it sees the connection fail, which a
    /// connection to a vanished host may not do for many minutes).
    commands: RwLock<ConnectionManager>,
    commands_config: ConnectionManagerConfig,
    scripts: Scripts,
    settings: Settings,
}

impl RedisTransport {
    /// Connects to Redis at `url` with the default settings; see
    /// [`RedisTransport::builder`].
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), realtime_runtime::TransportError> {
    /// let transport = realtime_runtime::redis::RedisTransport::connect("redis://127.0.0.1:6379").await?;
    /// # let _ = transport;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn connect(url: &str) -> Result<RedisTransport, TransportError> {
        Self::builder(url).connect().await
    }

    /// A builder to set the history limits, the subscribers' buffer, the key prefix and
    /// the command timeout before connecting.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use realtime_runtime::redis::RedisTransport;
    /// use realtime_runtime::HistoryLimits;
    ///
    /// # async fn demo() -> Result<(), realtime_runtime::TransportError> {
    /// let transport = RedisTransport::builder("redis://127.0.0.1:6379")
    ///     .history(HistoryLimits { max_len: 100, max_age: Duration::from_secs(60) })
    ///     .capacity(256)
    ///     .key_prefix("myapp:")
    ///     .connect()
    ///     .await?;
    /// assert_eq!(transport.key_prefix(), "myapp:");
    /// # Ok(())
    /// # }
    /// ```
    pub fn builder(url: impl Into<String>) -> RedisTransportBuilder {
        RedisTransportBuilder::new(url.into())
    }

    /// The history limits in force.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), realtime_runtime::TransportError> {
    /// use realtime_runtime::{redis::RedisTransport, HistoryLimits};
    /// let transport = RedisTransport::connect("redis://127.0.0.1:6379").await?;
    /// assert_eq!(transport.history_limits(), HistoryLimits::default());
    /// # Ok(())
    /// # }
    /// ```
    pub fn history_limits(&self) -> HistoryLimits {
        self.inner.ctx.settings.history
    }

    /// The prefix of the transport's Redis keys and pub/sub channels.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), realtime_runtime::TransportError> {
    /// let transport = realtime_runtime::redis::RedisTransport::connect("redis://127.0.0.1:6379").await?;
    /// assert_eq!(transport.key_prefix(), realtime_runtime::redis::DEFAULT_KEY_PREFIX);
    /// # Ok(())
    /// # }
    /// ```
    pub fn key_prefix(&self) -> &str {
        self.inner.ctx.settings.keys.prefix()
    }

    async fn from_builder(builder: RedisTransportBuilder) -> Result<RedisTransport, TransportError> {
        let RedisTransportBuilder { url, settings } = builder;
        let client = ::redis::Client::open(url.as_str()).map_err(backend)?;
        let timeout = settings.command_timeout;
        // Fail fast while Redis is unreachable: at most two connection attempts per
        // command, each bounded, then the error. Responses are bounded by `bounded`.
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout.min(Duration::from_secs(1))))
            .set_response_timeout(None)
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(100))
            .set_max_delay(Duration::from_millis(500));
        let commands = tokio::time::timeout(
            timeout.saturating_mul(2),
            ConnectionManager::new_with_config(client.clone(), config.clone()),
        )
        .await
        .map_err(|_| backend(format!("connecting to Redis took longer than {:?}", timeout * 2)))?
        .map_err(backend)?;
        let link = Link::connect(&client, timeout).await?;
        let ctx = Arc::new(Context {
            client,
            commands: RwLock::new(commands),
            commands_config: config,
            scripts: Scripts::new(),
            settings,
        });
        tracing::debug!(prefix = ctx.settings.keys.prefix(), "connected to Redis");
        let node = NodeHandle::spawn(ctx.clone(), link);
        Ok(RedisTransport {
            inner: Arc::new(Inner { ctx, node }),
        })
    }
}

impl Context {
    /// The command connection.
    fn commands(&self) -> ConnectionManager {
        self.commands.read().expect("lock poisoned").clone()
    }

    /// Bounds a command by the command timeout; a command that times out replaces the
    /// command connection.
    async fn bounded<T>(
        &self,
        command: impl std::future::Future<Output = Result<T, TransportError>>,
    ) -> Result<T, TransportError> {
        let timeout = self.settings.command_timeout;
        match tokio::time::timeout(timeout, command).await {
            Ok(result) => result,
            Err(_) => {
                match ConnectionManager::new_lazy_with_config(
                    self.client.clone(),
                    self.commands_config.clone(),
                ) {
                    Ok(fresh) => {
                        tracing::warn!(
                            ?timeout,
                            "a Redis command timed out; opening a new command connection"
                        );
                        *self.commands.write().expect("lock poisoned") = fresh;
                    }
                    Err(err) => tracing::warn!(?timeout, error = %err, "a Redis command timed out"),
                }
                Err(backend(format!("Redis did not answer within {timeout:?}")))
            }
        }
    }

    async fn publish(&self, delivery: &Delivery) -> Result<MessageId, TransportError> {
        let channel = delivery.envelope().channel.as_str();
        let keys = &self.settings.keys;
        let (stream, pubsub) = (keys.stream(channel), keys.pubsub(channel));
        let mut conn = self.commands();
        self.bounded(
            self.scripts
                .publish(&mut conn, self.publishing(&stream, &pubsub, delivery)),
        )
        .await
    }

    async fn publish_once(
        &self,
        delivery: &Delivery,
        key: &str,
        ttl: Duration,
    ) -> Result<Published, TransportError> {
        let channel = delivery.envelope().channel.as_str();
        let keys = &self.settings.keys;
        let (stream, pubsub) = (keys.stream(channel), keys.pubsub(channel));
        let idempotency = keys.idempotency(channel, key);
        let mut conn = self.commands();
        self.bounded(self.scripts.publish_once(
            &mut conn,
            self.publishing(&stream, &pubsub, delivery),
            &idempotency,
            ttl,
        ))
        .await
    }

    fn publishing<'a>(&'a self, stream: &'a str, pubsub: &'a str, delivery: &'a Delivery) -> Publishing<'a> {
        Publishing {
            stream,
            pubsub,
            json: delivery.json(),
            limits: &self.settings.history,
        }
    }

    /// The channel's stream (with its entries after `after`, if given), `None` if the
    /// channel has no stream.
    async fn stream_state(
        &self,
        channel: &str,
        after: Option<MessageId>,
    ) -> Result<Option<StreamState>, TransportError> {
        let mut conn = self.commands();
        self.bounded(
            self.scripts
                .stream_state(&mut conn, &self.settings.keys.stream(channel), after),
        )
        .await
    }

    async fn history(&self, channel: &str, after: MessageId) -> Result<History, TransportError> {
        let state = self.stream_state(channel, Some(after)).await?;
        Ok(history::history(state, after, channel))
    }
}

impl Transport for RedisTransport {
    fn publish(&self, delivery: Delivery) -> BoxFuture<'_, Result<MessageId, TransportError>> {
        Box::pin(async move { self.inner.ctx.publish(&delivery).await })
    }

    fn publish_once<'a>(
        &'a self,
        delivery: Delivery,
        key: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Published, TransportError>> {
        Box::pin(async move { self.inner.ctx.publish_once(&delivery, key, ttl).await })
    }

    fn subscribe<'a>(&'a self, channel: &'a str) -> BoxFuture<'a, Result<LiveFeed, TransportError>> {
        Box::pin(
            self.inner
                .node
                .subscribe(channel, self.inner.ctx.settings.command_timeout),
        )
    }

    fn history<'a>(
        &'a self,
        channel: &'a str,
        after: MessageId,
    ) -> BoxFuture<'a, Result<History, TransportError>> {
        Box::pin(self.inner.ctx.history(channel, after))
    }

    fn kind(&self) -> &'static str {
        "redis"
    }
}

impl fmt::Debug for RedisTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let settings = &self.inner.ctx.settings;
        f.debug_struct("RedisTransport")
            .field("key_prefix", &settings.keys.prefix())
            .field("history", &settings.history)
            .field("capacity", &settings.capacity)
            .field("command_timeout", &settings.command_timeout)
            .finish_non_exhaustive()
    }
}

/// A back-end error from anything that describes it.
fn backend(err: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> TransportError {
    TransportError::Backend(err.into())
}
