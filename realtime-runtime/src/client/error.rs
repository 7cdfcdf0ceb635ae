//! Errors of the client: [`ClientError`] when connecting fails, [`ClientRecvError`] as
//! items of a subscription's stream.

use std::time::Duration;

use realtime_core::{DecodeError, MessageId, SchemaViolation};

/// An error that any `std` error converts into; what a [`TokenSource`](super::TokenSource)
/// fails with.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Connecting to the gateway, or asking it for a token, failed.
///
/// Returned by [`Client::new`](super::Client::new), [`Client::mint_token`](super::Client::mint_token)
/// and an awaited [`ClientSubscribeBuilder`](super::ClientSubscribeBuilder); carried by
/// [`ClientRecvError::Disconnected`] when a live subscription loses its connection.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The base URL does not parse, or is not `http` or `https`.
    #[error("`{url}` is not a usable gateway URL: {reason}")]
    InvalidUrl {
        /// The URL given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An empty set of topics was asked for.
    #[error("a subscription needs at least one topic")]
    NoTopics,
    /// The token source failed to give a token.
    #[error("the token source failed: {0}")]
    TokenSource(#[source] BoxError),
    /// The gateway answered with an HTTP error instead of accepting the request, e.g. 401
    /// `token_expired` or 403 `token_topic_not_granted`.
    #[error("the gateway refused with {status} `{code}`: {message}")]
    Rejected {
        /// The HTTP status.
        status: u16,
        /// The gateway's machine-readable code, or `unknown` when the body had none.
        code: String,
        /// The gateway's explanation, or the status's reason phrase.
        message: String,
    },
    /// The gateway could not be reached, or the connection failed.
    #[error("the connection to the gateway failed: {0}")]
    Network(#[source] BoxError),
    /// Connecting took longer than the connect timeout.
    #[error("connecting to the gateway took longer than {after:?}")]
    ConnectTimeout {
        /// The timeout in force.
        after: Duration,
    },
    /// Nothing, not even a keepalive, arrived for longer than the idle timeout.
    #[error("nothing arrived from the gateway for {after:?}")]
    IdleTimeout {
        /// The timeout in force.
        after: Duration,
    },
    /// The gateway said it is shutting down.
    #[error("the gateway is shutting down{}", reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default())]
    ServerClosing {
        /// The reason it gave.
        reason: Option<String>,
    },
    /// The gateway closed the connection without saying why.
    #[error("the gateway closed the connection")]
    ConnectionClosed,
    /// The gateway answered something this client does not understand.
    #[error("the gateway's answer is not understood: {reason}")]
    Protocol {
        /// What was wrong with it.
        reason: String,
    },
}

impl ClientError {
    /// Whether the gateway refused the credentials (401) or their scope (403).
    pub fn is_auth(&self) -> bool {
        matches!(
            self,
            ClientError::Rejected {
                status: 401 | 403,
                ..
            }
        )
    }
}

/// An error item in a [`ClientSubscription`](super::ClientSubscription)'s stream. The stream
/// goes on after every one but [`GaveUp`](ClientRecvError::GaveUp), which is the last item.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientRecvError {
    /// Messages were lost for this subscription: the gateway's history of the channel did
    /// not reach back to the last message received (after a long disconnection, or after
    /// falling far behind).
    #[error(transparent)]
    ContinuityLost(#[from] crate::ContinuityLost),
    /// The gateway reported a problem with a message instead of delivering it, e.g.
    /// `schema_violation` for data that breaks the schema of the gateway's channel type.
    #[error("the gateway reported `{code}`{}: {message}", topic.as_deref().map(|t| format!(" on topic `{t}`")).unwrap_or_default())]
    Server {
        /// The gateway's machine-readable code.
        code: String,
        /// The gateway's explanation.
        message: String,
        /// The topic concerned, if any.
        topic: Option<String>,
        /// The id of the message concerned, if any.
        id: Option<MessageId>,
    },
    /// A message breaks its topic's schema, as this process knows it; it is not delivered.
    #[error(transparent)]
    SchemaViolation(#[from] SchemaViolation),
    /// A message does not decode into its topic's payload type.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A frame that is neither a message nor a notice this client knows.
    #[error("a frame from the gateway is not understood: {reason}")]
    Malformed {
        /// What was wrong with it.
        reason: String,
    },
    /// The connection is down: messages published until it is back are missed. Attempt
    /// number `attempt` to reconnect follows, after a backoff. One item per failure: the
    /// loss of a live connection, then each failed attempt.
    #[error("disconnected ({error}); reconnection attempt {attempt} follows")]
    Disconnected {
        /// The number of the reconnection attempt that follows, from 1.
        attempt: u32,
        /// Why the connection is down.
        error: ClientError,
    },
    /// The connection is down and the cap on reconnection attempts is reached: the last
    /// item of the stream.
    #[error("gave up reconnecting after {attempts} attempts: {error}")]
    GaveUp {
        /// How many reconnection attempts were made.
        attempts: u32,
        /// The last failure.
        error: ClientError,
    },
}
