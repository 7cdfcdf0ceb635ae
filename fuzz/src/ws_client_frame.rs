//! Target `ws_client_frame`: the gateway's decoding of a client's WebSocket text frame.

use realtime_runtime::__fuzz::gateway_client_frame;

/// The input, as text, is a frame. Decoding it never panics; a frame that decodes is a JSON
/// object with a string `kind`.
pub fn ws_client_frame(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(kind) = gateway_client_frame(&text) {
        let value: serde_json::Value = serde_json::from_str(&text).expect("a decoded frame is JSON");
        assert_eq!(value["kind"].as_str(), Some(kind.as_str()));
    }
}
