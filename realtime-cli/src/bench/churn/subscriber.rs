//! A churning subscriber: it connects, reads for a random lifetime, drops its socket (a
//! client-side close), reconnects resuming where it was, and so on until the run is over
//! and it has every message (or the drain time is up).
//!
//! - **The gateway**: `GET /v1/realtime/connect?token=…&since=<id>`, where the id is the
//!   later of the last message's id and the last `position` notice's.
//! - **Socket.IO** with `connectionStateRecovery`, as its own client does it: the server's
//!   `CONNECT` answer carries a session id (`pid`), each broadcast event carries an offset as
//!   its last argument, and a reconnection's `CONNECT` sends `{"pid", "offset"}` (the offset
//!   of the last event received, if any). The server sends the missed events before its
//!   `CONNECT` answer, so events read during the handshake count (Socket.IO's client
//!   buffers them too).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use realtime::MessageId;
use serde_json::Value;
use tokio::net::TcpStream;
use tokio::sync::{watch, Semaphore};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::drop_every::DropEvery;
use super::record::Record;
use crate::bench::payload;

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long a connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The wait before retrying a failed connection.
const RETRY: Duration = Duration::from_millis(50);

/// Where subscribers connect, and how they resume.
#[derive(Debug, Clone)]
pub enum Peer {
    /// The gateway: `ws://<addr><path>` (the path holds the token), resuming with `since`.
    Gateway { addr: String, path: String },
    /// Socket.IO: `ws://<addr>/socket.io/…?room=<room>`, resuming with its recovery.
    SocketIo { addr: String, room: String },
}

/// What the run shares with its subscribers.
pub struct Shared {
    /// Messages published so far (acknowledged by the server).
    pub published: AtomicU64,
    /// Subscribers whose first connection is open.
    pub connected: AtomicUsize,
    /// Limits first connections in flight (reconnections are the load and are not limited).
    pub opening: Semaphore,
    /// Set once publishing is over: how many were published, and until when to drain.
    pub done: watch::Sender<Option<(u64, Instant)>>,
}

impl Shared {
    /// Nothing published yet; at most `opening` first connections at once.
    pub fn new(opening: usize) -> Self {
        Shared {
            published: AtomicU64::new(0),
            connected: AtomicUsize::new(0),
            opening: Semaphore::new(opening),
            done: watch::channel(None).0,
        }
    }
}

/// Where a subscriber resumes from.
#[derive(Debug, Default)]
struct Resume {
    /// The gateway: the id to send as `since`.
    since: Option<MessageId>,
    /// Socket.IO: the session id and the last event's offset.
    pid: Option<String>,
    offset: Option<String>,
}

impl Resume {
    fn advance(&mut self, id: MessageId) {
        if self.since.is_none_or(|since| id > since) {
            self.since = Some(id);
        }
    }
}

/// How a connection ended.
enum Ended {
    /// The lifetime was over: the client dropped it.
    Dropped,
    /// The server or the network ended it.
    Broken,
    /// The run is over for this subscriber.
    Finished,
}

/// Runs one subscriber until the run is over; its record.
pub async fn run(peer: Arc<Peer>, shared: Arc<Shared>, every: DropEvery) -> Record {
    let mut record = Record::default();
    let mut resume = Resume::default();
    let mut done = shared.done.subscribe();
    let mut first = true;
    loop {
        if finished(&record, &done) {
            break;
        }
        if !first {
            record.reconnecting(shared.published.load(Ordering::Acquire));
        }
        let socket = loop {
            let permit = if first {
                shared.opening.acquire().await.ok()
            } else {
                None
            };
            let attempt = tokio::time::timeout(CONNECT_TIMEOUT, connect(&peer, &mut resume)).await;
            drop(permit);
            match attempt {
                Ok(Ok(socket)) => break Some(socket),
                _ => {
                    record.connect_errors += 1;
                    if drained(&done) {
                        break None;
                    }
                    tokio::time::sleep(RETRY).await;
                }
            }
        };
        let Some((socket, early)) = socket else { break };
        for text in &early {
            frame(&peer, text, &mut record, &mut resume);
        }
        if first {
            first = false;
            shared.connected.fetch_add(1, Ordering::AcqRel);
        }
        record.connected();
        let lifetime = every.sample(&mut rand::rng());
        match read(socket, &peer, &mut record, &mut resume, lifetime, &mut done).await {
            Ended::Finished => break,
            Ended::Dropped | Ended::Broken => {}
        }
    }
    record.finish();
    record
}

/// Whether the run is over and this subscriber has everything published.
fn finished(record: &Record, done: &watch::Receiver<Option<(u64, Instant)>>) -> bool {
    done.borrow().is_some_and(|(total, _)| record.prefix >= total)
}

/// Whether the drain time is up.
fn drained(done: &watch::Receiver<Option<(u64, Instant)>>) -> bool {
    done.borrow().is_some_and(|(_, until)| Instant::now() >= until)
}

async fn open(addr: &str, path: &str) -> Result<Socket, String> {
    let config = WebSocketConfig::default().read_buffer_size(16 * 1024);
    tokio_tungstenite::connect_async_with_config(format!("ws://{addr}{path}"), Some(config), true)
        .await
        .map(|(socket, _)| socket)
        .map_err(|e| e.to_string())
}

/// Opens a connection that resumes; for Socket.IO, through its `CONNECT` exchange, with
/// the frames that came before its end.
async fn connect(peer: &Peer, resume: &mut Resume) -> Result<(Socket, Vec<String>), String> {
    match peer {
        Peer::Gateway { addr, path } => {
            let path = match resume.since {
                Some(since) => format!("{path}&since={since}"),
                None => path.clone(),
            };
            Ok((open(addr, &path).await?, Vec::new()))
        }
        Peer::SocketIo { addr, room } => {
            let mut socket = open(
                addr,
                &format!("/socket.io/?EIO=4&transport=websocket&room={room}"),
            )
            .await?;
            let mut early = Vec::new();
            while let Some(message) = socket.next().await {
                let Ok(Message::Text(text)) = message else {
                    return Err(format!("Socket.IO handshake: unexpected {message:?}"));
                };
                if text.starts_with('0') {
                    let connect = match &resume.pid {
                        Some(pid) => {
                            let mut auth = serde_json::json!({ "pid": pid });
                            if let Some(offset) = &resume.offset {
                                auth["offset"] = Value::from(offset.as_str());
                            }
                            format!("40{auth}")
                        }
                        None => "40".to_owned(),
                    };
                    socket
                        .send(Message::text(connect))
                        .await
                        .map_err(|e| e.to_string())?;
                } else if let Some(answer) = text.strip_prefix("40") {
                    let answer: Value = serde_json::from_str(answer).unwrap_or_default();
                    if let Some(pid) = answer["pid"].as_str() {
                        // A new session when recovery failed: its own pid from now on.
                        if resume.pid.as_deref() != Some(pid) {
                            resume.offset = None;
                        }
                        resume.pid = Some(pid.to_owned());
                    }
                    return Ok((socket, early));
                } else if text.starts_with("44") {
                    return Err(format!("Socket.IO refused the connection: {text}"));
                } else if text.starts_with("42") {
                    early.push(text.as_str().to_owned());
                }
            }
            Err("Socket.IO closed during the handshake".into())
        }
    }
}

/// Reads one connection until its lifetime is over (then closes it), it breaks, or the run
/// is over for this subscriber.
async fn read(
    mut socket: Socket,
    peer: &Peer,
    record: &mut Record,
    resume: &mut Resume,
    lifetime: Duration,
    done: &mut watch::Receiver<Option<(u64, Instant)>>,
) -> Ended {
    let drop_at = Instant::now() + lifetime;
    loop {
        let over = *done.borrow();
        if finished(record, done) {
            let _ = tokio::time::timeout(Duration::from_millis(200), socket.close(None)).await;
            return Ended::Finished;
        }
        // Once publishing is over a subscriber no longer drops: it drains.
        let until = over.map_or(drop_at, |(_, drain_until)| drain_until);
        tokio::select! {
            message = socket.next() => match message {
                Some(Ok(Message::Text(text))) => {
                    if let Some(reply) = frame(peer, text.as_str(), record, resume) {
                        if socket.send(Message::text(reply)).await.is_err() {
                            return Ended::Broken;
                        }
                    }
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return Ended::Broken,
                Some(Ok(_)) => {}
            },
            _ = tokio::time::sleep_until(until) => {
                if over.is_some() {
                    return Ended::Finished;
                }
                // The client drops its socket: a close frame, without waiting for the answer.
                let _ = tokio::time::timeout(Duration::from_millis(200), socket.send(Message::Close(None))).await;
                return Ended::Dropped;
            }
            _ = done.changed(), if over.is_none() => {}
        }
    }
}

/// Records what a text frame carries; the reply to send, if any.
fn frame(peer: &Peer, text: &str, record: &mut Record, resume: &mut Resume) -> Option<&'static str> {
    match peer {
        Peer::Gateway { .. } => {
            if let Some((seq, _)) = payload::read(text.as_bytes()) {
                record.message(seq);
                if let Some(id) = string_after(text, "\"id\":\"").and_then(|id| id.parse().ok()) {
                    resume.advance(id);
                }
            } else if text.contains("\"position\"") {
                let notice: Value = serde_json::from_str(text).unwrap_or_default();
                if notice["kind"] == "position" {
                    if let Some(id) = notice["data"]["id"].as_str().and_then(|id| id.parse().ok()) {
                        resume.advance(id);
                    }
                }
            } else if text.contains("\"continuity_lost\"") {
                record.gaps += 1;
            }
            None
        }
        Peer::SocketIo { .. } => {
            if text == "2" {
                return Some("3");
            }
            if text.starts_with("42") {
                if let Some((seq, _)) = payload::read(text.as_bytes()) {
                    record.message(seq);
                }
                // `42["m",{…},"<offset>"]`: the offset is the last argument.
                if let Some(offset) = text
                    .strip_suffix("\"]")
                    .and_then(|t| t.rsplit_once(",\""))
                    .map(|(_, offset)| offset)
                    .filter(|offset| !offset.contains('}'))
                {
                    resume.offset = Some(offset.to_owned());
                }
            }
            None
        }
    }
}

/// The JSON string value that follows `key` in `text`.
fn string_after<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let start = text.find(key)? + key.len();
    let len = text[start..].find('"')?;
    Some(&text[start..start + len])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_update_the_resume_point() {
        let gateway = Peer::Gateway {
            addr: String::new(),
            path: String::new(),
        };
        let (mut record, mut resume) = (Record::default(), Resume::default());
        frame(
            &gateway,
            r#"{"channel":"c","data":{"id":"5-0"},"kind":"position"}"#,
            &mut record,
            &mut resume,
        );
        assert_eq!(resume.since, Some(MessageId::new(5, 0)));
        let message = r#"{"id":"7-1","channel":"c","topic":"m","data":{"seq":0,"t":1,"pad":"x"}}"#;
        frame(&gateway, message, &mut record, &mut resume);
        assert_eq!((resume.since, record.distinct), (Some(MessageId::new(7, 1)), 1));
        // A position older than the last message does not move the resume point back.
        frame(
            &gateway,
            r#"{"channel":"c","data":{"id":"6-0"},"kind":"position"}"#,
            &mut record,
            &mut resume,
        );
        assert_eq!(resume.since, Some(MessageId::new(7, 1)));

        let socket_io = Peer::SocketIo {
            addr: String::new(),
            room: String::new(),
        };
        assert_eq!(frame(&socket_io, "2", &mut record, &mut resume), Some("3"));
        frame(
            &socket_io,
            r#"42["m",{"seq":1,"t":1,"pad":"x"},"abc-12"]"#,
            &mut record,
            &mut resume,
        );
        assert_eq!((resume.offset.as_deref(), record.distinct), (Some("abc-12"), 2));
        frame(
            &socket_io,
            r#"42["m",{"seq":2,"t":1,"pad":"x"}]"#,
            &mut record,
            &mut resume,
        );
        assert_eq!(
            resume.offset.as_deref(),
            Some("abc-12"),
            "no offset without recovery"
        );
    }
}
