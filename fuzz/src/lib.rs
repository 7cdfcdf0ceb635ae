//! The fuzz targets of realtime-rs: each a function of arbitrary bytes that drives one parser
//! facing the network and panics only when that parser breaks a property it promises.
//!
//! [`TARGETS`] lists them by name. `scripts/fuzz` runs each under AFL++ (the binaries of
//! `fuzz/afl/`, built with `cargo afl build`); `tests/regressions.rs` replays the seed corpora
//! (`fuzz/seeds/<target>/`) and every input a fuzzer ever crashed
//! (`fuzz/regressions/<target>/`) through the same functions in an ordinary `cargo test`.

mod channel_name;
mod envelope;
mod from_name;
mod gateway_opening;
mod sse_parser;
mod token;
mod ws_client_frame;

pub use channel_name::channel_name;
pub use envelope::envelope;
pub use from_name::from_name;
pub use gateway_opening::gateway_opening;
pub use sse_parser::sse_parser;
pub use token::token;
pub use ws_client_frame::ws_client_frame;

/// A fuzz target: takes any bytes, panics only on a bug.
pub type Target = fn(&[u8]);

/// Every target, by the name its AFL binary, seed and regression directories carry.
pub const TARGETS: &[(&str, Target)] = &[
    ("channel_name", channel_name),
    ("from_name", from_name),
    ("sse_parser", sse_parser),
    ("client_wire", client_wire),
    ("gateway_opening", gateway_opening),
    ("ws_client_frame", ws_client_frame),
    ("token", token),
    ("envelope", envelope),
];

/// The Rust client's decoding of what the gateway sends: a WebSocket text frame, an SSE
/// event (its name on the first line, its data after it), an HTTP error body.
pub fn client_wire(data: &[u8]) {
    use realtime_runtime::__fuzz;
    let text = String::from_utf8_lossy(data);
    __fuzz::client_ws_frame(&text);
    let (event, body) = text.split_once('\n').unwrap_or(("message", &text));
    __fuzz::client_sse_frame(event, body);
    let status = data.first().map_or(500, |&b| 400 + u16::from(b));
    __fuzz::client_rejection(status, data);
}
