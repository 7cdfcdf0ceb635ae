//! Entry points for the fuzz targets of `fuzz/` (feature `fuzzing`).
//!
//! Thin wrappers that let the targets reach parsers private to this crate: the client's SSE
//! parser and wire decoding, the gateway's opening classifier and its decoding of client
//! WebSocket frames. **Not public API**: hidden from the docs, free to change in any
//! release, and enabled by no normal build (only by the `realtime-fuzz` crate, and by
//! `--all-features`).

/// One event of the client's SSE parser: its name, data and last event id.
#[cfg(feature = "client")]
pub type SseEventParts = (String, String, Option<String>);

/// Feeds `chunks` in order to the client's SSE parser, reading every event each completes;
/// returns the events and the bytes still buffered at the end.
#[cfg(feature = "client")]
pub fn sse_events<'a>(chunks: impl IntoIterator<Item = &'a [u8]>) -> (Vec<SseEventParts>, usize) {
    let mut parser = crate::client::sse_parser::SseParser::new();
    let mut events = Vec::new();
    for chunk in chunks {
        parser.push(chunk);
        while let Some(event) = parser.next_event() {
            events.push((event.event, event.data, event.id));
        }
    }
    (events, parser.buffered())
}

/// Decodes a WebSocket text frame as the client does; the decoded frame, as debug text.
#[cfg(feature = "client")]
pub fn client_ws_frame(text: &str) -> String {
    format!("{:?}", crate::client::wire::from_ws_text(text))
}

/// Decodes an SSE event named `event` with `data` as the client does; the decoded frame,
/// as debug text.
#[cfg(feature = "client")]
pub fn client_sse_frame(event: &str, data: &str) -> String {
    let event = crate::client::sse_parser::SseEvent {
        event: event.to_owned(),
        data: data.to_owned(),
        id: None,
    };
    format!("{:?}", crate::client::wire::from_sse_event(&event))
}

/// Reads an HTTP error answer's body as the client does; the error, as text.
#[cfg(feature = "client")]
pub fn client_rejection(status: u16, body: &[u8]) -> String {
    crate::client::wire::rejection(status, None, body).to_string()
}

/// What the gateway's opening classifier made of a connection's first bytes.
#[cfg(feature = "gateway")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpeningStep {
    /// Not yet clear: it would read more.
    ReadMore,
    /// A complete SSE subscription request, served outside hyper: its URI.
    Sse(String),
    /// Anything else, handed to hyper.
    Other,
}

/// Classifies a connection's first bytes as the gateway's accept loop does.
#[cfg(feature = "gateway")]
pub fn gateway_opening(bytes: &[u8]) -> OpeningStep {
    use crate::gateway::server::opening::{classify, Step};
    match classify(bytes) {
        Step::ReadMore => OpeningStep::ReadMore,
        Step::Sse(request) => OpeningStep::Sse(request.uri().to_string()),
        Step::Other => OpeningStep::Other,
    }
}

/// Decodes a client's WebSocket text frame as the gateway does, up to what needs a
/// connection: the frame, then an `unsub`'s topics or a `sub`'s token and `since` id.
/// `Ok` with the frame's kind, or the error code the gateway would reply with.
#[cfg(feature = "gateway")]
pub fn gateway_client_frame(text: &str) -> Result<String, String> {
    use crate::gateway::routes::client_frame::{decode_frame, unsub_topics};
    let frame = decode_frame(text).map_err(|e| e.code.to_string())?;
    match frame.kind.as_str() {
        "unsub" => {
            unsub_topics(frame.data).map_err(|e| e.code.to_string())?;
        }
        "sub" => {
            if let Some(since) = frame.since.as_deref() {
                since
                    .parse::<realtime_core::MessageId>()
                    .map_err(|e| e.to_string())?;
            }
        }
        _ => {}
    }
    Ok(frame.kind)
}
