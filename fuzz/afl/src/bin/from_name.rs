//! AFL++ binary of the `from_name` fuzz target (see `realtime_fuzz::from_name`).
fn main() {
    afl::fuzz!(|data: &[u8]| realtime_fuzz::from_name(data));
}
