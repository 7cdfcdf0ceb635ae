//! A session: one logical subscription that outlives its connections.
//!
//! The session holds at most one connection. When it is lost (the gateway closes it or
//! says `closing`, the network fails, nothing arrives within the idle timeout), the
//! session reports [`ClientRecvError::Disconnected`], waits as the [`Backoff`] says, asks
//! the [`TokenSource`] for a fresh token and connects again, reporting each failed
//! attempt the same way. A successful connection starts the count over. With a cap on
//! attempts, the session ends with [`ClientRecvError::GaveUp`] once the cap is reached.
//!
//! A WebSocket connection lives through its gateway session: on `session_expiring` the
//! session asks the token source for a fresh token and sends it in band
//! (`{"kind": "refresh", "data": "<jwt>"}`), so the connection goes on with nothing
//! missed. An SSE connection cannot: when the gateway ends it with `closing`, it reconnects
//! with a fresh token, resuming as below.
//!
//! Each reconnection resumes after the id of the last message received or the last
//! `position` the gateway confirmed, whichever is later (`?since=<id>`), so a connection
//! lost before its first message loses nothing either, and messages published while no connection was open arrive then, in order and once, as
//! long as the channel's history on the gateway still holds them; if it does not, the
//! gateway says so with a `continuity_lost` notice.
//!
//! The session does its work only when polled: it runs no task of its own, and dropping
//! it closes its connection.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::stream::{self, BoxStream};
use futures::StreamExt;
use realtime_core::MessageId;

use super::sse::SseConnection;
use super::wire::Frame;
use super::ws::WsConnection;
use super::{Backoff, Client, ClientError, ClientRecvError, ClientTransport, TokenSource};

/// How a session connects and reconnects.
#[derive(Debug, Clone)]
pub(crate) struct SessionConfig {
    pub(crate) transport: ClientTransport,
    pub(crate) backoff: Backoff,
    pub(crate) max_reconnect_attempts: Option<u32>,
    pub(crate) connect_timeout: Duration,
    pub(crate) idle_timeout: Option<Duration>,
    /// Where the first connection starts; later ones resume after the last id received.
    pub(crate) after: Option<MessageId>,
}

/// What a session's owner can read while the session runs.
#[derive(Debug, Default)]
pub(crate) struct SessionStatus {
    connected: AtomicBool,
    connections: AtomicU64,
    last_id: Mutex<Option<MessageId>>,
}

impl SessionStatus {
    pub(crate) fn is_connected(&self) -> bool {
        self.connected.load(Ordering::Relaxed)
    }

    pub(crate) fn connections(&self) -> u64 {
        self.connections.load(Ordering::Relaxed)
    }

    pub(crate) fn last_id(&self) -> Option<MessageId> {
        *self.last_id.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Moves the resume point to `id` unless it is already later: the last message id or
    /// the last position received, whichever is later.
    fn advance(&self, id: MessageId) {
        let mut last = self.last_id.lock().unwrap_or_else(|e| e.into_inner());
        if last.is_none_or(|last| id > last) {
            *last = Some(id);
        }
    }

    pub(crate) fn set_disconnected(&self) {
        self.connected.store(false, Ordering::Relaxed);
    }
}

/// The connection of either transport.
enum Connection {
    Ws(WsConnection),
    Sse(SseConnection),
}

impl Connection {
    async fn next_frame(&mut self, idle: Option<Duration>) -> Result<Frame, ClientError> {
        match self {
            Connection::Ws(ws) => ws.next_frame(idle).await,
            Connection::Sse(sse) => sse.next_frame(idle).await,
        }
    }

    /// Extends the session in band with `token` (WebSocket); an SSE connection cannot, and
    /// reconnects with a fresh token when the gateway ends it.
    async fn refresh(&mut self, token: &str) -> Result<(), ClientError> {
        match self {
            Connection::Ws(ws) => ws.refresh(token).await,
            Connection::Sse(_) => Ok(()),
        }
    }
}

/// A subscription across reconnections, yielding frames and connection errors.
pub(crate) struct Session {
    client: Client,
    tokens: Box<dyn TokenSource>,
    config: SessionConfig,
    connection: Option<Connection>,
    /// Failures since the last successful connection; the number of the next attempt.
    failures: u32,
    status: Arc<SessionStatus>,
    finished: bool,
}

impl Session {
    /// Makes the first connection; its failure is the caller's error, not retried.
    pub(crate) async fn open(
        client: Client,
        tokens: Box<dyn TokenSource>,
        config: SessionConfig,
    ) -> Result<Self, ClientError> {
        let mut session = Session {
            client,
            tokens,
            config,
            connection: None,
            failures: 0,
            status: Arc::default(),
            finished: false,
        };
        *session.status.last_id.lock().unwrap_or_else(|e| e.into_inner()) = session.config.after;
        let connection = session.connect().await?;
        session.connected(connection);
        Ok(session)
    }

    /// The status, shared with the session's owner.
    pub(crate) fn status(&self) -> Arc<SessionStatus> {
        self.status.clone()
    }

    /// The session as a stream; it ends after [`ClientRecvError::GaveUp`].
    pub(crate) fn into_stream(self) -> BoxStream<'static, Result<Frame, ClientRecvError>> {
        stream::unfold(self, |mut session| async move {
            let item = session.next().await?;
            Some((item, session))
        })
        .boxed()
    }

    async fn next(&mut self) -> Option<Result<Frame, ClientRecvError>> {
        loop {
            if self.finished {
                return None;
            }
            let Some(connection) = self.connection.as_mut() else {
                let delay = self.config.backoff.delay(self.failures, &mut rand::rng());
                tokio::time::sleep(delay).await;
                match self.connect().await {
                    Ok(connection) => {
                        self.connected(connection);
                        continue;
                    }
                    Err(error) => return Some(Err(self.lost(error))),
                }
            };
            return match connection.next_frame(self.config.idle_timeout).await {
                Ok(Frame::Closing { reason }) => Some(Err(self.lost(ClientError::ServerClosing { reason }))),
                Ok(Frame::Position { id }) => {
                    // Confirmed before any message: a drop from now on resumes after it.
                    self.status.advance(id);
                    continue;
                }
                Ok(Frame::SessionExpiring) => {
                    if matches!(connection, Connection::Sse(_)) {
                        continue;
                    }
                    // A token source that fails now leaves the session to end on time;
                    // the reconnection then asks it again.
                    let Ok(token) = self.tokens.token().await else {
                        continue;
                    };
                    match connection.refresh(&token).await {
                        Ok(()) => continue,
                        Err(error) => Some(Err(self.lost(error))),
                    }
                }
                Ok(frame) => {
                    if let Frame::Envelope(envelope) = &frame {
                        // The next connection resumes after it.
                        self.status.advance(envelope.id);
                    }
                    Some(Ok(frame))
                }
                Err(error) => Some(Err(self.lost(error))),
            };
        }
    }

    /// Fetches a fresh token and connects with it, within the connect timeout.
    async fn connect(&self) -> Result<Connection, ClientError> {
        let token = self.tokens.token().await.map_err(ClientError::TokenSource)?;
        let since = self.status.last_id();
        let after = self.config.connect_timeout;
        let open = async {
            match self.config.transport {
                ClientTransport::WebSocket => {
                    WsConnection::open(self.client.ws_endpoint("v1/realtime/connect", &token, since))
                        .await
                        .map(Connection::Ws)
                }
                ClientTransport::Sse => {
                    let url = self.client.endpoint_with_token("v1/realtime/sse", &token, since);
                    SseConnection::open(self.client.http(), url)
                        .await
                        .map(Connection::Sse)
                }
            }
        };
        tokio::time::timeout(after, open)
            .await
            .map_err(|_| ClientError::ConnectTimeout { after })?
    }

    fn connected(&mut self, connection: Connection) {
        self.connection = Some(connection);
        self.failures = 0;
        self.status.connected.store(true, Ordering::Relaxed);
        self.status.connections.fetch_add(1, Ordering::Relaxed);
    }

    /// Drops the connection and says what happens next: another attempt, or the end.
    fn lost(&mut self, error: ClientError) -> ClientRecvError {
        self.connection = None;
        self.status.set_disconnected();
        if self
            .config
            .max_reconnect_attempts
            .is_some_and(|max| self.failures >= max)
        {
            self.finished = true;
            return ClientRecvError::GaveUp {
                attempts: self.failures,
                error,
            };
        }
        self.failures += 1;
        ClientRecvError::Disconnected {
            attempt: self.failures,
            error,
        }
    }
}

/// Awaits `read`, failing with [`ClientError::IdleTimeout`] if it takes longer than `idle`.
pub(crate) async fn within_idle<T>(
    idle: Option<Duration>,
    read: impl Future<Output = T>,
) -> Result<T, ClientError> {
    match idle {
        Some(after) => tokio::time::timeout(after, read)
            .await
            .map_err(|_| ClientError::IdleTimeout { after }),
        None => Ok(read.await),
    }
}
