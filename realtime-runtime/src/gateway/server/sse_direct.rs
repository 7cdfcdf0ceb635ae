//! SSE subscriptions answered straight on their socket, outside hyper.
//!
//! An SSE subscriber keeps its HTTP connection for as long as it listens, and hyper keeps
//! an 8 KiB read buffer and an 8 KiB write buffer per HTTP/1 connection for that long,
//! more than everything else an idle subscriber holds. So a connection that opens with an
//! SSE subscription request ([`super::opening`]) is answered here: the request goes
//! through the same router (authentication, CORS, resume, limits: all unchanged), and the
//! response is written without a connection-long buffer: the head, then the event stream
//! in HTTP/1.1 chunks, each batch of ready events with one write from a buffer that lives
//! only for that write. The connection closes when the response ends
//! (`Connection: close`), as an SSE stream's connection does anyway.
//!
//! A subscriber that goes away is noticed by its socket becoming readable at end of file
//! (anything else it sends is read and dropped), as hyper notices it.

use std::io::{self, Write as _};
use std::time::SystemTime;

use axum::body::{Body, HttpBody as _};
use axum::http::{header, response::Parts, Request, StatusCode};
use axum::response::Response;
use axum::Router;
use futures::{FutureExt, StreamExt};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tower::ServiceExt;

/// The most bytes of ready events gathered into one write.
const BATCH_BYTES: usize = 16 * 1024;

/// Routes `request` through `router` and writes the response to `stream`.
pub(super) async fn serve(mut stream: TcpStream, router: Router, request: Request<Body>) {
    let response = match router.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    if let Err(error) = respond(&mut stream, response).await {
        tracing::trace!(%error, "SSE connection ended with an error");
    }
}

/// How the response's body is delimited.
#[derive(Clone, Copy)]
enum Framing {
    /// No body at all (`204`, `304`).
    None,
    /// A body of known length, written whole.
    Length(u64),
    /// A stream (the event stream), written as it comes in chunks.
    Chunked,
}

async fn respond(stream: &mut TcpStream, response: Response) -> io::Result<()> {
    let (parts, body) = response.into_parts();
    let framing = if parts.status == StatusCode::NO_CONTENT || parts.status == StatusCode::NOT_MODIFIED {
        Framing::None
    } else {
        body.size_hint().exact().map_or(Framing::Chunked, Framing::Length)
    };
    let mut out = head(&parts, framing);
    match framing {
        Framing::None => stream.write_all(&out).await?,
        Framing::Length(_) => {
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .map_err(io::Error::other)?;
            out.extend_from_slice(&bytes);
            stream.write_all(&out).await?;
        }
        Framing::Chunked => {
            stream.write_all(&out).await?;
            drop(out);
            stream_body(stream, body).await?;
        }
    }
    stream.shutdown().await
}

/// The status line and headers. Connection-level headers are this writer's own.
fn head(parts: &Parts, framing: Framing) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(parts.status.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(parts.status.canonical_reason().unwrap_or("").as_bytes());
    out.extend_from_slice(b"\r\n");
    for (name, value) in &parts.headers {
        if matches!(
            *name,
            header::CONNECTION | header::TRANSFER_ENCODING | header::CONTENT_LENGTH
        ) || name == "keep-alive"
        {
            continue;
        }
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    if !parts.headers.contains_key(header::DATE) {
        out.extend_from_slice(b"date: ");
        out.extend_from_slice(httpdate::fmt_http_date(SystemTime::now()).as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"connection: close\r\n");
    match framing {
        Framing::None => {}
        Framing::Length(n) => {
            let _ = write!(out, "content-length: {n}\r\n");
        }
        Framing::Chunked => out.extend_from_slice(b"transfer-encoding: chunked\r\n"),
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// Writes the body as chunks until it ends (then the last chunk) or the subscriber goes.
async fn stream_body(stream: &mut TcpStream, body: Body) -> io::Result<()> {
    let mut data = body.into_data_stream();
    loop {
        let mut next = tokio::select! {
            item = data.next() => item,
            gone = subscriber_gone(stream) => if gone { return Ok(()) } else { continue },
        };
        let mut out = Vec::new();
        let ended = loop {
            match next {
                Some(Ok(bytes)) => put_chunk(&mut out, &bytes),
                Some(Err(error)) => {
                    // Leave the chunked body unfinished: the client sees it cut short.
                    stream.write_all(&out).await?;
                    return Err(io::Error::other(error));
                }
                None => {
                    out.extend_from_slice(b"0\r\n\r\n");
                    break true;
                }
            }
            if out.len() >= BATCH_BYTES {
                break false;
            }
            match data.next().now_or_never() {
                Some(item) => next = item,
                None => break false,
            }
        };
        stream.write_all(&out).await?;
        if ended {
            return Ok(());
        }
    }
}

/// One HTTP/1.1 chunk; nothing for empty data (an empty chunk would end the body).
fn put_chunk(out: &mut Vec<u8>, data: &[u8]) {
    if data.is_empty() {
        return;
    }
    // Writing to a `Vec` cannot fail.
    let _ = write!(out, "{:x}\r\n", data.len());
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
}

/// Waits until the subscriber's side is readable: `true` if it closed (or failed),
/// `false` if it sent something, which is dropped.
async fn subscriber_gone(stream: &TcpStream) -> bool {
    if stream.readable().await.is_err() {
        return true;
    }
    let mut scratch = [0u8; 64];
    match stream.try_read(&mut scratch) {
        Ok(0) => true,
        Ok(_) => false,
        Err(error) if error.kind() == io::ErrorKind::WouldBlock => false,
        Err(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_are_hex_length_framed_and_empty_data_is_skipped() {
        let mut out = Vec::new();
        put_chunk(&mut out, b"data: x\n\n");
        put_chunk(&mut out, b"");
        put_chunk(&mut out, &[b'a'; 26]);
        let expected = [
            b"9\r\ndata: x\n\n\r\n".as_slice(),
            b"1a\r\n",
            &[b'a'; 26],
            b"\r\n",
        ]
        .concat();
        assert_eq!(out, expected);
    }

    #[test]
    fn the_head_replaces_connection_headers_with_its_own() {
        let (mut parts, ()) = Response::new(()).into_parts();
        parts
            .headers
            .insert(header::CONTENT_TYPE, "text/event-stream".parse().unwrap());
        parts
            .headers
            .insert(header::CONNECTION, "keep-alive".parse().unwrap());
        parts.headers.insert(header::CONTENT_LENGTH, "5".parse().unwrap());
        let text = String::from_utf8(head(&parts, Framing::Chunked)).unwrap();
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
        assert!(text.contains("content-type: text/event-stream\r\n"), "{text}");
        assert!(text.contains("\r\ndate: "), "{text}");
        assert!(
            text.ends_with("connection: close\r\ntransfer-encoding: chunked\r\n\r\n"),
            "{text}"
        );
        assert!(
            !text.contains("keep-alive") && !text.contains("content-length"),
            "{text}"
        );

        parts.status = StatusCode::UNAUTHORIZED;
        let text = String::from_utf8(head(&parts, Framing::Length(12))).unwrap();
        assert!(text.starts_with("HTTP/1.1 401 Unauthorized\r\n"), "{text}");
        assert!(
            text.ends_with("connection: close\r\ncontent-length: 12\r\n\r\n"),
            "{text}"
        );
    }
}
