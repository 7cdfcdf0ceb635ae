//! AFL++ binary of the `sse_parser` fuzz target (see `realtime_fuzz::sse_parser`).
fn main() {
    afl::fuzz!(|data: &[u8]| realtime_fuzz::sse_parser(data));
}
