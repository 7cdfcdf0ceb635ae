//! What the gateway sends, decoded: envelopes, notices, and HTTP error bodies.
//!
//! Over WebSocket every frame is a JSON text: an envelope, or a notice whose `kind` is
//! `position`, `continuity_lost`, `error`, `session_expiring` or `closing` (replies to
//! `sub`/`unsub` frames, which this client never sends, and to its `refresh` frames are
//! ignored). Over SSE an envelope is an unnamed event; a notice is an
//! event named after its kind, whose data is the notice (or, for `closing`, its data).

use realtime_core::{Envelope, MessageId};
use serde::Deserialize;
use serde_json::Value;

use super::sse_parser::SseEvent;
use super::ClientError;
use crate::ContinuityLost;

/// One decoded frame.
#[derive(Debug)]
pub(crate) enum Frame {
    /// A message.
    Envelope(Envelope),
    /// The subscription is confirmed: a reconnection resumes after this id.
    Position { id: MessageId },
    /// Messages were lost for this connection.
    ContinuityLost(ContinuityLost),
    /// The gateway reported a problem with a message.
    Server {
        code: String,
        message: String,
        topic: Option<String>,
        id: Option<MessageId>,
    },
    /// The gateway is ending the connection (shutting down, session expired, revoked).
    Closing { reason: Option<String> },
    /// The connection's session ends soon: a WebSocket connection refreshes it in band.
    SessionExpiring,
    /// Not understood.
    Malformed { reason: String },
    /// Understood and of no interest.
    Ignored,
}

/// Decodes a WebSocket text frame.
pub(crate) fn from_ws_text(text: &str) -> Frame {
    let value: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(e) => {
            return Frame::Malformed {
                reason: format!("a text frame is not JSON: {e}"),
            }
        }
    };
    match value.get("kind").and_then(Value::as_str) {
        Some(kind @ ("position" | "continuity_lost" | "error" | "closing")) => notice(kind, &value),
        Some("session_expiring") => Frame::SessionExpiring,
        // Replies to frames this client sends; a refused refresh needs nothing either: the
        // session then ends with `closing`, and the reconnection takes a fresh token.
        Some("sub" | "unsub" | "refresh") => Frame::Ignored,
        _ => envelope(value),
    }
}

/// Decodes a Server-Sent Event.
pub(crate) fn from_sse_event(event: &SseEvent) -> Frame {
    let value: Value = match serde_json::from_str(&event.data) {
        Ok(value) => value,
        Err(e) => {
            return Frame::Malformed {
                reason: format!("the data of a `{}` event is not JSON: {e}", event.event),
            }
        }
    };
    match event.event.as_str() {
        "message" => envelope(value),
        "session_expiring" => Frame::SessionExpiring,
        kind @ ("position" | "continuity_lost" | "error" | "closing") => notice(kind, &value),
        other => Frame::Malformed {
            reason: format!("unknown event `{other}`"),
        },
    }
}

fn envelope(value: Value) -> Frame {
    match serde_json::from_value(value) {
        Ok(envelope) => Frame::Envelope(envelope),
        Err(e) => Frame::Malformed {
            reason: format!("a frame is neither a notice nor a message envelope: {e}"),
        },
    }
}

/// A notice: `{"kind", "channel", "topic"?, "data": {...}}`, or its bare data.
fn notice(kind: &str, value: &Value) -> Frame {
    let data = match value.get("kind") {
        Some(_) => value.get("data").unwrap_or(&Value::Null),
        None => value,
    };
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
    match kind {
        "position" => match data
            .get("id")
            .and_then(Value::as_str)
            .map(str::parse::<MessageId>)
        {
            Some(Ok(id)) => Frame::Position { id },
            _ => Frame::Malformed {
                reason: "a `position` notice without a message id as `data.id`".into(),
            },
        },
        "continuity_lost" => match ContinuityLost::deserialize(data) {
            Ok(gap) => Frame::ContinuityLost(gap),
            Err(e) => Frame::Malformed {
                reason: format!("a `continuity_lost` notice with malformed data: {e}"),
            },
        },
        "error" => Frame::Server {
            code: text(data, "code").unwrap_or_else(|| "unknown".into()),
            message: text(data, "error").unwrap_or_default(),
            topic: text(value, "topic"),
            id: data
                .get("id")
                .and_then(Value::as_str)
                .and_then(|id| id.parse().ok()),
        },
        _ => Frame::Closing {
            reason: text(data, "reason"),
        },
    }
}

/// The gateway's error body: `{"error", "code", "status", "data"}`.
#[derive(Deserialize)]
struct ErrorBody {
    error: Option<String>,
    code: Option<String>,
}

/// A refusal from the status and body of an HTTP answer.
pub(crate) fn rejection(status: u16, reason: Option<&str>, body: &[u8]) -> ClientError {
    let body: Option<ErrorBody> = serde_json::from_slice(body).ok();
    let (code, message) = body.map(|b| (b.code, b.error)).unwrap_or_default();
    ClientError::Rejected {
        status,
        code: code.unwrap_or_else(|| "unknown".into()),
        message: message.unwrap_or_else(|| reason.map_or_else(|| format!("HTTP {status}"), str::to_owned)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_envelope_frame() {
        let text = r#"{"id":"5-1","channel":"p:1","topic":"status","data":{"m":1},"kind":"data","created_at":"2026-01-01T00:00:00Z"}"#;
        let Frame::Envelope(env) = from_ws_text(text) else {
            panic!("not an envelope")
        };
        assert_eq!(env.id, MessageId::new(5, 1));
        assert_eq!(env.topic, "status");
    }

    #[test]
    fn ws_notices() {
        let gap = r#"{"kind":"continuity_lost","channel":"p:1","data":{"cause":"lagged","last_seen":"1-2","missed":3}}"#;
        let Frame::ContinuityLost(gap) = from_ws_text(gap) else {
            panic!("not a gap")
        };
        assert_eq!(gap.cause, crate::GapCause::Lagged);
        assert_eq!(gap.last_seen, Some(MessageId::new(1, 2)));
        assert_eq!(gap.missed, Some(3));
        let bad = r#"{"kind":"continuity_lost","channel":"p:1","data":{"cause":"???"}}"#;
        assert!(matches!(from_ws_text(bad), Frame::Malformed { .. }));
        let error = r#"{"kind":"error","channel":"p:1","topic":"status","data":{"code":"schema_violation","error":"bad","id":"1-2"}}"#;
        let Frame::Server {
            code,
            message,
            topic,
            id,
        } = from_ws_text(error)
        else {
            panic!("not an error")
        };
        assert_eq!(
            (code.as_str(), message.as_str(), topic.as_deref()),
            ("schema_violation", "bad", Some("status"))
        );
        assert_eq!(id, Some(MessageId::new(1, 2)));
        let position = r#"{"kind":"position","channel":"p:1","data":{"id":"7-3"}}"#;
        assert!(matches!(from_ws_text(position), Frame::Position { id } if id == MessageId::new(7, 3)));
        for bad in [
            r#"{"kind":"position","channel":"p:1","data":{"id":"seven"}}"#,
            r#"{"kind":"position","channel":"p:1","data":{}}"#,
        ] {
            assert!(matches!(from_ws_text(bad), Frame::Malformed { .. }), "{bad}");
        }
        let closing = r#"{"kind":"closing","data":{"reason":"bye"}}"#;
        assert!(matches!(from_ws_text(closing), Frame::Closing { reason: Some(r) } if r == "bye"));
        assert!(matches!(
            from_ws_text(r#"{"kind":"sub","data":{"ok":true}}"#),
            Frame::Ignored
        ));
        let expiring = r#"{"kind":"session_expiring","data":{"expires_at":1,"reason":"token"}}"#;
        assert!(matches!(from_ws_text(expiring), Frame::SessionExpiring));
        assert!(matches!(
            from_ws_text(r#"{"kind":"refresh","data":{"ok":true,"expires_at":1}}"#),
            Frame::Ignored
        ));
        assert!(matches!(from_ws_text("nope"), Frame::Malformed { .. }));
        assert!(matches!(
            from_ws_text(r#"{"kind":"data"}"#),
            Frame::Malformed { .. }
        ));
    }

    #[test]
    fn sse_notices() {
        let event = |event: &str, data: &str| SseEvent {
            event: event.into(),
            data: data.into(),
            id: None,
        };
        let closing = event("closing", r#"{"reason":"the server is shutting down"}"#);
        assert!(matches!(
            from_sse_event(&closing),
            Frame::Closing { reason: Some(_) }
        ));
        let lagged = event(
            "continuity_lost",
            r#"{"kind":"continuity_lost","channel":"p:1","data":{"cause":"history_expired","last_seen":"5-0","missed":null}}"#,
        );
        assert!(matches!(
            from_sse_event(&lagged),
            Frame::ContinuityLost(ContinuityLost {
                cause: crate::GapCause::HistoryExpired,
                ..
            })
        ));
        let expiring = event("session_expiring", r#"{"kind":"session_expiring","data":{}}"#);
        assert!(matches!(from_sse_event(&expiring), Frame::SessionExpiring));
        let position = event(
            "position",
            r#"{"kind":"position","channel":"p:1","data":{"id":"0-0"}}"#,
        );
        assert!(matches!(from_sse_event(&position), Frame::Position { id } if id == MessageId::ZERO));
        assert!(matches!(
            from_sse_event(&event("surprise", "{}")),
            Frame::Malformed { .. }
        ));
    }

    #[test]
    fn rejections_read_the_gateway_body() {
        let body = br#"{"error":"the token expired","code":"token_expired","status":401,"data":null}"#;
        let ClientError::Rejected {
            status,
            code,
            message,
        } = rejection(401, Some("Unauthorized"), body)
        else {
            panic!("not a rejection")
        };
        assert_eq!(
            (status, code.as_str(), message.as_str()),
            (401, "token_expired", "the token expired")
        );
        let ClientError::Rejected { code, message, .. } = rejection(502, Some("Bad Gateway"), b"<html>")
        else {
            panic!("not a rejection")
        };
        assert_eq!((code.as_str(), message.as_str()), ("unknown", "Bad Gateway"));
    }
}
