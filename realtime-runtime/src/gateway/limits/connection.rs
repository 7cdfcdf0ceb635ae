//! The limits of one open WebSocket connection: how many channels it subscribes to, and
//! how large a message its client may send.

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};

use crate::gateway::code::ErrorCode;
use crate::gateway::error::ApiError;
use crate::gateway::scope::ConnectionScope;
use crate::gateway::GatewayState;

/// The close code of a client message over the size limit (RFC 6455: message too big).
pub(crate) const MESSAGE_TOO_BIG: u16 = 1009;

/// Refuses subscribing `scope` to `channel` when that would be one channel more than the
/// gateway allows per connection; a channel already subscribed is always fine.
pub(crate) fn check_subscription(
    state: &GatewayState,
    scope: &ConnectionScope,
    channel: &str,
) -> Result<(), ApiError> {
    let max = state.limits.max_subscriptions;
    if scope.streams.contains_key(channel) || scope.streams.len() < max {
        return Ok(());
    }
    Err(ApiError::of(
        ErrorCode::TooManySubscriptions,
        format!("a connection subscribes to at most {max} channels; unsubscribe from one first"),
    )
    .with_data(serde_json::json!({ "max_subscriptions": max })))
}

/// How long a connection closed for a message over the size limit is held open after its
/// close frame: the rest of that message may still be unread, and closing a socket with
/// unread data resets it, which can destroy the close frame before the client reads it.
const LINGER_AFTER_TOO_BIG: std::time::Duration = std::time::Duration::from_millis(500);

/// After a failed read: if the client's message was over the size limit, tells it so with
/// a close frame of code 1009, and holds the connection a moment (a lingering close) before
/// it is dropped so the frame reaches the client.
pub(crate) async fn close_if_too_large(socket: &mut WebSocket, error: axum::Error) {
    let too_large = error
        .into_inner()
        .downcast_ref::<tungstenite::Error>()
        .is_some_and(|error| matches!(error, tungstenite::Error::Capacity(_)));
    if too_large {
        let close = CloseFrame {
            code: MESSAGE_TOO_BIG,
            reason: Utf8Bytes::from_static("message too big"),
        };
        if socket.send(Message::Close(Some(close))).await.is_ok() {
            tokio::time::sleep(LINGER_AFTER_TOO_BIG).await;
        }
    }
}
