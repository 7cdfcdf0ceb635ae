//! Measuring one [`RunSpec`]: start the servers, open the subscribers in worker processes,
//! read the servers' idle memory before and after, publish, wait for delivery to drain,
//! and gather every worker's tally.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::plan::{PublishPlan, SubscriberKind, Target, WorkerCommand, WorkerPlan, WorkerReport};
use super::process::{Server, Worker};
use super::procstat::{cpu_seconds, rss_bytes};
use super::publisher::Publisher;
use super::resp::RespConnection;
use super::scenario::{RunSpec, System};
use super::tally::Latencies;
use super::worker::subscribers_per_channel;

/// Subscribers per worker process, at most.
const PER_WORKER: usize = 5_000;
/// Connections a worker opens at once.
const CONNECT_CONCURRENCY: usize = 64;
/// How long delivery may go on after the last publish.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(20);

/// Where the systems are.
#[derive(Debug, Clone)]
pub struct Env {
    /// The Redis URL, if Redis is available.
    pub redis_url: Option<String>,
    /// The Socket.IO peer's folder, if it is installed.
    pub socket_io_dir: Option<PathBuf>,
}

/// The figures of one run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Measured {
    /// `realtime`, `tokio-broadcast`, `raw-redis` or `socket.io`.
    pub system: String,
    /// `memory`, `redis`, `in-process` or `node`.
    pub transport: String,
    /// `ws`, `sse`, `socket.io`, `redis` or `broadcast`.
    pub subscriber_kind: String,
    /// Gateway processes (realtime only).
    pub nodes: usize,
    /// Subscribers asked for.
    pub subscribers: usize,
    /// Subscribers connected.
    pub connected: usize,
    /// Channels.
    pub channels: usize,
    /// Bytes per payload.
    pub payload_bytes: usize,
    /// Messages per second asked for.
    pub rate: f64,
    /// Messages per second published.
    pub achieved_rate: f64,
    /// Messages published.
    pub published: u64,
    /// Deliveries (a message received by a subscriber, once, in order).
    pub delivered: u64,
    /// Deliveries that should have happened.
    pub expected: u64,
    /// Deliveries per second, from the first publish to the last receipt.
    pub delivered_per_sec: f64,
    /// Publish-to-receive latency, median, in ms.
    pub p50_ms: f64,
    /// 99th percentile, ms.
    pub p99_ms: f64,
    /// Maximum, ms.
    pub max_ms: f64,
    /// Deliveries that never happened.
    pub lost: u64,
    /// Deliveries that happened twice or out of order.
    pub duplicated: u64,
    /// Subscriber connections that closed during the run.
    pub disconnected: u64,
    /// Subscribers that could not connect.
    pub connect_failed: usize,
    /// Publishes that failed.
    pub publish_errors: u64,
    /// Server resident memory added per connected (idle) subscriber, in bytes.
    pub rss_per_conn_bytes: f64,
    /// CPU seconds the server(s) used while publishing and delivering.
    pub server_cpu_s: f64,
    /// CPU seconds the load generators (workers) used meanwhile.
    pub load_cpu_s: f64,
    /// What went wrong, if the run failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Measures `spec`; a failure is reported in [`Measured::error`], never a panic.
pub async fn measure(spec: &RunSpec, env: &Env) -> Measured {
    let mut measured = Measured {
        system: spec.system.name().into(),
        transport: spec.system.transport().into(),
        subscriber_kind: spec.kind.name().into(),
        nodes: match spec.system {
            System::Realtime { nodes, .. } => nodes,
            _ => 0,
        },
        subscribers: spec.subscribers,
        channels: spec.channels,
        payload_bytes: spec.payload_bytes,
        rate: spec.rate,
        ..Measured::default()
    };
    if let Err(error) = run(spec, env, &mut measured).await {
        measured.error = Some(error);
    }
    measured
}

/// Where the servers' memory and CPU come from.
enum Servers {
    Processes(Vec<Server>),
    Redis(RespConnection),
    InWorker,
}

impl Servers {
    async fn rss(&mut self, workers: &[Worker]) -> u64 {
        match self {
            Servers::Processes(servers) => servers.iter().filter_map(|s| rss_bytes(s.pid())).sum(),
            Servers::Redis(redis) => {
                let rss = redis.info_field("used_memory_rss").await;
                rss.and_then(|v| v.parse().ok()).unwrap_or(0)
            }
            Servers::InWorker => workers.iter().filter_map(|w| rss_bytes(w.pid())).sum(),
        }
    }

    async fn cpu(&mut self, workers: &[Worker]) -> f64 {
        match self {
            Servers::Processes(servers) => servers.iter().filter_map(|s| cpu_seconds(s.pid())).sum(),
            Servers::Redis(redis) => {
                let mut total = 0.0;
                for field in ["used_cpu_user", "used_cpu_sys"] {
                    total += redis
                        .info_field(field)
                        .await
                        .and_then(|v| v.parse::<f64>().ok())
                        .unwrap_or(0.0);
                }
                total
            }
            Servers::InWorker => load_cpu(workers),
        }
    }
}

fn load_cpu(workers: &[Worker]) -> f64 {
    workers.iter().filter_map(|w| cpu_seconds(w.pid())).sum()
}

static RUNS: AtomicU64 = AtomicU64::new(0);

async fn run(spec: &RunSpec, env: &Env, out: &mut Measured) -> Result<(), String> {
    let id = format!("{}-{}", std::process::id(), RUNS.fetch_add(1, Ordering::SeqCst));
    let channels: Vec<String> = (0..spec.channels).map(|i| format!("bench:{id}:{i}")).collect();
    let redis_url = || {
        env.redis_url
            .clone()
            .ok_or_else(|| "no Redis (use --redis)".to_owned())
    };
    let prefix = format!("realtime-bench:{id}:");
    let (mut servers, targets, mut publisher) = match spec.system {
        System::Realtime { redis, nodes } => {
            let url = if redis { Some(redis_url()?) } else { None };
            let mut nodes_up = Vec::new();
            for _ in 0..nodes {
                let redis = url.as_deref().map(|u| (u, prefix.as_str()));
                nodes_up.push(
                    Server::gateway(redis, spec.subscribers.div_ceil(nodes) + 64, spec.write_delay_ms)
                        .await?,
                );
            }
            let targets = gateway_targets(spec.kind, &nodes_up, &channels).await?;
            let publisher = Publisher::gateway(&nodes_up[0].addr);
            (Servers::Processes(nodes_up), targets, Some(publisher))
        }
        System::SocketIo => {
            let dir = env
                .socket_io_dir
                .as_ref()
                .ok_or("the Socket.IO peer is not installed")?;
            let server = Server::socket_io(dir).await?;
            let targets = channels
                .iter()
                .map(|c| Target {
                    channel: c.clone(),
                    addr: server.addr.clone(),
                    path: format!("/socket.io/?EIO=4&transport=websocket&room={c}"),
                })
                .collect();
            let publisher = Publisher::socket_io(&server.addr);
            (Servers::Processes(vec![server]), targets, Some(publisher))
        }
        System::RawRedis => {
            let addr = super::resp::redis_addr(&redis_url()?)?;
            let targets = channels
                .iter()
                .map(|c| Target {
                    channel: c.clone(),
                    addr: addr.clone(),
                    path: c.clone(),
                })
                .collect();
            let info = RespConnection::connect(&addr).await?;
            (
                Servers::Redis(info),
                targets,
                Some(Publisher::redis(&addr).await?),
            )
        }
        System::Broadcast => {
            let targets = channels
                .iter()
                .map(|c| Target {
                    channel: c.clone(),
                    addr: String::new(),
                    path: String::new(),
                })
                .collect();
            (Servers::InWorker, targets, None)
        }
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss_idle = servers.rss(&[]).await;

    let mut workers = start_workers(spec, targets).await?;
    let mut rss_in_workers = (0u64, 0u64);
    for worker in &mut workers {
        match worker.report(Duration::from_secs(600)).await? {
            WorkerReport::Ready {
                connected,
                failed,
                error,
                rss_before,
                rss_after,
            } => {
                out.connected += connected;
                out.connect_failed += failed;
                if let Some(e) = error {
                    out.error.get_or_insert(format!("connect: {e}"));
                }
                rss_in_workers.0 += rss_before;
                rss_in_workers.1 += rss_after;
            }
            other => return Err(format!("a worker answered {other:?} instead of ready")),
        }
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let connections = out.connected.max(1) as f64;
    out.rss_per_conn_bytes = match servers {
        Servers::InWorker => rss_in_workers.1.saturating_sub(rss_in_workers.0) as f64 / connections,
        _ => servers.rss(&workers).await.saturating_sub(rss_idle) as f64 / connections,
    };

    let cpu_start = (servers.cpu(&workers).await, load_cpu(&workers));
    for worker in &mut workers {
        worker.send(&WorkerCommand::Go).await?;
    }
    let (published, start_ns) = match &mut publisher {
        Some(publisher) => {
            let done = publisher
                .run(&channels, spec.rate, spec.seconds, spec.payload_bytes)
                .await;
            out.publish_errors = done.errors;
            if let Some(e) = done.first_error {
                out.error.get_or_insert(format!("publish: {e}"));
            }
            (done.per_channel, done.start_ns)
        }
        None => {
            wait_published(&mut workers, spec.seconds).await?;
            (BTreeMap::new(), 0)
        }
    };
    out.expected = expected_deliveries(&workers, &published);
    if publisher.is_some() {
        drain(&mut workers, out.expected).await?;
    } else {
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    out.server_cpu_s = servers.cpu(&workers).await - cpu_start.0;
    out.load_cpu_s = load_cpu(&workers) - cpu_start.1;

    let mut latencies = Latencies::default();
    let (mut last_ns, mut start_ns, mut published) = (0u64, start_ns, published);
    for worker in &mut workers {
        worker
            .send(&WorkerCommand::Stop {
                expected: published.clone(),
            })
            .await?;
        let WorkerReport::Result(result) = worker.report(Duration::from_secs(60)).await? else {
            return Err("a worker answered something else than its result".into());
        };
        if !result.published.is_empty() {
            published = result.published.clone();
            start_ns = result.publish_start_ns;
        }
        out.delivered += result.delivered;
        out.lost += result.lost;
        out.duplicated += result.duplicated;
        out.disconnected += result.disconnected;
        last_ns = last_ns.max(result.last_receive_ns);
        latencies.merge(&result.latencies);
    }
    if publisher.is_none() {
        out.expected = expected_deliveries(&workers, &published);
    }
    out.published = published.values().sum();
    out.achieved_rate = out.published as f64 / spec.seconds;
    let span = last_ns.saturating_sub(start_ns) as f64 / 1e9;
    out.delivered_per_sec = if span > 0.0 {
        out.delivered as f64 / span
    } else {
        0.0
    };
    out.p50_ms = latencies.quantile_ms(0.50);
    out.p99_ms = latencies.quantile_ms(0.99);
    out.max_ms = latencies.max_ms();
    if out.connect_failed > 0 {
        // Never-connected subscribers got nothing: that is loss too.
        let per_subscriber = out.published as f64 / spec.channels.max(1) as f64;
        out.lost += (out.connect_failed as f64 * per_subscriber) as u64;
    }
    Ok(())
}

/// Mints one token per channel on the first node (tokens are valid on every node: they
/// share dev mode's key) and lists where subscriber connections go.
async fn gateway_targets(
    kind: SubscriberKind,
    nodes: &[Server],
    channels: &[String],
) -> Result<Vec<Target>, String> {
    let client = reqwest::Client::new();
    let route = if kind == SubscriberKind::Sse {
        "sse"
    } else {
        "connect"
    };
    let mut targets = Vec::new();
    for channel in channels {
        let response = client
            .post(format!("http://{}/v1/realtime/token", nodes[0].addr))
            .json(&serde_json::json!([{ "channel": channel, "name": "m" }]))
            .send()
            .await
            .map_err(|e| format!("token: {e}"))?;
        let body: serde_json::Value = response.json().await.map_err(|e| format!("token: {e}"))?;
        let jwt = body["jwt"].as_str().ok_or_else(|| format!("token: {body}"))?;
        for node in nodes {
            targets.push(Target {
                channel: channel.clone(),
                addr: node.addr.clone(),
                path: format!("/v1/realtime/{route}?token={jwt}"),
            });
        }
    }
    Ok(targets)
}

async fn start_workers(spec: &RunSpec, targets: Vec<Target>) -> Result<Vec<Worker>, String> {
    let count = match spec.kind {
        SubscriberKind::Broadcast => 1,
        _ if spec.subscribers < 200 => 1,
        _ => spec.subscribers.div_ceil(PER_WORKER).max(2),
    };
    let mut workers = Vec::new();
    let mut first = 0;
    for i in 0..count {
        let subscribers = spec.subscribers / count + usize::from(i < spec.subscribers % count);
        let plan = WorkerPlan {
            kind: spec.kind,
            targets: targets.clone(),
            first,
            subscribers,
            connect_concurrency: CONNECT_CONCURRENCY,
            deadline_secs: spec.seconds as u64 + 900,
            publish: Some(PublishPlan {
                rate: spec.rate,
                seconds: spec.seconds,
                payload_bytes: spec.payload_bytes,
            }),
        };
        first += subscribers;
        workers.push(Worker::start(plan).await?);
    }
    Ok(workers)
}

fn expected_deliveries(workers: &[Worker], published: &BTreeMap<String, u64>) -> u64 {
    workers
        .iter()
        .flat_map(|w| subscribers_per_channel(&w.plan))
        .map(|(channel, subscribers)| subscribers * published.get(&channel).copied().unwrap_or(0))
        .sum()
}

async fn count(workers: &mut [Worker]) -> Result<(u64, bool), String> {
    let (mut delivered, mut all_published) = (0, true);
    for worker in workers.iter_mut() {
        worker.send(&WorkerCommand::Count).await?;
        match worker.report(Duration::from_secs(30)).await? {
            WorkerReport::Count {
                delivered: d,
                published_all,
            } => {
                delivered += d;
                all_published &= published_all;
            }
            other => return Err(format!("a worker answered {other:?} instead of a count")),
        }
    }
    Ok((delivered, all_published))
}

/// Waits until a broadcast worker has published everything.
async fn wait_published(workers: &mut [Worker], seconds: f64) -> Result<(), String> {
    tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
    let deadline = Instant::now() + DRAIN_TIMEOUT;
    while !count(workers).await?.1 {
        if Instant::now() > deadline {
            return Err("the broadcast baseline did not finish publishing".into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// Waits until every expected delivery happened, or nothing arrived for 3 s, or the drain
/// timeout passed.
async fn drain(workers: &mut [Worker], expected: u64) -> Result<(), String> {
    let deadline = Instant::now() + DRAIN_TIMEOUT;
    let (mut last, mut last_change) = (0, Instant::now());
    loop {
        let (delivered, _) = count(workers).await?;
        if delivered >= expected
            || Instant::now() > deadline
            || last_change.elapsed() > Duration::from_secs(3)
        {
            return Ok(());
        }
        if delivered != last {
            (last, last_change) = (delivered, Instant::now());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
