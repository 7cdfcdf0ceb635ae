//! The `realtime` command: `realtime serve` runs the gateway (with `--demo`, the demo page
//! too), `realtime schema` exports the channels' schemas, `realtime bench` load-tests the
//! gateway. Its one channel is the demo's, declared in this binary ([`demo`]).

mod demo;

fn main() -> std::process::ExitCode {
    realtime_cli::main_with_demo(demo::install)
}
