//! The first request of a connection, read before deciding who serves it.
//!
//! An SSE subscription (`GET /v1/realtime/sse`, HTTP/1.1, no body) is served by
//! [`super::sse_direct`], which writes the event stream straight to the socket; anything
//! else, including every request this reader finds unusual or malformed, goes to hyper
//! with the bytes read so far in front ([`super::rewind::Rewind`]), so hyper answers it
//! exactly as if it had read them itself.

use axum::body::Body;
use axum::http::{header, HeaderName, HeaderValue, Method, Request, Version};
use bytes::{Bytes, BytesMut};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

/// The request line an SSE subscription starts with (followed by `?` or a space).
const SSE_REQUEST_LINE: &[u8] = b"GET /v1/realtime/sse";

/// The first read's buffer: a request head with a token and browser headers fits.
const FIRST_READ: usize = 2048;

/// The longest SSE request head read here; a longer one goes to hyper, which serves it, or
/// refuses it when it is over the gateway's head limit.
const MAX_HEAD: usize = 16 * 1024;

/// The most header lines an SSE request read here may have (hyper's limit is 100).
const MAX_HEADERS: usize = 64;

/// What the opening bytes of a connection turned out to be.
pub(super) enum Opening {
    /// A complete SSE subscription request, with nothing after it.
    Sse(Box<Request<Body>>),
    /// Anything else: the bytes read so far, for hyper to read again.
    Other(Bytes),
    /// The peer closed the connection before sending anything.
    Closed,
}

/// Reads from `stream` until it is clear whether the connection opens with an SSE
/// subscription request. A head longer than `max_head` bytes is never taken as one: it
/// goes to hyper, which refuses it with `431`.
pub(super) async fn read(stream: &mut TcpStream, max_head: usize) -> std::io::Result<Opening> {
    let mut buf = BytesMut::with_capacity(FIRST_READ);
    loop {
        if buf.len() == buf.capacity() {
            buf.reserve(FIRST_READ);
        }
        if stream.read_buf(&mut buf).await? == 0 {
            return Ok(if buf.is_empty() {
                Opening::Closed
            } else {
                Opening::Other(buf.freeze())
            });
        }
        match classify(&buf) {
            Step::ReadMore if buf.len() < MAX_HEAD.min(max_head) => continue,
            Step::Sse(request) if buf.len() <= max_head => return Ok(Opening::Sse(request)),
            Step::ReadMore | Step::Sse(_) | Step::Other => return Ok(Opening::Other(buf.freeze())),
        }
    }
}

/// What the bytes read so far are: also the fuzz target `gateway_opening`'s view.
pub(crate) enum Step {
    /// Not yet clear: read more.
    ReadMore,
    /// A complete SSE subscription request.
    Sse(Box<Request<Body>>),
    /// Anything else, for hyper.
    Other,
}

/// Looks at what has been read so far.
pub(crate) fn classify(bytes: &[u8]) -> Step {
    let seen = bytes.len().min(SSE_REQUEST_LINE.len());
    if bytes[..seen] != SSE_REQUEST_LINE[..seen] {
        return Step::Other;
    }
    match bytes.get(SSE_REQUEST_LINE.len()) {
        None => return Step::ReadMore,
        Some(b'?' | b' ') => {}
        Some(_) => return Step::Other,
    }
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut headers);
    match parsed.parse(bytes) {
        Ok(httparse::Status::Partial) => Step::ReadMore,
        // Pipelined bytes after the head, or a body: hyper's to handle.
        Ok(httparse::Status::Complete(len)) if len == bytes.len() => {
            to_request(&parsed).map_or(Step::Other, |request| Step::Sse(Box::new(request)))
        }
        Ok(httparse::Status::Complete(_)) | Err(_) => Step::Other,
    }
}

/// The parsed head as a request for the router; `None` for anything but a plain
/// HTTP/1.1 GET without a body, upgrade or expectation.
fn to_request(parsed: &httparse::Request<'_, '_>) -> Option<Request<Body>> {
    if parsed.version != Some(1) || parsed.method != Some("GET") {
        return None;
    }
    let mut request = Request::builder()
        .method(Method::GET)
        .uri(parsed.path?)
        .version(Version::HTTP_11)
        .body(Body::empty())
        .ok()?;
    let headers = request.headers_mut();
    for h in parsed.headers.iter() {
        let name = HeaderName::from_bytes(h.name.as_bytes()).ok()?;
        let value = HeaderValue::from_bytes(h.value).ok()?;
        headers.append(name, value);
    }
    let has_body = headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0");
    if has_body || headers.contains_key(header::UPGRADE) || headers.contains_key(header::EXPECT) {
        return None;
    }
    Some(request)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sse(bytes: &[u8]) -> Request<Body> {
        match classify(bytes) {
            Step::Sse(request) => *request,
            Step::ReadMore => panic!("wants more: {:?}", String::from_utf8_lossy(bytes)),
            Step::Other => panic!("not taken: {:?}", String::from_utf8_lossy(bytes)),
        }
    }

    fn is_other(bytes: &[u8]) -> bool {
        matches!(classify(bytes), Step::Other)
    }

    fn wants_more(bytes: &[u8]) -> bool {
        matches!(classify(bytes), Step::ReadMore)
    }

    #[test]
    fn a_complete_sse_request_is_taken_with_its_query_and_headers() {
        let request = sse(b"GET /v1/realtime/sse?token=abc HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 7\r\nAccept: a\r\nAccept: b\r\n\r\n");
        assert_eq!(request.uri().path(), "/v1/realtime/sse");
        assert_eq!(request.uri().query(), Some("token=abc"));
        assert_eq!(request.headers()["last-event-id"], "7");
        assert_eq!(request.headers().get_all("accept").iter().count(), 2);
        assert_eq!(request.version(), Version::HTTP_11);
    }

    #[test]
    fn a_partial_request_line_or_head_waits_for_more() {
        assert!(wants_more(b"GE"));
        assert!(wants_more(b"GET /v1/realtime/s"));
        assert!(wants_more(b"GET /v1/realtime/sse"));
        assert!(wants_more(
            b"GET /v1/realtime/sse?token=abc HTTP/1.1\r\nHost: x\r\n"
        ));
    }

    #[test]
    fn other_requests_go_to_hyper() {
        assert!(is_other(b"POST /v1/realtime/publish HTTP/1.1\r\n\r\n"));
        assert!(is_other(b"GET /v1/realtime/connect?token=a HTTP/1.1\r\n\r\n"));
        assert!(is_other(b"GET /v1/realtime/sse2 HTTP/1.1\r\n\r\n"));
        assert!(is_other(b"GET /healthz HTTP/1.1\r\n\r\n"));
        assert!(is_other(b"\x16\x03\x01"));
    }

    #[test]
    fn unusual_sse_requests_go_to_hyper() {
        // HTTP/1.0, a body, an upgrade, pipelined bytes, a malformed head, too many headers.
        assert!(is_other(b"GET /v1/realtime/sse HTTP/1.0\r\n\r\n"));
        assert!(is_other(
            b"GET /v1/realtime/sse HTTP/1.1\r\nContent-Length: 2\r\n\r\n"
        ));
        assert!(is_other(
            b"GET /v1/realtime/sse HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        ));
        assert!(is_other(
            b"GET /v1/realtime/sse HTTP/1.1\r\nUpgrade: websocket\r\n\r\n"
        ));
        assert!(is_other(
            b"GET /v1/realtime/sse HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n"
        ));
        assert!(is_other(b"GET /v1/realtime/sse HTTP/1.1\r\nBad Header\r\n\r\n"));
        let many: Vec<u8> = [
            b"GET /v1/realtime/sse HTTP/1.1\r\n".as_slice(),
            &b"A: b\r\n".repeat(MAX_HEADERS + 1),
            b"\r\n",
        ]
        .concat();
        assert!(is_other(&many));
        // An empty body is no body.
        sse(b"GET /v1/realtime/sse HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
    }
}
