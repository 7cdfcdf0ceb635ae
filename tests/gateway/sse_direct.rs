//! SSE subscriptions on connections that open with them are answered outside hyper (to
//! hold no per-connection HTTP buffers): spoken to here byte by byte over raw TCP, so
//! which path serves each request is certain, and the HTTP/1.1 on the wire is checked.

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{config, guard};
use crate::{assert_serving, start, status, Pipeline};

/// A raw HTTP/1.1 connection and what has been read from it but not yet taken.
struct Raw {
    tcp: TcpStream,
    buf: Vec<u8>,
}

impl Raw {
    async fn send(&mut self, bytes: &[u8]) {
        self.tcp.write_all(bytes).await.expect("send to the gateway");
    }

    /// Reads more; `false` at end of file.
    async fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 4096];
        let n = guard("bytes from the gateway", self.tcp.read(&mut chunk))
            .await
            .expect("read from the gateway");
        self.buf.extend_from_slice(&chunk[..n]);
        n > 0
    }

    async fn take_until(&mut self, end: &[u8]) -> Vec<u8> {
        loop {
            if let Some(at) = self.buf.windows(end.len()).position(|w| w == end) {
                let taken: Vec<u8> = self.buf.drain(..at + end.len()).collect();
                return taken[..at].to_vec();
            }
            assert!(
                self.fill().await,
                "the connection closed before {end:?}: {:?}",
                self.buf
            );
        }
    }

    async fn take(&mut self, n: usize) -> Vec<u8> {
        while self.buf.len() < n {
            assert!(self.fill().await, "the connection closed before {n} bytes");
        }
        self.buf.drain(..n).collect()
    }

    /// The response head, lower-cased.
    async fn head(&mut self) -> String {
        String::from_utf8(self.take_until(b"\r\n\r\n").await)
            .expect("a text head")
            .to_lowercase()
    }

    /// The body of a response with `head` (lower-cased), by its content-length.
    async fn body(&mut self, head: &str) -> Vec<u8> {
        let length = head
            .lines()
            .find_map(|line| line.strip_prefix("content-length: "))
            .expect("a content-length")
            .parse()
            .expect("a numeric content-length");
        self.take(length).await
    }

    /// The next chunk of a chunked body; `None` for the last (empty) chunk.
    async fn chunk(&mut self) -> Option<String> {
        let size = String::from_utf8(self.take_until(b"\r\n").await).expect("a size line");
        let size = usize::from_str_radix(size.trim(), 16).expect("a hex chunk size");
        let data = self.take(size + 2).await;
        assert_eq!(&data[size..], b"\r\n", "a chunk ends with CRLF");
        (size > 0).then(|| String::from_utf8(data[..size].to_vec()).expect("text events"))
    }

    /// Chunks until one contains `needle`.
    async fn chunk_containing(&mut self, needle: &str) -> String {
        guard(&format!("a chunk with {needle}"), async {
            loop {
                let chunk = self.chunk().await.expect("the stream goes on");
                if chunk.contains(needle) {
                    return chunk;
                }
            }
        })
        .await
    }

    async fn assert_closed(&mut self) {
        assert!(
            !self.fill().await,
            "the gateway closes the connection: {:?}",
            self.buf
        );
        assert!(self.buf.is_empty(), "nothing after the response: {:?}", self.buf);
    }
}

fn sse_request(token: &str) -> String {
    format!("GET /v1/realtime/sse?token={token} HTTP/1.1\r\nHost: gw\r\nAccept: text/event-stream\r\n\r\n")
}

async fn raw(gw: &crate::support::TestGateway) -> Raw {
    Raw {
        tcp: gw.raw_tcp().await,
        buf: Vec::new(),
    }
}

#[tokio::test]
async fn an_sse_stream_is_chunked_then_ends_with_the_last_chunk_and_a_close_on_shutdown() {
    let mut gw = start(config()).await;
    let mut sse = raw(&gw).await;
    sse.send(sse_request(&gw.token("pipeline:direct", &["status"])).as_bytes())
        .await;
    let head = sse.head().await;
    assert!(head.starts_with("http/1.1 200 ok\r\n"), "{head}");
    for line in [
        "content-type: text/event-stream",
        "cache-control: no-cache",
        "transfer-encoding: chunked",
        "connection: close",
        "date: ",
    ] {
        assert!(head.contains(line), "`{line}` in {head}");
    }
    assert!(!head.contains("content-length"), "{head}");
    assert_eq!(sse.chunk().await.as_deref(), Some("retry: 1000\n: connected\n\n"));
    gw.wait_for_connections(1).await;

    let channel = Pipeline::new("direct");
    gw.gateway
        .realtime()
        .publish(channel.status(), status("straight to the socket", 3))
        .await
        .unwrap();
    let event = sse.chunk_containing("straight to the socket").await;
    let data = event
        .lines()
        .find_map(|line| line.strip_prefix("data: "))
        .expect("a data line");
    let envelope: Value = serde_json::from_str(data).unwrap();
    assert_eq!(envelope["topic"], "status");
    assert!(event.starts_with("id: "), "{event}");

    let served = tokio::spawn(async move { gw.shutdown().await });
    sse.chunk_containing("event: closing").await;
    assert_eq!(sse.chunk().await, None, "the body ends with the last chunk");
    sse.assert_closed().await;
    guard("the shutdown", served).await.unwrap().unwrap();
}

#[tokio::test]
async fn a_subscriber_that_closes_its_socket_is_let_go() {
    let gw = start(config()).await;
    let mut sse = raw(&gw).await;
    sse.send(sse_request(&gw.token("pipeline:gone", &["status"])).as_bytes())
        .await;
    assert!(sse.head().await.starts_with("http/1.1 200"));
    gw.wait_for_connections(1).await;
    drop(sse);
    gw.wait_for_connections(0).await;
    assert!(gw
        .metrics()
        .await
        .contains("realtime_connections{transport=\"sse\"} 0"));
}

#[tokio::test]
async fn a_refused_sse_request_gets_its_error_with_a_length_and_the_connection_closes() {
    let gw = start(config()).await;
    let mut refused = raw(&gw).await;
    refused.send(sse_request("not-a-jwt").as_bytes()).await;
    let head = refused.head().await;
    assert!(head.starts_with("http/1.1 401 unauthorized\r\n"), "{head}");
    assert!(head.contains("connection: close"), "{head}");
    let body: Value = serde_json::from_slice(&refused.body(&head).await).unwrap();
    assert_eq!(body["status"], 401, "{body}");
    assert!(
        body["code"].as_str().is_some_and(|c| c.starts_with("token")),
        "{body}"
    );
    refused.assert_closed().await;
    assert_serving(&gw).await;
}

#[tokio::test]
async fn an_sse_request_arriving_a_few_bytes_at_a_time_is_served() {
    let gw = start(config()).await;
    let mut sse = raw(&gw).await;
    sse.tcp.set_nodelay(true).unwrap();
    let request = sse_request(&gw.token("pipeline:slow", &["status"]));
    for piece in request.as_bytes().chunks(7) {
        sse.send(piece).await;
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    let head = sse.head().await;
    assert!(head.starts_with("http/1.1 200 ok\r\n"), "{head}");
    assert!(head.contains("connection: close"), "served outside hyper: {head}");
    assert_eq!(sse.chunk().await.as_deref(), Some("retry: 1000\n: connected\n\n"));
}

#[tokio::test]
async fn an_sse_request_after_another_on_a_kept_alive_connection_is_served_by_hyper() {
    let gw = start(config()).await;
    let mut conn = raw(&gw).await;
    conn.send(b"GET /healthz HTTP/1.1\r\nHost: gw\r\n\r\n").await;
    let head = conn.head().await;
    assert!(head.starts_with("http/1.1 200"), "{head}");
    let health: Value = serde_json::from_slice(&conn.body(&head).await).unwrap();
    assert_eq!(health["status"], "ok");

    conn.send(sse_request(&gw.token("pipeline:kept", &["status"])).as_bytes())
        .await;
    let head = conn.head().await;
    assert!(head.starts_with("http/1.1 200 ok\r\n"), "{head}");
    assert!(head.contains("content-type: text/event-stream"), "{head}");
    assert!(!head.contains("connection: close"), "hyper's answer: {head}");
    assert_eq!(
        conn.chunk().await.as_deref(),
        Some("retry: 1000\n: connected\n\n")
    );
    gw.gateway
        .realtime()
        .publish(Pipeline::new("kept").status(), status("through hyper", 5))
        .await
        .unwrap();
    conn.chunk_containing("through hyper").await;
}
