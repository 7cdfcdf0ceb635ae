//! Target `sse_parser`: the Rust client's Server-Sent Events parser.

use realtime_runtime::__fuzz::sse_events;

/// The first byte picks a chunk size, the rest is the stream. The events must not depend on
/// how the bytes are split (whole, in chunks, one by one), and no event's name or data may
/// hold a CR (lines end there), nor its name a LF.
pub fn sse_parser(data: &[u8]) {
    let Some((&size, stream)) = data.split_first() else {
        return;
    };
    let whole = sse_events([stream]);
    let chunked = sse_events(stream.chunks(usize::from(size % 32) + 1));
    assert_eq!(whole, chunked, "chunks of {} bytes", size % 32 + 1);
    if stream.len() <= 4096 {
        let bytewise = sse_events(stream.chunks(1));
        assert_eq!(whole, bytewise, "one byte at a time");
    }
    for (event, data, _) in &whole.0 {
        assert!(!event.contains(['\r', '\n']) && !data.contains('\r'));
    }
}
