//! `GET /v1/realtime/sse?token=<jwt>`: subscribers over Server-Sent Events.
//!
//! The first event is `event: position` with `id: <id>` and `data: {"kind": "position",
//! "channel": C, "data": {"id": "<id>"}}`: where to resume from before any message (see the
//! `position` module), which a browser's `EventSource` remembers as its
//! last event id. Each message is `id: <message id>\ndata: <envelope JSON>\n\n`; a comment line
//! `: keepalive` goes out every keepalive interval; on shutdown the stream ends with
//! `event: closing` (code `shutting_down`). Notices (`continuity_lost`, schema violations of foreign messages)
//! are `event: <kind>` events.
//!
//! A reconnecting `EventSource` sends `Last-Event-ID` (the last `id:` it got), and the
//! stream resumes after it: the messages still in the channel's history first, then live
//! ones, or a `continuity_lost` event first if history does not reach back that far.
//! `?since=<id>` does the same explicitly and wins over the header.
//!
//! The stream lives as long as its session ([`session`]): an `event: session_expiring`
//! comes before the end, and the stream ends with `event: closing` (code
//! `session_expired`) at the end, or (code `revoked`) as soon as its token is revoked. An
//! SSE client cannot refresh in band: it reconnects with a fresh token and `Last-Event-ID`.
//!
//! The response body is the subscription itself: no task or queue per subscriber, the
//! connection pulls the next frame when it can write it (a subscriber that reads too slowly
//! falls behind in the transport's buffer, and gets `continuity_lost` if it drops out of it).

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use std::pin::Pin;
use tokio::sync::OwnedSemaphorePermit;

use serde_json::Value;
use tokio::sync::watch;
use tokio::time::{Instant, Interval, MissedTickBehavior, Sleep};

use crate::gateway::error::ApiError;
use crate::gateway::position;
use crate::gateway::scope::{ConnectionScope, Outgoing, SubscribeRequest};
use crate::gateway::session::{self, SessionStep};
use crate::gateway::GatewayState;

/// The first frame: the `EventSource` reconnection delay, and a comment.
const GREETING: &[u8] = b"retry: 1000\n: connected\n\n";

/// `GET /v1/realtime/sse?token=<jwt>[&since=<id>]`: the event stream, or an error
/// response before any event.
pub(crate) async fn subscribe(
    State(state): State<Arc<GatewayState>>,
    request: SubscribeRequest,
) -> Result<Response, ApiError> {
    let (scope, permit) = ConnectionScope::open(&state, request).await?;
    state.metrics.connection_opened("sse");
    let mut keepalive = tokio::time::interval_at(Instant::now() + state.keepalive, state.keepalive);
    keepalive.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let session_timer = Box::pin(tokio::time::sleep_until(scope.session.deadline()));
    let mut revocations = state.revocations.watch();
    // A revocation applied between the token's check and now.
    revocations.mark_changed();
    let events = Events {
        open: Some(Open {
            state,
            scope,
            keepalive,
            session_timer,
            revocations,
            _permit: permit,
        }),
        greeted: false,
    };
    // The body is the subscription itself: the connection pulls each frame from it as it
    // writes, with no task or queue of its own in between.
    let body = Body::from_stream(futures::stream::unfold(events, Events::next).map(Ok::<_, Infallible>));
    Ok((
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
            (header::HeaderName::from_static("x-accel-buffering"), "no"),
        ],
        body,
    )
        .into_response())
}

/// A notice as an SSE event: `event: <kind>` and the notice as `data`.
fn event(notice: &Value) -> Bytes {
    let kind = notice["kind"].as_str().unwrap_or("notice");
    Bytes::from(format!("event: {kind}\ndata: {notice}\n\n"))
}

/// One subscriber's event stream; `open` is `None` once it has ended.
struct Events {
    open: Option<Open>,
    greeted: bool,
}

/// What an open stream holds. Dropped (the subscriber gone, or the stream ended), it
/// lets the connection slot go and counts the connection closed.
struct Open {
    state: Arc<GatewayState>,
    scope: ConnectionScope,
    keepalive: Interval,
    session_timer: Pin<Box<Sleep>>,
    revocations: watch::Receiver<u64>,
    _permit: OwnedSemaphorePermit,
}

impl Drop for Open {
    fn drop(&mut self) {
        self.state.metrics.connection_closed("sse");
    }
}

impl Events {
    /// The next frame, and the stream to go on with.
    async fn next(mut self) -> Option<(Bytes, Events)> {
        if !self.greeted {
            self.greeted = true;
            return Some((Bytes::from_static(GREETING), self));
        }
        let open = self.open.as_mut()?;
        let frame = loop {
            if open.session_timer.deadline() != open.scope.session.deadline() {
                open.session_timer.as_mut().reset(open.scope.session.deadline());
            }
            tokio::select! {
                _ = open.state.shutdown.cancelled() => {
                    self.open = None;
                    break event(&session::shutdown_notice());
                }
                _ = &mut open.session_timer => match open.scope.session.step() {
                    SessionStep::Expiring(notice) => break event(&notice),
                    SessionStep::Expired(closing) => {
                        open.state.metrics.connection_ended("session_expired");
                        self.open = None;
                        break event(&closing);
                    }
                    SessionStep::Nothing => continue,
                },
                Ok(()) = open.revocations.changed() => {
                    if let Some(target) = open.scope.session.revoked_by(&open.state.revocations) {
                        open.state.metrics.connection_ended("revoked");
                        self.open = None;
                        break event(&session::revoked_notice(&target));
                    }
                }
                Some((channel, item)) = open.scope.streams.next(), if !open.scope.streams.is_empty() => {
                    match open.scope.outgoing(&open.state, &channel, item) {
                        Outgoing::Deliver(delivery) => {
                            open.state.metrics.delivered("sse");
                            break delivery.sse_frame().clone();
                        }
                        Outgoing::Notice(notice) => break event(&notice),
                        Outgoing::Position(id) => break position::sse_event(&channel, id),
                        Outgoing::Skip => continue,
                    }
                }
                _ = open.keepalive.tick() => break Bytes::from_static(b": keepalive\n\n"),
            }
        };
        Some((frame, self))
    }
}
