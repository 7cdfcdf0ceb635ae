//! `GET /v1/realtime/sse?token=<jwt>`: subscribers over Server-Sent Events.
//!
//! Each message is `id: <message id>\ndata: <envelope JSON>\n\n`; a comment line
//! `: keepalive` goes out every keepalive interval; on shutdown the stream ends with
//! `event: closing`. Notices (`continuity_lost`, schema violations of foreign messages)
//! are `event: <kind>` events.
//!
//! A reconnecting `EventSource` sends `Last-Event-ID` (the last `id:` it got), and the
//! stream resumes after it: the messages still in the channel's history first, then live
//! ones, or a `continuity_lost` event first if history does not reach back that far.
//! `?since=<id>` does the same explicitly and wins over the header.

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::error::ApiError;
use super::scope::{ConnectionScope, Outgoing};
use super::GatewayState;

/// Frames buffered between the subscription and a slow HTTP client.
const WRITE_BUFFER: usize = 64;

pub(crate) async fn subscribe(
    State(state): State<Arc<GatewayState>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (mut scope, permit) = ConnectionScope::open(&state, &headers, query.as_deref()).await?;

    let (tx, rx) = mpsc::channel::<Bytes>(WRITE_BUFFER);
    let task_state = state.clone();
    state.tracker.spawn(async move {
        let state = task_state;
        let _permit = permit;
        state.metrics.connection_opened("sse");
        let _ = tx.send(Bytes::from_static(b"retry: 1000\n: connected\n\n")).await;
        let mut keepalive = tokio::time::interval(state.keepalive);
        keepalive.tick().await;
        loop {
            let frame = tokio::select! {
                _ = state.shutdown.cancelled() => {
                    let _ = tx.send(Bytes::from_static(b"event: closing\ndata: {\"reason\":\"the server is shutting down\"}\n\n")).await;
                    break;
                }
                _ = tx.closed() => break,
                Some((channel, item)) = scope.streams.next(), if !scope.streams.is_empty() => {
                    match scope.outgoing(&state, &channel, item) {
                        Outgoing::Deliver(delivery) => {
                            state.metrics.delivered("sse");
                            delivery.sse_frame().clone()
                        }
                        Outgoing::Notice(notice) => {
                            let kind = notice["kind"].as_str().unwrap_or("notice").to_owned();
                            Bytes::from(format!("event: {kind}\ndata: {notice}\n\n"))
                        }
                        Outgoing::Skip => continue,
                    }
                }
                _ = keepalive.tick() => Bytes::from_static(b": keepalive\n\n"),
            };
            if tx.send(frame).await.is_err() {
                break;
            }
        }
        state.metrics.connection_closed("sse");
    });

    let body = Body::from_stream(ReceiverStream::new(rx).map(Ok::<_, Infallible>));
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
