//! Publish-to-deliver through Redis: the Redis transport against raw Redis `PUBLISH`,
//! measured in the same run against the same server.
//!
//! Each iteration publishes [`MESSAGES_PER_ITER`] messages and waits until every
//! subscriber has received all of them (criterion's throughput: messages × subscribers).
//! Cases, all with the same JSON payload:
//!
//! - `redis/raw_publish/<mode>`: the baseline. `PUBLISH <channel> <json>` on one
//!   multiplexed connection; one subscriber reads a raw pub/sub connection and parses
//!   each payload as JSON.
//! - `redis/transport/<mode>`: `Realtime::publish` over `RedisTransport` (serialize, size
//!   limit, schema check, then one Lua script: `XADD` to the channel's stream with
//!   `MAXLEN ~`, trim by age, `PEXPIRE`, `PUBLISH`), one typed subscription (the node's
//!   shared pub/sub connection, local fan-out, decode into the channel's message enum).
//! - `redis/transport_100_subscribers/<mode>`: the same with 100 subscriptions on the
//!   node: still one pub/sub connection and one Redis delivery per message.
//!
//! `<mode>` is `sequential` (each publish awaited before the next: a round trip per
//! message) or `pipelined` (the whole batch in flight at once on the multiplexed
//! connection).
//!
//! Needs a Redis server: `REALTIME_TEST_REDIS_URL`, default `redis://127.0.0.1:6379`.
//! `python3 scripts/bench-table.py` prints the table with ratios to the baseline.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[path = "../tests/common/redis.rs"]
mod redis_support;
mod support;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput};
use futures::future::join_all;
use futures::StreamExt;
use realtime::{channel, Realtime, RedisTransport, Topic};
use tokio::task::JoinHandle;

use support::{realtime_subscriber, runtime, status, stop_all, BatchDone, Status, MESSAGES_PER_ITER};

#[channel(name = "bench-redis:<run_id>")]
struct Progress {
    run_id: String,
    /// Progress of the run, checked against its schema.
    #[topic]
    status: Status,
}

#[derive(Clone, Copy)]
enum Mode {
    Sequential,
    Pipelined,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Sequential => "sequential",
            Mode::Pipelined => "pipelined",
        }
    }
}

enum Publisher {
    Raw {
        connection: redis::aio::MultiplexedConnection,
        channel: String,
    },
    Transport(Realtime, Topic<Progress, Status>),
}

struct Fixture {
    subscribers: usize,
    publisher: Publisher,
    done: Arc<BatchDone>,
    tasks: Vec<JoinHandle<()>>,
}

/// The Redis the benchmark uses: the tests' ([`redis_support::url`]).
fn redis_url() -> String {
    redis_support::url()
}

fn unique(what: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("bench:{what}:{}:{nanos}", std::process::id())
}

impl Fixture {
    async fn raw() -> Fixture {
        let client = redis::Client::open(redis_url()).expect("a Redis URL");
        let connection = client
            .get_multiplexed_async_connection()
            .await
            .expect("a Redis server at REALTIME_TEST_REDIS_URL");
        let channel = unique("raw");
        let mut pubsub = client.get_async_pubsub().await.expect("a pub/sub connection");
        pubsub.subscribe(&channel).await.expect("SUBSCRIBE");
        let done = BatchDone::new();
        let task = tokio::spawn({
            let done = done.clone();
            async move {
                let mut messages = pubsub.into_on_message();
                let mut received = 0usize;
                while let Some(message) = messages.next().await {
                    let value: serde_json::Value =
                        serde_json::from_slice(message.get_payload_bytes()).expect("JSON");
                    black_box(value);
                    done.count(&mut received);
                }
            }
        });
        Fixture {
            subscribers: 1,
            publisher: Publisher::Raw { connection, channel },
            done,
            tasks: vec![task],
        }
    }

    async fn transport(subscribers: usize) -> Fixture {
        let transport = RedisTransport::builder(redis_url())
            .key_prefix(format!("{}:", unique("transport")))
            .connect()
            .await
            .expect("a Redis server at REALTIME_TEST_REDIS_URL");
        let rt = Realtime::new(transport);
        let channel = Progress::new("run-1");
        let done = BatchDone::new();
        let mut tasks = Vec::new();
        for _ in 0..subscribers {
            let sub = rt.subscribe(&channel).await.expect("subscribe");
            tasks.push(tokio::spawn(realtime_subscriber(sub, done.clone())));
        }
        Fixture {
            subscribers,
            publisher: Publisher::Transport(rt, channel.status()),
            done,
            tasks,
        }
    }

    async fn publish_one(&self, seq: usize) {
        match &self.publisher {
            Publisher::Raw { connection, channel } => {
                let payload = serde_json::to_vec(&status(seq)).expect("JSON");
                let mut connection = connection.clone();
                let _: i64 = redis::cmd("PUBLISH")
                    .arg(channel)
                    .arg(payload)
                    .query_async(&mut connection)
                    .await
                    .expect("PUBLISH");
            }
            Publisher::Transport(rt, topic) => {
                rt.publish(topic.clone(), status(seq)).await.expect("publish");
            }
        }
    }

    async fn run(self: Arc<Self>, mode: Mode, iters: u64) -> Duration {
        let started = Instant::now();
        for _ in 0..iters {
            self.done.expect(self.subscribers);
            match mode {
                Mode::Sequential => {
                    for seq in 0..MESSAGES_PER_ITER {
                        self.publish_one(seq).await;
                    }
                }
                Mode::Pipelined => {
                    join_all((0..MESSAGES_PER_ITER).map(|seq| self.publish_one(seq))).await;
                }
            }
            self.done.all_received.notified().await;
        }
        started.elapsed()
    }

    async fn stop(self) {
        stop_all(self.tasks).await;
    }
}

fn redis_cases(c: &mut Criterion) {
    let mut group = c.benchmark_group("redis");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    for mode in [Mode::Sequential, Mode::Pipelined] {
        for (case, subscribers) in [
            ("raw_publish", 1),
            ("transport", 1),
            ("transport_100_subscribers", 100),
        ] {
            let runtime = runtime();
            let fixture = Arc::new(runtime.block_on(async {
                match case {
                    "raw_publish" => Fixture::raw().await,
                    _ => Fixture::transport(subscribers).await,
                }
            }));
            group.throughput(Throughput::Elements((MESSAGES_PER_ITER * subscribers) as u64));
            group.bench_with_input(BenchmarkId::new(case, mode.name()), &fixture, |b, fixture| {
                b.iter_custom(|iters| {
                    runtime
                        .block_on(runtime.spawn(fixture.clone().run(mode, iters)))
                        .expect("run")
                })
            });
            runtime.block_on(Arc::into_inner(fixture).expect("no run in flight").stop());
        }
    }
    group.finish();
}

criterion_group!(benches, redis_cases);
criterion_main!(benches);
