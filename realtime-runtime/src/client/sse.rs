//! One Server-Sent Events connection to `GET /v1/realtime/sse?token=<jwt>`.
//!
//! A refusal (any status but 2xx) becomes [`ClientError::Rejected`] with the gateway's
//! code; an answer that is not `text/event-stream` is a protocol error. The body is read
//! chunk by chunk into the [`SseParser`], and each complete event is decoded (see
//! [`wire`]). Keepalive comments produce no event, but they do count as
//! activity for the idle timeout.

use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use reqwest::Url;

use super::session::within_idle;
use super::sse_parser::SseParser;
use super::wire::{self, Frame};
use super::ClientError;

/// The most an unfinished line or event may hold before the connection is refused, as
/// the WebSocket layer's default message limit.
const MAX_EVENT_BYTES: usize = 64 << 20;

/// An open SSE subscription.
pub(crate) struct SseConnection {
    response: reqwest::Response,
    parser: SseParser,
}

impl SseConnection {
    /// Sends the request to `url` (with the token in its query) and checks the answer.
    pub(crate) async fn open(http: &reqwest::Client, url: Url) -> Result<Self, ClientError> {
        let response = http
            .get(url)
            .header(ACCEPT, "text/event-stream")
            .send()
            .await
            .map_err(network)?;
        let status = response.status();
        if !status.is_success() {
            let body = response.bytes().await.unwrap_or_default();
            return Err(wire::rejection(status.as_u16(), status.canonical_reason(), &body));
        }
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !content_type.starts_with("text/event-stream") {
            return Err(ClientError::Protocol {
                reason: format!("expected a `text/event-stream` answer, got `{content_type}`"),
            });
        }
        Ok(SseConnection {
            response,
            parser: SseParser::new(),
        })
    }

    /// The next frame of interest; an error when the stream is gone.
    pub(crate) async fn next_frame(&mut self, idle: Option<Duration>) -> Result<Frame, ClientError> {
        loop {
            while let Some(event) = self.parser.next_event() {
                let frame = wire::from_sse_event(&event);
                if !matches!(frame, Frame::Ignored) {
                    return Ok(frame);
                }
            }
            if self.parser.buffered() > MAX_EVENT_BYTES {
                return Err(ClientError::Protocol {
                    reason: format!("an event is longer than {MAX_EVENT_BYTES} bytes"),
                });
            }
            match within_idle(idle, self.response.chunk()).await? {
                Ok(Some(bytes)) => self.parser.push(&bytes),
                Ok(None) => return Err(ClientError::ConnectionClosed),
                Err(err) => return Err(network(err)),
            }
        }
    }
}

fn network(err: reqwest::Error) -> ClientError {
    ClientError::Network(Box::new(err))
}
