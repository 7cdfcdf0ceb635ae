//! [`ClientSubscribeBuilder`]: which transport, topics and reconnection policy, then connect.

use std::future::IntoFuture;
use std::marker::PhantomData;
use std::time::Duration;

use futures::future::BoxFuture;
use realtime_core::{Channel, TopicKey};

use super::session::{Session, SessionConfig};
use super::{Backoff, Client, ClientError, ClientSubscription, TokenSource};

/// How long a connection attempt may take by default: 10 seconds.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a connection may stay silent by default before it is taken as dead: 45
/// seconds, three times the gateway's default keepalive interval.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(45);

/// How a subscription reaches the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ClientTransport {
    /// `GET /v1/realtime/connect`, a WebSocket (the default).
    #[default]
    WebSocket,
    /// `GET /v1/realtime/sse`, Server-Sent Events over plain HTTP, for networks that do not
    /// pass WebSockets.
    Sse,
}

/// Options of a subscription being opened over the network; await it to connect.
///
/// By default: WebSocket, every topic of the channel, data validated against each topic's
/// schema, [`Backoff::default`], reconnection attempts without end,
/// [`DEFAULT_CONNECT_TIMEOUT`] and [`DEFAULT_IDLE_TIMEOUT`].
///
/// Awaiting it asks the token source for a token and connects; any failure then, such as
/// [`ClientError::Rejected`] for a bad token, is returned and not retried. Failures after
/// that are retried (see [`ClientSubscription`]).
#[must_use = "a subscription is opened only when the builder is awaited"]
pub struct ClientSubscribeBuilder<C: Channel> {
    client: Client,
    channel: String,
    tokens: Box<dyn TokenSource>,
    topics: Vec<C::Topic>,
    validate: bool,
    config: SessionConfig,
    _channel: PhantomData<fn() -> C>,
}

impl<C: Channel> ClientSubscribeBuilder<C> {
    pub(crate) fn new(client: Client, channel: String, tokens: Box<dyn TokenSource>) -> Self {
        ClientSubscribeBuilder {
            client,
            channel,
            tokens,
            topics: C::Topic::all().to_vec(),
            validate: true,
            config: SessionConfig {
                transport: ClientTransport::default(),
                backoff: Backoff::default(),
                max_reconnect_attempts: None,
                connect_timeout: DEFAULT_CONNECT_TIMEOUT,
                idle_timeout: Some(DEFAULT_IDLE_TIMEOUT),
                after: None,
            },
            _channel: PhantomData,
        }
    }

    /// WebSocket or SSE (default WebSocket).
    pub fn transport(mut self, transport: ClientTransport) -> Self {
        self.config.transport = transport;
        self
    }

    /// Only these topics. The token decides what the gateway sends; of that, the
    /// subscription keeps these topics. A key of another channel's topic does not compile.
    pub fn topics(mut self, topics: impl IntoIterator<Item = C::Topic>) -> Self {
        self.topics.clear();
        for topic in topics {
            if !self.topics.contains(&topic) {
                self.topics.push(topic);
            }
        }
        self
    }

    /// Whether to check incoming data against the topics' schemas (default `true`); a
    /// message that fails is a [`ClientRecvError::SchemaViolation`](super::ClientRecvError::SchemaViolation)
    /// item. Topics declared with `validate = false` are never checked.
    pub fn validate(mut self, validate: bool) -> Self {
        self.validate = validate;
        self
    }

    /// The waits between reconnection attempts (default [`Backoff::default`]).
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.config.backoff = backoff;
        self
    }

    /// The most reconnection attempts in a row before the stream ends with
    /// [`ClientRecvError::GaveUp`](super::ClientRecvError::GaveUp); `None` (the default)
    /// tries forever, `Some(0)` never reconnects.
    pub fn max_reconnect_attempts(mut self, max: Option<u32>) -> Self {
        self.config.max_reconnect_attempts = max;
        self
    }

    /// How long one connection attempt may take, token excluded (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.config.connect_timeout = timeout;
        self
    }

    /// How long a connection may receive nothing, not even a keepalive, before it is taken
    /// as dead and replaced (default 45 s); `None` waits forever. Keep it above the
    /// gateway's keepalive interval.
    pub fn idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.config.idle_timeout = timeout;
        self
    }

    /// Starts after message `id` (say, the [`last_id`](ClientSubscription::last_id) of an
    /// earlier subscription): the gateway sends the messages after it still in the
    /// channel's history first, then live ones. Reconnections always resume after the
    /// last message received, whether or not this is set.
    pub fn after(mut self, id: realtime_core::MessageId) -> Self {
        self.config.after = Some(id);
        self
    }
}

impl<C: Channel> IntoFuture for ClientSubscribeBuilder<C> {
    type Output = Result<ClientSubscription<C>, ClientError>;
    type IntoFuture = BoxFuture<'static, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            if self.topics.is_empty() {
                return Err(ClientError::NoTopics);
            }
            let transport = self.config.transport;
            let session = Session::open(self.client, self.tokens, self.config).await?;
            Ok(ClientSubscription::new(
                self.channel,
                self.topics,
                self.validate,
                transport,
                session,
            ))
        })
    }
}
