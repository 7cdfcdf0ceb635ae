//! WebSocket subscribers: to the gateway (`/v1/realtime/connect`), and to Socket.IO
//! (Engine.IO v4 over WebSocket: the server opens with `0{…}`, the client joins the default
//! namespace with `40` and is in once the server answers `40{…}`; events are
//! `42["m",<payload>]`; the server's ping `2` is answered with `3`).

use futures::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::plan::Target;
use super::sink::Sink;

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The read buffer of each subscriber: frames here are a few hundred bytes, and the library
/// zero-fills the whole buffer (128 KiB by default) on the first read.
const READ_BUFFER: usize = 16 * 1024;

async fn open(addr: &str, path: &str, what: &str) -> Result<Socket, String> {
    let config = WebSocketConfig::default().read_buffer_size(READ_BUFFER);
    let url = format!("ws://{addr}{path}");
    tokio_tungstenite::connect_async_with_config(url, Some(config), true)
        .await
        .map(|(socket, _)| socket)
        .map_err(|e| format!("{what} to {addr}: {e}"))
}

/// A connected subscriber, ready to read.
pub struct WsSubscriber {
    socket: Socket,
    socket_io: bool,
}

impl WsSubscriber {
    /// Connects to the gateway; once this returns, the connection is subscribed.
    pub async fn gateway(target: &Target) -> Result<Self, String> {
        let socket = open(&target.addr, &target.path, "WebSocket").await?;
        Ok(WsSubscriber {
            socket,
            socket_io: false,
        })
    }

    /// Connects to Socket.IO and joins the namespace (and so, server side, the room).
    pub async fn socket_io(target: &Target) -> Result<Self, String> {
        let mut socket = open(&target.addr, &target.path, "Socket.IO").await?;
        let mut opened = false;
        while let Some(message) = socket.next().await {
            let Ok(Message::Text(text)) = message else {
                return Err(format!("Socket.IO handshake: unexpected {message:?}"));
            };
            if !opened && text.starts_with('0') {
                opened = true;
                socket
                    .send(Message::text("40"))
                    .await
                    .map_err(|e| e.to_string())?;
            } else if text.starts_with("40") {
                return Ok(WsSubscriber {
                    socket,
                    socket_io: true,
                });
            } else if text.starts_with("44") {
                return Err(format!("Socket.IO refused the connection: {text}"));
            }
        }
        Err("Socket.IO closed during the handshake".into())
    }

    /// Reads until the connection ends, recording payloads as subscriber `index`.
    pub async fn read(mut self, index: usize, sink: Sink) {
        while let Some(message) = self.socket.next().await {
            match message {
                Ok(Message::Text(text)) => {
                    if self.socket_io && text.as_str() == "2" {
                        if self.socket.send(Message::text("3")).await.is_err() {
                            break;
                        }
                    } else {
                        sink.frame(index, text.as_bytes());
                    }
                }
                Ok(Message::Close(_)) | Err(_) => break,
                Ok(_) => {}
            }
        }
        sink.disconnected();
    }
}
