//! AFL++ binary of the `channel_name` fuzz target (see `realtime_fuzz::channel_name`).
fn main() {
    afl::fuzz!(|data: &[u8]| realtime_fuzz::channel_name(data));
}
