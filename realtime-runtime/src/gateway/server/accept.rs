//! The gateway's accept loop: HTTP/1.1 connections served with hyper's own HTTP/1 builder.
//!
//! The gateway speaks HTTP/1.1 only (with keep-alive, and upgrades for WebSockets); h2c
//! is not offered. Browsers use HTTP/2 only over TLS, which a proxy in front terminates.
//!
//! Not `axum::serve`: its HTTP/1-or-HTTP/2 builder sniffs for the HTTP/2 preface and keeps
//! the extra state for the life of the connection. And a connection that opens with an SSE
//! subscription is not given to hyper at all: [`super::sse_direct`] answers it without
//! hyper's per-connection buffers, which a long-lived SSE subscriber would hold for as long
//! as it listens.
//!
//! Every request carries its connection's peer address as axum's
//! [`ConnectInfo<SocketAddr>`](axum::extract::ConnectInfo) (the rate limits read it), and
//! every request head is bounded in time and size ([`HeadLimits`]): the opening read here
//! and hyper's own reader (`header_read_timeout`, `max_buf_size`) each stop a head that
//! takes longer or grows larger, while other connections are served.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::pin;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

use super::opening::{self, Opening};
use super::rewind::Rewind;
use super::sse_direct;
use crate::gateway::limits::HeadLimits;

/// How long accepting pauses after an error such as too many open files (as `axum::serve`).
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_secs(1);

/// The least time hyper is given for the rest of a head the opening read began.
const MIN_HEAD_TIME: Duration = Duration::from_millis(10);

/// Accepts connections on `listener` and serves `router` on each until `shutdown`
/// completes; then stops accepting (the listener is closed), cancels `closing` and asks
/// every connection to close once its in-flight response is done.
///
/// Returns the tracker of the connections still open (closed, so it can be waited on).
/// Every connection shares `router` (a clone is a reference count). Like `axum::serve`,
/// TCP_NODELAY is left unset, and accept errors never end the loop.
pub(crate) async fn accept_until(
    listener: TcpListener,
    router: Router,
    head: HeadLimits,
    shutdown: impl Future<Output = ()>,
    closing: CancellationToken,
) -> TaskTracker {
    let connections = TaskTracker::new();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(head.timeout)
        .max_buf_size(head.max_bytes);
    let mut shutdown = pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) if is_connection_error(&error) => continue,
                Err(error) => {
                    tracing::error!(%error, "accept error; pausing before accepting again");
                    tokio::select! {
                        () = &mut shutdown => break,
                        () = tokio::time::sleep(ACCEPT_ERROR_PAUSE) => continue,
                    }
                }
            },
        };
        connections.spawn(serve_connection(
            accepted,
            router.clone(),
            head,
            http.clone(),
            closing.clone(),
        ));
    }
    drop(listener);
    closing.cancel();
    connections.close();
    connections
}

/// Serves one connection: an SSE subscription straight on the socket
/// ([`super::sse_direct`]), anything else with hyper's HTTP/1 (after the bytes read to
/// tell which), until it closes or, once `closing` is cancelled, its in-flight response
/// is done.
async fn serve_connection(
    (mut stream, peer): (TcpStream, SocketAddr),
    router: Router,
    head: HeadLimits,
    mut http: http1::Builder,
    closing: CancellationToken,
) {
    let accepted = tokio::time::Instant::now();
    let opening = tokio::select! {
        biased;
        () = closing.cancelled() => return,
        opening = tokio::time::timeout(head.timeout, opening::read(&mut stream, head.max_bytes)) => match opening {
            Ok(opening) => opening,
            Err(_) => {
                tracing::debug!(%peer, "request head not complete in time; closing");
                return;
            }
        },
    };
    let prefix = match opening {
        Ok(Opening::Sse(mut request)) => {
            request.extensions_mut().insert(ConnectInfo(peer));
            return sse_direct::serve(stream, router, *request).await;
        }
        Ok(Opening::Other(prefix)) => prefix,
        Ok(Opening::Closed) => return,
        Err(error) => {
            tracing::trace!(%error, "connection failed before its first request");
            return;
        }
    };
    // The first head's time is counted from the accept, the opening read included.
    http.header_read_timeout(head.timeout.saturating_sub(accepted.elapsed()).max(MIN_HEAD_TIME));
    let service = TowerToHyperService::new(router.map_request(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        request
    }));
    let conn = http
        .serve_connection(TokioIo::new(Rewind::new(prefix, stream)), service)
        .with_upgrades();
    let mut conn = pin!(conn);
    let result = tokio::select! {
        result = conn.as_mut() => result,
        () = closing.cancelled() => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(error) = result {
        tracing::trace!(%error, "connection ended with an error");
    }
}

/// An error of one connection (the peer went away before it was accepted), not of the
/// listener: accepting goes on at once.
fn is_connection_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
    )
}
