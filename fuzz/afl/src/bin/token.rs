//! AFL++ binary of the `token` fuzz target (see `realtime_fuzz::token`).
fn main() {
    afl::fuzz!(|data: &[u8]| realtime_fuzz::token(data));
}
