//! One WebSocket connection to `GET /v1/realtime/connect?token=<jwt>`.
//!
//! The token goes in the query, as browsers must send it. A refusal before the upgrade
//! (401, 403, 503) becomes [`ClientError::Rejected`] with the gateway's code. After the
//! upgrade every text frame is decoded (see [`wire`]); pings are answered by
//! the WebSocket layer itself the next time the connection is read, so a subscription
//! that is polled keeps its connection alive.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use reqwest::Url;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::session::within_idle;
use super::wire::{self, Frame};
use super::ClientError;

/// An open WebSocket subscription.
pub(crate) struct WsConnection {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl WsConnection {
    /// Connects to `url` (`ws://` or `wss://`, with the token in its query).
    pub(crate) async fn open(url: Url) -> Result<Self, ClientError> {
        let request = url.as_str().into_client_request().map_err(network)?;
        match tokio_tungstenite::connect_async(request).await {
            Ok((socket, _response)) => Ok(WsConnection { socket }),
            Err(WsError::Http(response)) => {
                let status = response.status();
                let body = response.body().as_deref().unwrap_or_default();
                Err(wire::rejection(status.as_u16(), status.canonical_reason(), body))
            }
            Err(err) => Err(network(err)),
        }
    }

    /// Sends `{"kind": "refresh", "data": "<jwt>"}`: extends the connection's session in
    /// band (the gateway's reply is ignored; a refused refresh ends the session on time).
    pub(crate) async fn refresh(&mut self, token: &str) -> Result<(), ClientError> {
        let frame = serde_json::json!({ "kind": "refresh", "data": token }).to_string();
        self.socket.send(Message::text(frame)).await.map_err(network)
    }

    /// The next frame of interest; an error when the connection is gone.
    pub(crate) async fn next_frame(&mut self, idle: Option<Duration>) -> Result<Frame, ClientError> {
        loop {
            let message = match within_idle(idle, self.socket.next()).await? {
                None | Some(Err(WsError::ConnectionClosed | WsError::AlreadyClosed)) => {
                    return Err(ClientError::ConnectionClosed)
                }
                Some(Err(err)) => return Err(network(err)),
                Some(Ok(message)) => message,
            };
            let frame = match message {
                Message::Text(text) => wire::from_ws_text(&text),
                Message::Binary(_) => Frame::Malformed {
                    reason: "a binary frame".into(),
                },
                Message::Close(_) => return Err(ClientError::ConnectionClosed),
                Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => continue,
            };
            if !matches!(frame, Frame::Ignored) {
                return Ok(frame);
            }
        }
    }
}

fn network(err: WsError) -> ClientError {
    ClientError::Network(Box::new(err))
}
