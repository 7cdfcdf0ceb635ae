//! Target `gateway_opening`: the gateway's reading of a connection's first bytes.

use realtime_runtime::__fuzz::{gateway_opening as classify, OpeningStep};

/// The input is what a client sends first. It is classified as the accept loop would after
/// each read (a few cut points, and the whole); an SSE request taken whole must be one the
/// router can route (its URI starts with the SSE path).
pub fn gateway_opening(data: &[u8]) {
    for cut in [1, 7, 21, data.len() / 2, data.len().saturating_sub(1)] {
        if cut > 0 && cut < data.len() {
            classify(&data[..cut]);
        }
    }
    if data.is_empty() {
        return;
    }
    if let OpeningStep::Sse(uri) = classify(data) {
        assert!(uri.starts_with("/v1/realtime/sse"), "taken as SSE: {uri:?}");
    }
}
