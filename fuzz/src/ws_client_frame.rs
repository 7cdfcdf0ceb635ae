//! Target `ws_client_frame`: the gateway's decoding of a client's WebSocket text frame.

use realtime_runtime::__fuzz::gateway_client_frame;
use serde_json::{Map, Value};

/// The input, as text, is a frame. Decoding it never panics; a frame that decodes is JSON,
/// an object, whose `kind` is the one decoded. (JSON allows numbers beyond what
/// `serde_json::Value` holds, such as `1e400`, in fields the gateway ignores: such a frame
/// is checked as JSON text only.)
pub fn ws_client_frame(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(kind) = gateway_client_frame(&text) else {
        return;
    };
    serde_json::from_str::<serde::de::IgnoredAny>(&text).expect("a decoded frame is JSON");
    assert!(text.trim_start().starts_with('{'), "a decoded frame is an object");
    if let Ok(object) = serde_json::from_str::<Map<String, Value>>(&text) {
        assert_eq!(object["kind"].as_str(), Some(kind.as_str()));
    }
}
