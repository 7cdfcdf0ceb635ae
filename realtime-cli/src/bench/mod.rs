//! `realtime bench`: the load tool. On loopback only and for a bounded time, it starts the
//! gateway as child processes (`realtime serve` of this same binary, in memory or on Redis),
//! opens WebSocket and SSE subscribers on one channel and on many from load-generator
//! worker processes (this binary again, `bench-worker`), publishes at a set rate and
//! payload size, and prints deliveries per second, publish-to-receive latency, messages
//! lost or duplicated, server memory per connection and CPU, each next to a baseline
//! measured in the same run: raw `tokio::sync::broadcast`, raw Redis `PUBLISH`, and the
//! Socket.IO peer (`realtime-cli/socketio-peer`).
//!
//! Servers and workers are separate processes so that each one's memory and CPU are read
//! apart (from `/proc`), and because one process may hold at most 20,000 open files here.
//! Every child is killed when the run ends, fails or is interrupted.

mod broadcast;
mod churn;
mod measure;
mod pace;
mod payload;
mod plan;
mod plot;
mod process;
mod procstat;
mod publisher;
mod redis_subscriber;
mod report;
mod resp;
mod scenario;
mod sink;
mod sse_subscriber;
mod tally;
mod worker;
mod ws_subscriber;

use std::future::Future;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use futures::future::join_all;

use measure::{measure, Env};
use report::{Ratios, ScenarioReport};
use scenario::{scenarios, Load};

pub use churn::{ChurnArgs, DropEvery, DropEveryError};
pub use process::stdin_closed;
pub use worker::run as worker;

/// Settings of `realtime bench`.
#[derive(Debug, Clone, Args)]
pub struct BenchArgs {
    /// A short run for CI: a few hundred subscribers, every scenario and system measured at
    /// once for two seconds of publishing; it checks delivery (its speed figures are not
    /// comparable, the systems share the machine).
    #[arg(long)]
    pub smoke: bool,
    /// Print one JSON object per scenario (one per line) instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Write the latency-versus-subscribers plot (SVG) here.
    #[arg(long, value_name = "PATH")]
    pub plot: Option<PathBuf>,
    /// The Redis for the Redis transport and the raw-Redis baseline (loopback, no credentials).
    #[arg(
        long,
        env = "REALTIME_TEST_REDIS_URL",
        default_value = "redis://127.0.0.1:6379"
    )]
    pub redis: String,
    /// Skip the Redis scenarios.
    #[arg(long)]
    pub no_redis: bool,
    /// The Socket.IO peer's folder (`npm ci` done); the peer is skipped if it is missing.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/socketio-peer"))]
    pub socketio_dir: PathBuf,
    /// Seconds of publishing per run (default: 2 with --smoke, else 10).
    #[arg(long)]
    pub seconds: Option<f64>,
    /// Bytes of each payload's JSON.
    #[arg(long, default_value_t = 256)]
    pub payload_bytes: usize,
    /// Only the scenarios whose name contains this (repeatable).
    #[arg(long)]
    pub only: Vec<String>,
    /// A scenario run on its own instead of the table of scenarios.
    #[command(subcommand)]
    pub scenario: Option<BenchScenario>,
}

/// A scenario of `realtime bench` run on its own.
#[derive(Debug, Clone, Subcommand)]
pub enum BenchScenario {
    /// Delivery under churn: subscribers that drop their sockets every few seconds and
    /// resume, next to Socket.IO's connection state recovery on the same load.
    Churn(ChurnArgs),
}

/// Runs the bench; fails if any system lost or duplicated a message.
pub async fn run(args: BenchArgs) -> Result<(), Box<dyn std::error::Error>> {
    let load = Load {
        seconds: args.seconds.unwrap_or(if args.smoke { 2.0 } else { 10.0 }),
        payload_bytes: args.payload_bytes.max(64),
        smoke: args.smoke,
    };
    let env = Env {
        redis_url: (!args.no_redis && redis_answers(&args.redis).await).then(|| args.redis.clone()),
        socket_io_dir: args
            .socketio_dir
            .join("node_modules/socket.io")
            .is_dir()
            .then(|| args.socketio_dir.clone()),
    };
    if let Some(BenchScenario::Churn(churn)) = &args.scenario {
        if env.socket_io_dir.is_none() {
            eprintln!(
                "bench: the Socket.IO peer is not installed in {} (run `npm ci` there): skipping it",
                args.socketio_dir.display()
            );
        }
        return churn::run(churn, env.socket_io_dir, load.payload_bytes).await;
    }
    if env.redis_url.is_none() {
        eprintln!(
            "bench: no Redis at {} (or --no-redis): skipping the Redis scenarios",
            args.redis
        );
    }
    if env.socket_io_dir.is_none() {
        eprintln!(
            "bench: the Socket.IO peer is not installed in {} (run `npm ci` there): skipping it",
            args.socketio_dir.display()
        );
    }
    if !args.json {
        println!("{}", report::header());
    }
    let chosen: Vec<scenario::Scenario> = scenarios(load)
        .into_iter()
        .filter(|s| args.only.is_empty() || args.only.iter().any(|o| s.name.contains(o.as_str())))
        .filter(|s| !s.main.system.needs_redis() || env.redis_url.is_some())
        .collect();
    let print = |report: &ScenarioReport| -> Result<(), serde_json::Error> {
        if args.json {
            println!("{}", serde_json::to_string(report)?);
        } else {
            for line in report::rows(report) {
                println!("{line}");
            }
        }
        Ok(())
    };
    let mut reports = Vec::new();
    if load.smoke {
        // A smoke run checks delivery, not speed: every system of every scenario at once,
        // so the whole run takes about as long as one measurement.
        let all = join_all(chosen.iter().map(|s| run_scenario(s, &env, true))).await;
        for (scenario, report) in chosen.into_iter().zip(all) {
            print(&report)?;
            reports.push((scenario, report));
        }
    } else {
        for scenario in chosen {
            let report = run_scenario(&scenario, &env, false).await;
            print(&report)?;
            reports.push((scenario, report));
        }
    }
    if !args.json {
        println!("\n{}", report::LEGEND);
    }
    if let Some(path) = &args.plot {
        write_plot(path, &reports)?;
    }
    let failed: Vec<&str> = reports
        .iter()
        .filter(|(_, r)| !r.clean())
        .map(|(s, _)| s.name.as_str())
        .collect();
    if !failed.is_empty() {
        return Err(format!("lost, duplicated or failed deliveries in: {}", failed.join(", ")).into());
    }
    Ok(())
}

/// Measures a scenario's systems: one after the other, or all at once when `together`.
async fn run_scenario(scenario: &scenario::Scenario, env: &Env, together: bool) -> ScenarioReport {
    let peer = scenario.peer.as_ref().filter(|_| env.socket_io_dir.is_some());
    let (main, baseline, peer) = if together {
        futures::join!(
            measure(&scenario.main, env),
            measure(&scenario.baseline, env),
            async {
                match peer {
                    Some(spec) => Some(measure(spec, env).await),
                    None => None,
                }
            }
        )
    } else {
        let main = measure(&scenario.main, env).await;
        let baseline = measure(&scenario.baseline, env).await;
        let peer = match peer {
            Some(spec) => Some(measure(spec, env).await),
            None => None,
        };
        (main, baseline, peer)
    };
    ScenarioReport {
        scenario: scenario.name.clone(),
        vs_baseline: Ratios::of(&main, &baseline),
        vs_peer: peer.as_ref().map(|p| Ratios::of(&main, p)),
        main,
        baseline,
        peer,
    }
}

fn write_plot(
    path: &std::path::Path,
    reports: &[(scenario::Scenario, ScenarioReport)],
) -> std::io::Result<()> {
    let plotted: Vec<&ScenarioReport> = reports
        .iter()
        .filter(|(s, _)| s.plotted)
        .map(|(_, r)| r)
        .collect();
    let main: Vec<_> = plotted.iter().map(|r| &r.main).collect();
    let base: Vec<_> = plotted.iter().map(|r| &r.baseline).collect();
    let peer: Vec<_> = plotted.iter().filter_map(|r| r.peer.as_ref()).collect();
    let rate = plotted.first().map(|r| r.main.rate).unwrap_or(0.0);
    let mut series = Vec::new();
    series.extend(plot::series_of("realtime ws", "#d62728", &main));
    series.extend(plot::series_of("tokio broadcast", "#1f77b4", &base));
    if !peer.is_empty() {
        series.extend(plot::series_of("socket.io", "#2ca02c", &peer));
    }
    let title = format!("Latency vs subscribers, one channel, {rate} msg/s (in-memory gateway)");
    std::fs::write(path, plot::svg(&title, &series))
}

async fn redis_answers(url: &str) -> bool {
    let Ok(addr) = resp::redis_addr(url) else {
        return false;
    };
    match resp::RespConnection::connect(&addr).await {
        Ok(mut connection) => matches!(
            connection.call(&[b"PING"]).await,
            Ok(resp::Resp::Simple { error: false, .. })
        ),
        Err(_) => false,
    }
}

/// Runs a gateway node for the bench (`realtime bench-gateway`): `serve` until it ends or
/// until stdin closes, so that a node never outlives the bench that started it.
pub async fn until_orphaned<F>(serve: F) -> Result<(), Box<dyn std::error::Error>>
where
    F: Future<Output = Result<(), Box<dyn std::error::Error>>>,
{
    tokio::select! {
        result = serve => result,
        _ = stdin_closed() => Ok(()),
    }
}
