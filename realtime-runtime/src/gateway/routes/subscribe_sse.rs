//! `GET /v1/realtime/sse?token=<jwt>`: subscribers over Server-Sent Events.
//!
//! The first event is `event: position` with `id: <id>` and `data: {"kind": "position",
//! "channel": C, "data": {"id": "<id>"}}`: where to resume from before any message (see the
//! `position` module), which a browser's `EventSource` remembers as its
//! last event id. Each message is `id: <message id>\ndata: <envelope JSON>\n\n`; a comment line
//! `: keepalive` goes out every keepalive interval; on shutdown the stream ends with
//! `event: closing`. Notices (`continuity_lost`, schema violations of foreign messages)
//! are `event: <kind>` events.
//!
//! A reconnecting `EventSource` sends `Last-Event-ID` (the last `id:` it got), and the
//! stream resumes after it: the messages still in the channel's history first, then live
//! ones, or a `continuity_lost` event first if history does not reach back that far.
//! `?since=<id>` does the same explicitly and wins over the header.
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
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::{Instant, Interval, MissedTickBehavior};

use crate::gateway::error::ApiError;
use crate::gateway::position;
use crate::gateway::scope::{ConnectionScope, Outgoing, SubscribeRequest};
use crate::gateway::GatewayState;

/// The first frame: the `EventSource` reconnection delay, and a comment.
const GREETING: &[u8] = b"retry: 1000\n: connected\n\n";

/// The last frame when the server shuts down.
const CLOSING: &[u8] = b"event: closing\ndata: {\"reason\":\"the server is shutting down\"}\n\n";

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
    let events = Events {
        open: Some(Open {
            state,
            scope,
            keepalive,
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
            tokio::select! {
                _ = open.state.shutdown.cancelled() => {
                    self.open = None;
                    break Bytes::from_static(CLOSING);
                }
                Some((channel, item)) = open.scope.streams.next(), if !open.scope.streams.is_empty() => {
                    match open.scope.outgoing(&open.state, &channel, item) {
                        Outgoing::Deliver(delivery) => {
                            open.state.metrics.delivered("sse");
                            break delivery.sse_frame().clone();
                        }
                        Outgoing::Notice(notice) => {
                            let kind = notice["kind"].as_str().unwrap_or("notice").to_owned();
                            break Bytes::from(format!("event: {kind}\ndata: {notice}\n\n"));
                        }
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
