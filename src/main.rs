//! The `realtime` command: `realtime serve` runs the gateway.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = realtime::cli::Cli::parse();
    match realtime::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}
