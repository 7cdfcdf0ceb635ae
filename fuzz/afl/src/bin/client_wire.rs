//! AFL++ binary of the `client_wire` fuzz target (see `realtime_fuzz::client_wire`).
fn main() {
    afl::fuzz!(|data: &[u8]| realtime_fuzz::client_wire(data));
}
