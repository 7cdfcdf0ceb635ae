//! The frames a WebSocket subscriber sends, decoded: pure functions of the text, fuzzed by
//! the `ws_client_frame` target of `fuzz/`.
//!
//! A frame is a JSON object `{"kind": K, "data"?: ..., "since"?: "<id>"}`; what a kind does
//! is [`super::subscribe_ws`]'s.

use serde::Deserialize;
use serde_json::Value;

use crate::gateway::code::ErrorCode;
use crate::gateway::error::ApiError;

/// A frame the client sends.
#[derive(Debug, Deserialize)]
pub(crate) struct ClientFrame {
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) data: Value,
    /// For `sub`: resume the token's channel after this message id.
    #[serde(default)]
    pub(crate) since: Option<String>,
}

/// A topic to drop, in the reference's shape.
#[derive(Debug, Deserialize)]
pub(crate) struct UnsubTopic {
    pub(crate) channel: String,
    pub(crate) name: String,
}

/// A client's text frame, decoded: a JSON object with a string `kind`.
pub(crate) fn decode_frame(frame: &str) -> Result<ClientFrame, ApiError> {
    let malformed = |reason: &dyn std::fmt::Display| {
        ApiError::of(
            ErrorCode::MalformedFrame,
            format!("the frame is not a JSON object with a `kind`: {reason}"),
        )
    };
    // A derived `Deserialize` also takes a JSON array, field by field (`["sub", "<jwt>"]`);
    // the protocol is objects only.
    if !frame.trim_start_matches([' ', '\t', '\n', '\r']).starts_with('{') {
        return Err(malformed(&"not an object"));
    }
    serde_json::from_str(frame).map_err(|e| malformed(&e))
}

/// The topics of an `unsub` frame's `data`: a list of `{channel, name}`.
pub(crate) fn unsub_topics(data: Value) -> Result<Vec<UnsubTopic>, ApiError> {
    serde_json::from_value(data).map_err(|e| {
        ApiError::of(
            ErrorCode::MalformedFrame,
            format!("`unsub` takes a list of {{channel, name}}: {e}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_is_an_object_with_a_kind() {
        let frame = decode_frame(r#" {"kind": "sub", "data": "t", "since": "1-0"}"#).unwrap();
        assert_eq!(
            (frame.kind.as_str(), frame.since.as_deref()),
            ("sub", Some("1-0"))
        );
        assert_eq!(frame.data, "t");
        for bad in [r#"{"data": "t"}"#, r#"{"kind": 1}"#, "sub", "", "{"] {
            assert_eq!(
                decode_frame(bad).unwrap_err().code,
                ErrorCode::MalformedFrame,
                "{bad}"
            );
        }
    }

    #[test]
    fn an_array_is_not_a_frame() {
        // Found by fuzzing (target `ws_client_frame`): `["sub", "<jwt>"]` decoded as a `sub`
        // frame, field by field, as a derived `Deserialize` reads a sequence.
        for bad in [r#"["sub", "<jwt>"]"#, r#" ["unsub"]"#, r#"["x"]"#] {
            assert_eq!(
                decode_frame(bad).unwrap_err().code,
                ErrorCode::MalformedFrame,
                "{bad}"
            );
        }
    }

    #[test]
    fn unsub_takes_a_list_of_channel_and_name() {
        let topics = unsub_topics(serde_json::json!([{"channel": "c", "name": "n"}])).unwrap();
        assert_eq!((topics[0].channel.as_str(), topics[0].name.as_str()), ("c", "n"));
        assert!(unsub_topics(serde_json::json!({"channel": "c"})).is_err());
    }
}
