//! Target `envelope`: envelopes and message ids decoded from JSON.

use realtime_core::{Envelope, MessageId};

/// The input is JSON. An envelope that decodes encodes again, and that decodes to the same
/// envelope (its `data` compared as re-encoded JSON, since floats may move by a last digit);
/// the client decodes it as the same message; a message id that parses prints as text that
/// parses to the same id.
pub fn envelope(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(id) = text.parse::<MessageId>() {
        assert_eq!(id.to_string().parse::<MessageId>(), Ok(id));
    }
    let Ok(envelope) = serde_json::from_slice::<Envelope>(data) else {
        return;
    };
    let json = serde_json::to_string(&envelope).expect("an envelope encodes");
    let again: Envelope = serde_json::from_str(&json)
        .unwrap_or_else(|e| panic!("an envelope re-encoded as {json} does not decode: {e}"));
    let without_data = |e: &Envelope| Envelope {
        data: serde_json::Value::Null,
        ..e.clone()
    };
    assert_eq!(without_data(&again), without_data(&envelope));
    let decoded = realtime_runtime::__fuzz::client_ws_frame(&json);
    assert!(
        !decoded.starts_with("Malformed"),
        "the client refuses {json}: {decoded}"
    );
}
