//! The one test gateway: a gateway served in-process on a loopback port, and small HTTP,
//! WebSocket and SSE clients to talk to it, for the behaviour tests of `tests/gateway/` and
//! `tests/client.rs`.
//!
//! Include with `#[path = "common/hang_guard.rs"] mod hang_guard;` and
//! `#[path = "common/gateway.rs"] mod support;` at the test crate's root. Every wait on
//! the network goes through [`guard`]: a hang guard, never a timing assertion. A test that
//! would hang fails with the name of what it waited for.

// Each test crate uses only some of these items.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::pin::Pin;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::{SinkExt, Stream, StreamExt};
use realtime::gateway::{Gateway, GatewayConfig};
use realtime::SigningKey;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// The gateway's signing key in every test.
pub const SIGNING_KEY: &str = "signkey-test-0123abcd";

pub use crate::hang_guard::guard;

/// A configuration with the test signing key and otherwise the defaults.
pub fn config() -> GatewayConfig {
    GatewayConfig {
        signing_key: Some(SigningKey::new(SIGNING_KEY)),
        shutdown_grace: Duration::from_secs(2),
        ..GatewayConfig::default()
    }
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_secs()
}

/// A JWT assembled by hand from a header, claims and signature bytes, as an attacker would.
pub fn forge_jwt(header: &Value, claims: &Value, signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        base64url(header.to_string().as_bytes()),
        base64url(claims.to_string().as_bytes()),
        base64url(signature)
    )
}

/// Unpadded base64url, enough to forge tokens without another dependency.
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

/// An HTTP answer: its status and its body as JSON (a string if it is not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    async fn read(response: reqwest::Response) -> Reply {
        let status = response.status().as_u16();
        let bytes = guard("reading a response body", response.bytes())
            .await
            .expect("read the response body");
        Reply::parse(status, &bytes)
    }

    fn parse(status: u16, bytes: &[u8]) -> Reply {
        let body = serde_json::from_slice(bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()));
        Reply { status, body }
    }

    /// Asserts an error answer: `status`, and the body `{"error", "code", "status", "data"}`
    /// with `code`.
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(
            (self.status, self.body["code"].as_str()),
            (status, Some(code)),
            "answer: {self:?}"
        );
        assert_eq!(
            self.body["status"], status,
            "the body repeats the status: {self:?}"
        );
        assert!(
            self.body["error"].as_str().is_some_and(|e| !e.is_empty()),
            "a message for people: {self:?}"
        );
        assert!(
            self.body.get("data").is_some(),
            "a `data` member, even if null: {self:?}"
        );
    }
}

/// A gateway serving on a loopback port; it shuts down when dropped.
pub struct TestGateway {
    /// The gateway, to mint tokens and publish in-process.
    pub gateway: Gateway,
    addr: SocketAddr,
    http: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    serving: Option<JoinHandle<std::io::Result<()>>>,
}

impl TestGateway {
    /// Serves `gateway` (with its channels registered) on a free loopback port.
    pub async fn start(gateway: Gateway) -> TestGateway {
        TestGateway::start_at(gateway, "127.0.0.1:0".parse().expect("a socket address")).await
    }

    /// Serves `gateway` on `addr`: the address of a gateway that was shut down, to restart
    /// it where its clients reconnect.
    pub async fn start_at(gateway: Gateway, addr: SocketAddr) -> TestGateway {
        let listener = TcpListener::bind(addr).await.expect("bind a loopback port");
        let addr = listener.local_addr().expect("the listener's address");
        let (shutdown, signal) = oneshot::channel::<()>();
        let serving = tokio::spawn(gateway.clone().serve(listener, async move {
            signal.await.ok();
        }));
        TestGateway {
            gateway,
            addr,
            http: reqwest::Client::new(),
            shutdown: Some(shutdown),
            serving: Some(serving),
        }
    }

    /// The address it serves on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Triggers the shutdown future, and waits for the serve future to complete.
    pub async fn shutdown(&mut self) -> std::io::Result<()> {
        if let Some(shutdown) = self.shutdown.take() {
            shutdown.send(()).expect("the gateway is still serving");
        }
        let serving = self.serving.take().expect("shut down once");
        guard("the serve future completing after shutdown", serving)
            .await
            .expect("the serve task does not panic")
    }

    /// A subscription token minted in-process with the gateway's key.
    pub fn token(&self, channel: &str, topics: &[&str]) -> String {
        self.gateway
            .tokens()
            .mint_names(channel, topics.iter().copied(), false)
            .expect("mint a token")
            .jwt
    }

    /// A publish token minted in-process with the gateway's key.
    pub fn publish_token(&self, channel: &str, topics: &[&str]) -> String {
        self.gateway
            .tokens()
            .mint_names(channel, topics.iter().copied(), true)
            .expect("mint a token")
            .jwt
    }

    /// `POST /v1/realtime/token<query>` with `body`, authenticated by `key` if given.
    pub async fn mint_over_http(&self, key: Option<&str>, query: &str, body: &str) -> Reply {
        let mut request = self
            .http
            .post(self.url(&format!("/v1/realtime/token{query}")))
            .header("content-type", "application/json")
            .body(body.to_owned());
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        Reply::read(
            guard("the token route", request.send())
                .await
                .expect("send a token request"),
        )
        .await
    }

    /// `POST /v1/realtime/revoke` with `body`, authenticated by `key` if given.
    pub async fn revoke_over_http(&self, key: Option<&str>, body: &str) -> Reply {
        let mut request = self
            .http
            .post(self.url("/v1/realtime/revoke"))
            .header("content-type", "application/json")
            .body(body.to_owned());
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        Reply::read(
            guard("the revoke route", request.send())
                .await
                .expect("send a revocation"),
        )
        .await
    }

    /// `POST /v1/realtime/publish?<query>` with a JSON `body`, authenticated by `credential`.
    pub async fn publish(
        &self,
        credential: Option<&str>,
        query: &str,
        body: impl Into<reqwest::Body>,
    ) -> Reply {
        self.publish_as(credential, query, "application/json", body).await
    }

    /// `POST /v1/realtime/publish?<query>` with a body of `content_type`.
    pub async fn publish_as(
        &self,
        credential: Option<&str>,
        query: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> Reply {
        let mut request = self
            .http
            .post(self.url(&format!("/v1/realtime/publish?{query}")))
            .header("content-type", content_type)
            .body(body);
        if let Some(credential) = credential {
            request = request.bearer_auth(credential);
        }
        Reply::read(
            guard("the publish route", request.send())
                .await
                .expect("send a publish"),
        )
        .await
    }

    /// `POST /v1/realtime/publish?<query>` with a JSON `body`, authenticated by
    /// `credential`, with extra `headers` (a name given twice is sent twice); the answer
    /// and its headers.
    pub async fn publish_with_headers(
        &self,
        credential: Option<&str>,
        query: &str,
        body: impl Into<reqwest::Body>,
        headers: &[(&str, reqwest::header::HeaderValue)],
    ) -> (Reply, reqwest::header::HeaderMap) {
        let mut request = self
            .http
            .post(self.url(&format!("/v1/realtime/publish?{query}")))
            .header("content-type", "application/json")
            .body(body);
        for (name, value) in headers {
            request = request.header(*name, value.clone());
        }
        if let Some(credential) = credential {
            request = request.bearer_auth(credential);
        }
        let response = guard("the publish route", request.send())
            .await
            .expect("send a publish");
        let headers = response.headers().clone();
        (Reply::read(response).await, headers)
    }

    /// `GET <path>`.
    pub async fn get(&self, path: &str) -> Reply {
        let response = guard(path, self.http.get(self.url(path)).send())
            .await
            .expect("send a GET");
        Reply::read(response).await
    }

    /// The `/metrics` text.
    pub async fn metrics(&self) -> String {
        let response = guard("/metrics", self.http.get(self.url("/metrics")).send())
            .await
            .expect("GET /metrics");
        assert_eq!(response.status().as_u16(), 200);
        guard("/metrics body", response.text())
            .await
            .expect("read /metrics")
    }

    /// The connections `/healthz` counts.
    pub async fn connections(&self) -> u64 {
        let health = self.get("/healthz").await;
        assert_eq!(health.status, 200, "{health:?}");
        health.body["connections"]
            .as_u64()
            .expect("`connections` in /healthz")
    }

    /// Waits (bounded by the hang guard) until `/healthz` counts `n` connections.
    pub async fn wait_for_connections(&self, n: u64) {
        guard(&format!("/healthz counting {n} connections"), async {
            while self.connections().await != n {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
    }

    /// Opens a WebSocket subscription; the refusal (status and JSON body) if there is one.
    pub async fn ws(&self, token: Option<&str>, origin: Option<&str>) -> Result<WsClient, Reply> {
        let url = match token {
            Some(token) => format!("ws://{}/v1/realtime/connect?token={token}", self.addr),
            None => format!("ws://{}/v1/realtime/connect", self.addr),
        };
        let mut request = url.into_client_request().expect("a valid WebSocket request");
        if let Some(origin) = origin {
            request
                .headers_mut()
                .insert("origin", origin.parse().expect("a valid origin"));
        }
        match guard(
            "the WebSocket handshake",
            tokio_tungstenite::connect_async(request),
        )
        .await
        {
            Ok((stream, _)) => Ok(WsClient {
                stream,
                positions: Vec::new(),
            }),
            Err(tungstenite::Error::Http(response)) => Err(Reply::parse(
                response.status().as_u16(),
                response.body().as_deref().unwrap_or_default(),
            )),
            Err(other) => panic!("the WebSocket handshake failed with no HTTP answer: {other}"),
        }
    }

    /// Opens a WebSocket subscription that must succeed.
    pub async fn ws_ok(&self, token: &str) -> WsClient {
        self.ws(Some(token), None)
            .await
            .unwrap_or_else(|reply| panic!("the WebSocket was refused: {reply:?}"))
    }

    /// Opens an SSE subscription; the refusal (status and JSON body) if there is one.
    pub async fn sse(&self, token: Option<&str>, origin: Option<&str>) -> Result<SseClient, Reply> {
        self.sse_with(token, origin, &[], &[]).await
    }

    /// Opens an SSE subscription with extra query pairs and headers.
    pub async fn sse_with(
        &self,
        token: Option<&str>,
        origin: Option<&str>,
        query: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Result<SseClient, Reply> {
        let mut request = self
            .http
            .get(self.url("/v1/realtime/sse"))
            .header("accept", "text/event-stream")
            .query(query);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(token) = token {
            request = request.query(&[("token", token)]);
        }
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        let response = guard("the SSE request", request.send())
            .await
            .expect("send the SSE request");
        if response.status().as_u16() != 200 {
            return Err(Reply::read(response).await);
        }
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = Box::pin(
            response
                .bytes_stream()
                .map(|chunk| chunk.map(|bytes| bytes.to_vec())),
        );
        Ok(SseClient {
            content_type,
            body,
            buffer: Vec::new(),
            positions: Vec::new(),
        })
    }

    /// Opens an SSE subscription that must succeed.
    pub async fn sse_ok(&self, token: &str) -> SseClient {
        self.sse(Some(token), None)
            .await
            .unwrap_or_else(|reply| panic!("the SSE request was refused: {reply:?}"))
    }

    /// A new TCP connection to the gateway, for requests written by hand.
    pub async fn raw_tcp(&self) -> TcpStream {
        TcpStream::connect(self.addr)
            .await
            .expect("connect to the gateway")
    }

    /// Performs the WebSocket handshake by hand on a raw TCP stream, and returns the
    /// stream right after the `101`: a client that will never answer a ping.
    pub async fn raw_ws(&self, token: &str) -> TcpStream {
        let mut tcp = TcpStream::connect(self.addr)
            .await
            .expect("connect to the gateway");
        let request = format!(
            "GET /v1/realtime/connect?token={token} HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
             Sec-WebSocket-Version: 13\r\n\r\n",
            self.addr
        );
        tcp.write_all(request.as_bytes())
            .await
            .expect("send the handshake");
        let mut head = Vec::new();
        guard("the raw handshake's answer", async {
            // Byte by byte, so no frame after the head is consumed here.
            while !head.ends_with(b"\r\n\r\n") {
                let byte = tcp.read_u8().await.expect("read the handshake's answer");
                head.push(byte);
            }
        })
        .await;
        let head = String::from_utf8_lossy(&head);
        assert!(
            head.starts_with("HTTP/1.1 101"),
            "the upgrade is accepted: {head}"
        );
        tcp
    }
}

impl Drop for TestGateway {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// A WebSocket subscriber.
pub struct WsClient {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// The `position` notices [`WsClient::next_json`] passed over, in order.
    pub positions: Vec<Value>,
}

impl WsClient {
    /// The next frame of any kind; reading also answers pings.
    pub async fn next_frame(&mut self) -> Message {
        guard("a WebSocket frame", self.stream.next())
            .await
            .expect("the server closed the WebSocket")
            .expect("a WebSocket frame, not an error")
    }

    /// The next text frame as JSON, skipping pings and pongs, and `position` notices
    /// (kept in [`WsClient::positions`]).
    pub async fn next_json(&mut self) -> Value {
        loop {
            let json = self.next_any_json().await;
            if json["kind"] != "position" {
                return json;
            }
            self.positions.push(json);
        }
    }

    /// The next text frame as JSON, whatever it is, skipping pings and pongs.
    pub async fn next_any_json(&mut self) -> Value {
        guard("a text frame", async {
            loop {
                match self.next_frame().await {
                    Message::Text(text) => return serde_json::from_str(&text).expect("text frames are JSON"),
                    Message::Ping(_) | Message::Pong(_) => {}
                    other => panic!("expected a text frame, got {other:?}"),
                }
            }
        })
        .await
    }

    /// Sends a text frame.
    pub async fn send_text(&mut self, text: &str) {
        guard("sending a frame", self.stream.send(Message::text(text)))
            .await
            .expect("send a frame");
    }

    /// Sends a JSON frame and returns the reply.
    pub async fn request(&mut self, frame: &Value) -> Value {
        self.send_text(&frame.to_string()).await;
        self.next_json().await
    }

    /// The close frame the server sends next, skipping pings, pongs and `position`
    /// notices (kept in [`WsClient::positions`]; a position may be written after a reply
    /// to a later frame), and failing on any other frame.
    pub async fn next_close(&mut self) -> Option<CloseFrame> {
        guard("a close frame", async {
            loop {
                match self.next_frame().await {
                    Message::Close(frame) => return frame,
                    Message::Ping(_) | Message::Pong(_) => {}
                    Message::Text(text) if is_position(&text) => {
                        self.positions.push(serde_json::from_str(&text).expect("JSON"));
                    }
                    other => panic!("expected a close frame, got {other:?}"),
                }
            }
        })
        .await
    }

    /// The close frame's code the server sends next (see [`WsClient::next_close`]).
    pub async fn next_close_code(&mut self) -> u16 {
        let frame = self.next_close().await.expect("a close frame with a code");
        u16::from(frame.code)
    }

    /// Closes the WebSocket and waits for the server's side of the closing handshake.
    pub async fn close(mut self) {
        guard("closing a WebSocket", self.stream.close(None))
            .await
            .expect("send a Close frame");
        guard("the server closing its side", async {
            while let Some(Ok(_)) = self.stream.next().await {}
        })
        .await;
    }
}

/// A Server-Sent Events subscriber.
pub struct SseClient {
    /// The response's `Content-Type`.
    pub content_type: String,
    body: Pin<Box<dyn Stream<Item = reqwest::Result<Vec<u8>>> + Send>>,
    buffer: Vec<u8>,
    /// The `position` events [`SseClient::next_data_event`] passed over, in order.
    pub positions: Vec<SseEvent>,
}

/// One Server-Sent Event, as the lines between two blank lines.
#[derive(Debug)]
pub struct SseEvent {
    /// The event as sent, without the final blank line.
    pub raw: String,
    pub id: Option<String>,
    pub event: Option<String>,
    pub data: Option<String>,
    pub comments: Vec<String>,
}

impl SseClient {
    /// The next event, comments included.
    pub async fn next_event(&mut self) -> SseEvent {
        loop {
            if let Some(end) = self.buffer.windows(2).position(|w| w == b"\n\n") {
                let raw = String::from_utf8(self.buffer[..end].to_vec()).expect("SSE is UTF-8");
                self.buffer.drain(..end + 2);
                return SseEvent::parse(raw);
            }
            let chunk = guard("an SSE event", self.body.next())
                .await
                .expect("the server ended the SSE stream");
            self.buffer.extend(chunk.expect("an SSE chunk, not an error"));
        }
    }

    /// Whether the stream ends (rather than sending another event), skipping comments.
    pub async fn ends(&mut self) -> bool {
        guard("the SSE stream's end", async {
            loop {
                if self.buffer.windows(2).any(|w| w == b"\n\n") {
                    return false;
                }
                match self.body.next().await {
                    None | Some(Err(_)) => return self.buffer.iter().all(|b| b.is_ascii_whitespace()),
                    Some(Ok(chunk)) => self.buffer.extend(chunk),
                }
            }
        })
        .await
    }

    /// The next event that carries data, skipping comment-only events and `position`
    /// events (kept in [`SseClient::positions`]).
    pub async fn next_data_event(&mut self) -> SseEvent {
        loop {
            let event = self.next_any_data_event().await;
            if event.event.as_deref() != Some("position") {
                return event;
            }
            self.positions.push(event);
        }
    }

    /// The next event that carries data, whatever it is, skipping comment-only events.
    pub async fn next_any_data_event(&mut self) -> SseEvent {
        guard("an SSE event with data", async {
            loop {
                let event = self.next_event().await;
                if event.data.is_some() {
                    return event;
                }
            }
        })
        .await
    }

    /// The next message's envelope JSON and its event, which must not be a named event.
    pub async fn next_json(&mut self) -> (Value, SseEvent) {
        let event = self.next_data_event().await;
        assert_eq!(event.event, None, "a message, not a notice: {event:?}");
        let json = serde_json::from_str(event.data.as_deref().unwrap_or_default()).expect("data is JSON");
        (json, event)
    }
}

impl SseEvent {
    fn parse(raw: String) -> SseEvent {
        let mut event = SseEvent {
            raw,
            id: None,
            event: None,
            data: None,
            comments: Vec::new(),
        };
        for line in event.raw.lines() {
            if let Some(comment) = line.strip_prefix(':') {
                event.comments.push(comment.trim().to_owned());
            } else if let Some((field, value)) = line.split_once(':') {
                let value = value.strip_prefix(' ').unwrap_or(value).to_owned();
                match field {
                    "id" => event.id = Some(value),
                    "event" => event.event = Some(value),
                    "data" => event.data = Some(value),
                    _ => {}
                }
            }
        }
        event
    }
}

/// Whether a text frame is a `position` notice.
fn is_position(text: &str) -> bool {
    serde_json::from_str::<Value>(text).is_ok_and(|json| json["kind"] == "position")
}
