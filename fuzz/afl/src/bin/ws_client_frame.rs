//! AFL++ binary of the `ws_client_frame` fuzz target (see `realtime_fuzz::ws_client_frame`).
fn main() {
    afl::fuzz!(|data: &[u8]| realtime_fuzz::ws_client_frame(data));
}
