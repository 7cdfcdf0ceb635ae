//! The gateway's accept loop: HTTP/1.1 connections served with hyper's own HTTP/1 builder.
//!
//! The gateway speaks HTTP/1.1 only (with keep-alive, and upgrades for WebSockets); h2c
//! is not offered. Browsers use HTTP/2 only over TLS, which a proxy in front terminates.
//!
//! Not `axum::serve`: its HTTP/1-or-HTTP/2 builder sniffs for the HTTP/2 preface and keeps
//! the extra state for the life of the connection, which a long-lived SSE subscriber pays
//! for in resident memory.

use std::future::Future;
use std::io;
use std::pin::pin;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// How long accepting pauses after an error such as too many open files (as `axum::serve`).
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_secs(1);

/// Accepts connections on `listener` and serves `router` on each until `shutdown`
/// completes; then stops accepting (the listener is closed), cancels `closing` and asks
/// every connection to close once its in-flight response is done.
///
/// Returns the tracker of the connections still open (closed, so it can be waited on).
/// Every connection shares `router` (a clone is a reference count). Like `axum::serve`,
/// TCP_NODELAY is left unset, and accept errors never end the loop.
pub(super) async fn accept_until(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()>,
    closing: CancellationToken,
) -> TaskTracker {
    let connections = TaskTracker::new();
    let http = http1::Builder::new();
    let mut shutdown = pin!(shutdown);
    loop {
        let stream = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
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
        let service = TowerToHyperService::new(router.clone());
        let conn = http
            .serve_connection(TokioIo::new(stream), service)
            .with_upgrades();
        let closing = closing.clone();
        connections.spawn(async move {
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
        });
    }
    drop(listener);
    closing.cancel();
    connections.close();
    connections
}

/// An error of one connection (the peer went away before it was accepted), not of the
/// listener: accepting goes on at once.
fn is_connection_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
    )
}
