//! `GET /v1/realtime/connect?token=<jwt>`: subscribers over WebSocket.
//!
//! The token is checked before the upgrade (401 otherwise), and the connection is
//! subscribed before the upgrade completes, so nothing published after the handshake is
//! missed. With `?since=<message id>` the connection resumes: the channel's messages after
//! that id still in its history come first, then live ones; if history does not reach
//! back that far, a `continuity_lost` notice comes first. Frames to the client are the
//! envelopes' JSON, and notices: first of all, for each channel subscribed,
//! `{"kind": "position", "channel": C, "data": {"id": "<id>"}}`, where to resume from
//! before any message (see the `position` module). The client may send
//! `{"kind": "sub", "data": "<jwt>"}` (optionally with `"since": "<id>"`) to add a
//! token's topics and
//! `{"kind": "unsub", "data": [{"channel": "...", "name": "<topic>"}]}` to drop topics;
//! each gets a reply of the same kind with `{"ok": true|false, ...}` as data, and an
//! accepted `sub` is followed by its channel's `position`. A ping goes
//! out every keepalive interval; a client that answers none of two is closed.
//!
//! The connection lives as long as its session ([`session`]): it gets `session_expiring`
//! before the end, may send `{"kind": "refresh", "data": "<jwt>"}` to extend it, and is
//! sent `closing` (code `session_expired`, close code 4001) at the end, or `closing` (code
//! `revoked`, close code 4003) as soon as a token it holds is revoked on any node.

use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use futures::{FutureExt, SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::OwnedSemaphorePermit;

use realtime_core::MessageId;

use super::client_frame::{decode_frame, unsub_topics};
use crate::gateway::code::ErrorCode;
use crate::gateway::error::ApiError;
use crate::gateway::limits;
use crate::gateway::position;
use crate::gateway::scope::{ConnectionScope, Outgoing, SubscribeRequest};
use crate::gateway::session::{self, SessionStep, REVOKED_CLOSE, SESSION_EXPIRED_CLOSE};
use crate::gateway::GatewayState;
use crate::StartAt;

/// Close code sent when the server shuts down.
const GOING_AWAY: u16 = 1001;

/// The read buffer of a connection, held for its whole life. Clients send only small frames
/// (`sub` with a token of a few hundred bytes, `unsub`, pongs), and the WebSocket library
/// zero-fills its whole read buffer on the first read, so its default of 128 KiB made every
/// idle subscriber hold 128 KiB of resident memory, and 4 KiB was still the largest part of
/// an idle connection (measured with `realtime bench`); a larger frame grows the buffer as
/// needed.
const READ_BUFFER: usize = 1024;

/// The most messages written to a connection with one flush.
const MAX_BATCH: usize = 64;

/// `GET /v1/realtime/connect?token=<jwt>[&since=<id>]`: the upgrade to a subscribed
/// WebSocket, or an error response before it.
pub(crate) async fn connect(
    State(state): State<Arc<GatewayState>>,
    request: SubscribeRequest,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let (scope, permit) = ConnectionScope::open(&state, request).await?;
    let tracker = state.tracker.clone();
    Ok(upgrade
        .read_buffer_size(READ_BUFFER)
        .max_message_size(state.limits.max_frame_bytes)
        .max_frame_size(state.limits.max_frame_bytes)
        .on_upgrade(move |socket| tracker.track_future(run(socket, state, scope, permit)))
        .into_response())
}

async fn run(
    mut socket: WebSocket,
    state: Arc<GatewayState>,
    mut scope: ConnectionScope,
    _permit: OwnedSemaphorePermit,
) {
    state.metrics.connection_opened("ws");
    let mut keepalive = tokio::time::interval(state.keepalive);
    keepalive.tick().await;
    let mut unanswered_pings = 0u32;
    let session_timer = tokio::time::sleep_until(scope.session.deadline());
    tokio::pin!(session_timer);
    let mut revocations = state.revocations.watch();
    // A revocation applied between the token's check and now.
    revocations.mark_changed();
    loop {
        if session_timer.deadline() != scope.session.deadline() {
            session_timer.as_mut().reset(scope.session.deadline());
        }
        tokio::select! {
            _ = state.shutdown.cancelled() => {
                close(&mut socket, &session::shutdown_notice(), GOING_AWAY, "server shutting down").await;
                break;
            }
            _ = &mut session_timer => match scope.session.step() {
                SessionStep::Expiring(notice) => {
                    if socket.send(text(&notice)).await.is_err() {
                        break;
                    }
                }
                SessionStep::Expired(closing) => {
                    state.metrics.connection_ended("session_expired");
                    close(&mut socket, &closing, SESSION_EXPIRED_CLOSE, "session expired").await;
                    break;
                }
                SessionStep::Nothing => {}
            },
            Ok(()) = revocations.changed() => {
                if let Some(target) = scope.session.revoked_by(&state.revocations) {
                    state.metrics.connection_ended("revoked");
                    close(&mut socket, &session::revoked_notice(&target), REVOKED_CLOSE, "token revoked").await;
                    break;
                }
            }
            Some((channel, item)) = scope.streams.next(), if !scope.streams.is_empty() => {
                // Queue this item and whatever else is ready already (after the write delay,
                // if one is set), then write them with one flush: under load, one send per
                // batch instead of one per message.
                let mut next = Some((channel, item));
                let mut queued = 0;
                let mut sent = Ok(());
                while let Some((channel, item)) = next.take() {
                    let frame = match scope.outgoing(&state, &channel, item) {
                        Outgoing::Deliver(delivery) => {
                            state.metrics.delivered("ws");
                            Some(Message::Text(Utf8Bytes::try_from(delivery.json().clone()).expect("envelope JSON is UTF-8")))
                        }
                        Outgoing::Notice(notice) => Some(text(&notice)),
                        Outgoing::Position(id) => Some(text(&position::notice(&channel, id))),
                        Outgoing::Skip => None,
                    };
                    if let Some(frame) = frame {
                        sent = socket.feed(frame).await;
                        queued += 1;
                        if queued == 1 && !state.write_delay.is_zero() {
                            // Gather what arrives meanwhile into the same flush.
                            tokio::time::sleep(state.write_delay).await;
                        }
                    }
                    if sent.is_err() || queued >= MAX_BATCH {
                        break;
                    }
                    next = scope.streams.next().now_or_never().flatten();
                }
                if sent.is_ok() && queued > 0 {
                    sent = socket.flush().await;
                }
                if sent.is_err() {
                    break;
                }
            }
            received = socket.recv() => match received {
                None | Some(Ok(Message::Close(_))) => break,
                Some(Err(error)) => {
                    limits::close_if_too_large(&mut socket, error).await;
                    break;
                }
                Some(Ok(Message::Pong(_))) => unanswered_pings = 0,
                Some(Ok(Message::Text(frame))) => {
                    // Boxed: subscribing is the largest future here and a rare one, and
                    // inline it would make every idle connection's task that much larger.
                    let reply = Box::pin(client_frame(&state, &mut scope, &frame)).await;
                    if socket.send(text(&reply)).await.is_err() {
                        break;
                    }
                }
                Some(Ok(_)) => {}
            },
            _ = keepalive.tick() => {
                if unanswered_pings >= 2 {
                    break;
                }
                unanswered_pings += 1;
                if socket.send(Message::Ping(Default::default())).await.is_err() {
                    break;
                }
            }
        }
    }
    state.metrics.connection_closed("ws");
}

/// Sends a `closing` notice and a close frame with `code`.
async fn close(socket: &mut WebSocket, notice: &Value, code: u16, reason: &'static str) {
    let _ = socket.send(text(notice)).await;
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code,
            reason: Utf8Bytes::from_static(reason),
        })))
        .await;
}

/// Handles a `sub`, `unsub` or `refresh` frame and returns the reply.
async fn client_frame(state: &GatewayState, scope: &mut ConnectionScope, frame: &str) -> Value {
    let frame = match decode_frame(frame) {
        Ok(frame) => frame,
        Err(error) => return refused(state, "error", error),
    };
    if frame.kind == "refresh" {
        return match refresh(state, scope, &frame.data).await {
            Ok(expires_at) => json!({ "kind": "refresh", "data": { "ok": true, "expires_at": expires_at } }),
            Err(error) => refused(state, "refresh", error),
        };
    }
    let (kind, result) = match frame.kind.as_str() {
        "sub" => ("sub", sub(state, scope, frame.data, frame.since).await),
        "unsub" => ("unsub", unsub(scope, frame.data)),
        other => (
            "error",
            Err(ApiError::of(
                ErrorCode::UnknownFrame,
                format!("unknown frame kind `{other}`: expected `sub`, `unsub` or `refresh`"),
            )),
        ),
    };
    match result {
        Ok(()) => json!({ "kind": kind, "data": { "ok": true, "subscriptions": scope.describe() } }),
        Err(error) => refused(state, kind, error),
    }
}

/// `{"kind": "sub", "data": "<jwt>"[, "since": "<id>"]}`: adds the token's topics.
async fn sub(
    state: &GatewayState,
    scope: &mut ConnectionScope,
    data: Value,
    since: Option<String>,
) -> Result<(), ApiError> {
    let Some(jwt) = data.as_str() else {
        return Err(ApiError::of(
            ErrorCode::MalformedFrame,
            "`sub` takes a token as `data`",
        ));
    };
    let start = match since.as_deref().map(str::parse::<MessageId>) {
        None => StartAt::Live,
        Some(Ok(id)) => StartAt::After(id),
        Some(Err(e)) => return Err(ApiError::of(ErrorCode::InvalidSince, e.to_string())),
    };
    let claims = state.verify_token(jwt).await?;
    limits::check_subscription(state, scope, &claims.channel)?;
    scope.add(state, &claims, start).await?;
    Ok(())
}

/// `{"kind": "refresh", "data": "<jwt>"}`: extends the session (see [`session`]); the
/// session's new end in seconds since the Unix epoch.
async fn refresh(state: &GatewayState, scope: &mut ConnectionScope, data: &Value) -> Result<u64, ApiError> {
    let Some(jwt) = data.as_str() else {
        return Err(ApiError::of(
            ErrorCode::MalformedFrame,
            "`refresh` takes a token as `data`",
        ));
    };
    let claims = state.verify_token(jwt).await?;
    let held = scope.topics.get(&claims.channel);
    scope.session.refresh(&claims, held)
}

/// `{"kind": "unsub", "data": [{"channel", "name"}]}`: drops those topics.
fn unsub(scope: &mut ConnectionScope, data: Value) -> Result<(), ApiError> {
    for topic in unsub_topics(data)? {
        scope.remove(&topic.channel, std::slice::from_ref(&topic.name));
    }
    Ok(())
}

/// The reply to a refused client frame, `{"kind", "data": {"ok": false, "code", "error"}}`,
/// counted: the one place a WebSocket frame's refusal is counted (it is no HTTP response).
fn refused(state: &GatewayState, kind: &str, error: ApiError) -> Value {
    state.metrics.refused(error.refusal());
    json!({ "kind": kind, "data": { "ok": false, "code": error.code, "error": error.message } })
}

fn text(value: &Value) -> Message {
    Message::Text(Utf8Bytes::from(value.to_string()))
}
