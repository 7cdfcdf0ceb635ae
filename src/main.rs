//! The `realtime` command: `realtime serve` runs the gateway, `realtime schema` exports the
//! channels' schemas. Its channels are the demo's (see [`realtime::cli::channels`]).

fn main() -> std::process::ExitCode {
    realtime::cli::main()
}
