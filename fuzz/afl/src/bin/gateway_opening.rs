//! AFL++ binary of the `gateway_opening` fuzz target (see `realtime_fuzz::gateway_opening`).
fn main() {
    afl::fuzz!(|data: &[u8]| realtime_fuzz::gateway_opening(data));
}
