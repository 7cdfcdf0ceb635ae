//! AFL++ binary of the `envelope` fuzz target (see `realtime_fuzz::envelope`).
fn main() {
    afl::fuzz!(|data: &[u8]| realtime_fuzz::envelope(data));
}
