//! `realtime bench churn`: delivery under churn, after AnyCable's benchmark. N WebSocket
//! subscribers of one channel drop their sockets (a client-side close) at random every few
//! seconds and reconnect resuming where they were, while messages are published at a steady
//! rate. Every subscriber should end with every message, once, in order.
//!
//! The same load runs against the gateway (in memory; resuming with `since`, the later of
//! the last message's id and the last `position` notice) and against the Socket.IO peer
//! with its connection state recovery (`connectionStateRecovery`, resuming with the session
//! id and the last event's offset, as Socket.IO's own client does). Printed side by side:
//! delivery (distinct messages received over subscribers × published), duplicates,
//! reorderings, and the time to catch up after a reconnection (from starting to reconnect to
//! having every message published before that moment: p50, p99, max).
//!
//! Bounded: the subscribers' first connections, then `--duration` seconds of publishing,
//! then at most 15 s ([`DRAIN`]) for the subscribers to finish; loopback only; one process holds
//! the subscribers (a socket each, under the 20,000 open files a process may have here).

mod drop_every;
mod record;
mod subscriber;

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use serde::Serialize;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::pace::Pace;
use super::payload;
use super::process::Server;
use super::procstat::cpu_seconds;
use super::publisher::Publisher;
pub use drop_every::{DropEvery, DropEveryError};
use record::{Record, Summary};
use subscriber::{Peer, Shared};

/// How long subscribers may take to get every message once publishing is over (a
/// subscriber that lost some waits this long).
const DRAIN: Duration = Duration::from_secs(15);
/// The same, in a smoke run.
const SMOKE_DRAIN: Duration = Duration::from_secs(4);
/// How long all first connections may take.
const CONNECT_ALL: Duration = Duration::from_secs(120);
/// How long after the drain deadline every subscriber must have ended.
const CONNECT_TIMEOUT_MARGIN: Duration = Duration::from_secs(20);
/// How long one publish may take.
const PUBLISH_TIMEOUT: Duration = Duration::from_secs(30);
/// First connections in flight at once.
const OPENING: usize = 64;

/// Settings of `realtime bench churn`.
#[derive(Debug, Clone, Args)]
pub struct ChurnArgs {
    /// WebSocket subscribers, all on one channel.
    #[arg(long, default_value_t = 1000)]
    pub subscribers: usize,
    /// Seconds of publishing.
    #[arg(long, default_value_t = 30.0)]
    pub duration: f64,
    /// How long each connection lives before the client drops it: a range drawn from at
    /// random per connection (`1-4s`, `200-800ms`) or one value (`2s`).
    #[arg(long, default_value = "1-4s")]
    pub drop_every: DropEvery,
    /// Messages published per second.
    #[arg(long, default_value_t = 20.0)]
    pub rate: f64,
    /// A short run for CI: 100 subscribers dropping every 0.2-0.6 s, 50 msg/s for 3 s
    /// (overrides the other settings).
    #[arg(long)]
    pub smoke: bool,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    pub json: bool,
}

/// The load of a churn run.
#[derive(Debug, Clone, Copy, Serialize)]
struct Load {
    subscribers: usize,
    seconds: f64,
    #[serde(serialize_with = "as_text")]
    drop_every: DropEvery,
    rate: f64,
    payload_bytes: usize,
    #[serde(skip)]
    drain: Duration,
}

fn as_text<S: serde::Serializer>(every: &DropEvery, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(every)
}

/// What `--json` prints.
#[derive(Debug, Serialize)]
struct ChurnReport {
    scenario: &'static str,
    load: Load,
    realtime: Summary,
    peer: Option<Summary>,
}

/// Runs the churn scenario against the gateway and, if installed, the Socket.IO peer; fails
/// if the gateway did not deliver every message to every subscriber exactly once, in order.
pub async fn run(
    args: &ChurnArgs,
    socket_io_dir: Option<PathBuf>,
    payload_bytes: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    let load = if args.smoke {
        Load {
            subscribers: 100,
            seconds: 3.0,
            drop_every: "200-600ms".parse()?,
            rate: 50.0,
            payload_bytes,
            drain: SMOKE_DRAIN,
        }
    } else {
        Load {
            subscribers: args.subscribers.max(1),
            seconds: args.duration.max(0.1),
            drop_every: args.drop_every,
            rate: args.rate,
            payload_bytes,
            drain: DRAIN,
        }
    };
    if !args.json {
        println!(
            "churn: {} WebSocket subscribers of one channel, each dropping its socket every {} and resuming; {} msg/s for {} s, {} B payloads",
            load.subscribers, load.drop_every, load.rate, load.seconds, load.payload_bytes
        );
    }
    let realtime = measure(&load, None).await;
    let peer = match &socket_io_dir {
        Some(dir) => Some(measure(&load, Some(dir)).await),
        None => None,
    };
    if args.json {
        let report = ChurnReport {
            scenario: "churn",
            load,
            realtime: realtime.clone(),
            peer,
        };
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!("{}", header());
        println!("{}", row(&realtime));
        if let Some(peer) = &peer {
            println!("{}", row(peer));
        }
        println!("\n{LEGEND}");
    }
    if !realtime.clean() {
        return Err(format!(
            "the gateway did not deliver every message exactly once under churn: {}",
            realtime.error.as_deref().unwrap_or("see the table")
        )
        .into());
    }
    Ok(())
}

/// Measures the gateway (`socket_io` `None`) or the Socket.IO peer in `socket_io`.
async fn measure(load: &Load, socket_io: Option<&Path>) -> Summary {
    let summary = match socket_io {
        None => Summary {
            system: "realtime".into(),
            resume: "since (id or position)".into(),
            ..Summary::default()
        },
        Some(_) => Summary {
            system: "socket.io".into(),
            resume: "connectionStateRecovery".into(),
            ..Summary::default()
        },
    };
    match drive(load, socket_io).await {
        Ok(run) => {
            let mut summary = summary.of(&run.records, run.published);
            summary.achieved_rate = run.achieved_rate;
            summary.server_cpu_s = run.server_cpu_s;
            summary.error = run.publish_error;
            summary
        }
        Err(error) => Summary {
            error: Some(error),
            ..summary
        },
    }
}

/// What one system's run gave.
struct Run {
    records: Vec<Record>,
    published: u64,
    achieved_rate: f64,
    server_cpu_s: f64,
    publish_error: Option<String>,
}

async fn drive(load: &Load, socket_io: Option<&Path>) -> Result<Run, String> {
    let channel = format!("churn:{}", std::process::id());
    let (server, peer, mut publisher) = match socket_io {
        None => {
            let server = Server::gateway(None, load.subscribers * 2 + 64, 0).await?;
            let jwt = mint(&server.addr, &channel).await?;
            let peer = Peer::Gateway {
                addr: server.addr.clone(),
                path: format!("/v1/realtime/connect?token={jwt}"),
            };
            let publisher = Publisher::gateway(&server.addr);
            (server, peer, publisher)
        }
        Some(dir) => {
            let server = Server::socket_io_with(dir, true).await?;
            let peer = Peer::SocketIo {
                addr: server.addr.clone(),
                room: channel.clone(),
            };
            let publisher = Publisher::socket_io(&server.addr);
            (server, peer, publisher)
        }
    };
    let shared = Arc::new(Shared::new(OPENING));
    let peer = Arc::new(peer);
    let mut subscribers = JoinSet::new();
    for _ in 0..load.subscribers {
        subscribers.spawn(subscriber::run(peer.clone(), shared.clone(), load.drop_every));
    }
    let connecting = Instant::now();
    while shared.connected.load(Ordering::Acquire) < load.subscribers {
        if connecting.elapsed() > CONNECT_ALL {
            let _ = shared.done.send(Some((0, Instant::now())));
            return Err(format!(
                "only {} of {} subscribers connected in {CONNECT_ALL:?}",
                shared.connected.load(Ordering::Acquire),
                load.subscribers
            ));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let system = if socket_io.is_some() {
        "socket.io"
    } else {
        "realtime"
    };
    eprintln!(
        "bench churn: {system}: {} subscribers connected in {:.1} s; publishing",
        load.subscribers,
        connecting.elapsed().as_secs_f64()
    );
    let cpu_before = cpu_seconds(server.pid()).unwrap_or(0.0);
    let pace = Pace::new(load.rate, load.seconds);
    let (mut seq, mut k, mut publish_error) = (0u64, 0u64, None);
    // The time is what it is: a server too busy to take the rate publishes fewer (the
    // achieved rate says so), never for longer.
    while pace.due(k).await && pace.elapsed() < load.seconds {
        let body = payload::make(seq, load.payload_bytes);
        match tokio::time::timeout(PUBLISH_TIMEOUT, publisher.send(&channel, body)).await {
            Ok(Ok(())) => {
                seq += 1;
                shared.published.store(seq, Ordering::Release);
            }
            Ok(Err(e)) => {
                publish_error.get_or_insert(format!("a publish failed: {e}"));
            }
            Err(_) => {
                // Whether it was sent is unknown: stop, rather than reuse its `seq`.
                publish_error.get_or_insert(format!("a publish took longer than {PUBLISH_TIMEOUT:?}"));
                break;
            }
        }
        k += 1;
    }
    let achieved_rate = seq as f64 / pace.elapsed().max(1e-9);
    let drain_until = Instant::now() + load.drain;
    let _ = shared.done.send(Some((seq, drain_until)));
    eprintln!(
        "bench churn: {system}: published {seq} in {:.1} s; draining",
        pace.elapsed()
    );
    let mut records = Vec::with_capacity(load.subscribers);
    // Every subscriber ends by the drain deadline (plus a connection attempt and a close);
    // one that does not is a failure of the run, not a hang.
    let give_up = drain_until + CONNECT_TIMEOUT_MARGIN;
    while let Some(joined) = tokio::time::timeout_at(give_up, subscribers.join_next())
        .await
        .map_err(|_| {
            format!(
                "{} subscribers had not ended {CONNECT_TIMEOUT_MARGIN:?} after the drain",
                subscribers.len()
            )
        })?
    {
        records.push(joined.map_err(|e| format!("a subscriber failed: {e}"))?);
    }
    eprintln!("bench churn: {system}: done");
    let server_cpu_s = cpu_seconds(server.pid()).unwrap_or(0.0) - cpu_before;
    Ok(Run {
        records,
        published: seq,
        achieved_rate,
        server_cpu_s,
        publish_error,
    })
}

/// A token for `channel`'s topic `m` from the gateway's token route (dev mode).
async fn mint(addr: &str, channel: &str) -> Result<String, String> {
    let body: serde_json::Value = reqwest::Client::new()
        .post(format!("http://{addr}/v1/realtime/token"))
        .json(&serde_json::json!([{ "channel": channel, "name": "m" }]))
        .send()
        .await
        .map_err(|e| format!("token: {e}"))?
        .json()
        .await
        .map_err(|e| format!("token: {e}"))?;
    body["jwt"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("token: {body}"))
}

fn header() -> String {
    format!(
        "{:<10} {:<24} {:>5} {:>5} {:>10} {:>7} {:>4} {:>5} {:>6} {:>7} {:>9} {:>9} {:>9} {:>6} {:>7}",
        "system",
        "resume",
        "subs",
        "msgs",
        "delivered",
        "missing",
        "dup",
        "reord",
        "gaps",
        "reconn",
        "catch p50",
        "catch p99",
        "catch max",
        "behind",
        "srv CPU"
    )
}

fn row(s: &Summary) -> String {
    if let Some(error) = &s.error {
        if s.published == 0 {
            return format!("{:<10} {:<24} failed: {error}", s.system, s.resume);
        }
    }
    format!(
        "{:<10} {:<24} {:>5} {:>5} {:>9.3}% {:>7} {:>4} {:>5} {:>6} {:>7} {:>6.1} ms {:>6.1} ms {:>6.1} ms {:>6} {:>7.2}",
        s.system,
        s.resume,
        s.subscribers,
        s.published,
        s.delivered_pct,
        s.subscribers_missing,
        s.duplicates,
        s.reorderings,
        s.gaps,
        s.reconnects,
        s.catch_up_p50_ms,
        s.catch_up_p99_ms,
        s.catch_up_max_ms,
        s.not_caught_up,
        s.server_cpu_s
    )
}

/// The table's legend.
const LEGEND: &str = "msgs: messages published; delivered: distinct messages received over subscribers × msgs; missing: subscribers that missed at least one; dup: messages received again; reord: received after a newer one; gaps: continuity_lost notices (loss told); reconn: reconnections; catch: from starting to reconnect to having every message published before then; behind: reconnections that had not caught up by the next drop or the end; srv CPU: the server's CPU seconds while publishing and draining.";
