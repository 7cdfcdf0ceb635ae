//! In-process delivery: one publisher, N subscribers of one channel, every message to
//! every subscriber.
//!
//! Each iteration publishes [`MESSAGES_PER_ITER`] messages and waits until every
//! subscriber has received all of them, so an iteration is `MESSAGES_PER_ITER × N`
//! deliveries (criterion's throughput). Four cases per subscriber count, in the same run,
//! with the same payload and the same completion signal:
//!
//! - `fanout/broadcast/N`: raw `tokio::sync::broadcast` of an `Arc<Status>`, the baseline;
//! - `fanout/broadcast_decode/N`: raw broadcast of the payload as JSON (`Arc<Value>`), each
//!   subscriber decoding its own `Status` from it: what any typed delivery of a JSON
//!   payload costs at least, with nothing of the realtime path;
//! - `fanout/realtime_validated/N`: `Realtime::publish` and typed subscriptions, with the
//!   topic's schema checked;
//! - `fanout/realtime_unvalidated/N`: the same through a `#[topic(validate = false)]` topic
//!   and `.validate(false)` subscriptions, so neither side checks the schema;
//! - `fanout/realtime_shared/N`: `Realtime::publish` (schema checked) and shared
//!   subscriptions (`.shared()`): each message decoded once for all subscribers, each
//!   getting an `Arc` of it, as the baseline's subscribers do.
//!
//! `fanout_one_thread/*` runs the broadcast, validated and shared cases again on a
//! current-thread runtime, where no wake-up crosses threads: the time is the work.
//!
//! `parts/*` measures steps of the realtime path alone: a publish that reaches no
//! subscriber (serialize, size limit, schema check, envelope), the schema check by itself,
//! and one subscriber's typed decode of the payload.
//!
//! `python3 scripts/bench-table.py` turns criterion's output into the tables of
//! BENCHMARKS.md.

use std::future::IntoFuture;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod support;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput};
use realtime::{channel, Channel, Realtime, Topic};
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

use support::{
    realtime_subscriber, runtime, runtime_one_thread, status, stop_all, BatchDone, Status, MESSAGES_PER_ITER,
};

/// Subscriber counts measured.
const SUBSCRIBERS: [usize; 3] = [1, 100, 1_000];

/// Buffer of the baseline broadcast channel: the in-memory transport's default, so that
/// neither side can lag on a 100-message batch.
const BROADCAST_CAPACITY: usize = 1024;

#[channel(name = "bench:<run_id>")]
struct Progress {
    run_id: String,
    /// Progress of the run, checked against its schema.
    #[topic]
    status: Status,
}

#[channel(name = "bench-unchecked:<run_id>")]
struct ProgressUnchecked {
    run_id: String,
    /// Progress of the run, typed only.
    #[topic(validate = false)]
    status: Status,
}

enum Publisher {
    Broadcast(broadcast::Sender<Arc<Status>>),
    BroadcastDecode(broadcast::Sender<Arc<Value>>),
    Validated(Realtime, Topic<Progress, Status>),
    Unvalidated(Realtime, Topic<ProgressUnchecked, Status>),
}

/// One publisher and `subscribers` running subscriber tasks, kept for all of a
/// benchmark's samples.
struct Fanout {
    subscribers: usize,
    publisher: Publisher,
    done: Arc<BatchDone>,
    tasks: Vec<JoinHandle<()>>,
}

#[derive(Clone, Copy)]
enum Case {
    Broadcast,
    BroadcastDecode,
    RealtimeValidated,
    RealtimeUnvalidated,
    RealtimeShared,
}

impl Case {
    const ALL: [Case; 5] = [
        Case::Broadcast,
        Case::BroadcastDecode,
        Case::RealtimeValidated,
        Case::RealtimeUnvalidated,
        Case::RealtimeShared,
    ];

    fn name(self) -> &'static str {
        match self {
            Case::Broadcast => "broadcast",
            Case::BroadcastDecode => "broadcast_decode",
            Case::RealtimeValidated => "realtime_validated",
            Case::RealtimeUnvalidated => "realtime_unvalidated",
            Case::RealtimeShared => "realtime_shared",
        }
    }
}

impl Fanout {
    async fn start(case: Case, subscribers: usize) -> Fanout {
        let done = BatchDone::new();
        let mut tasks = Vec::with_capacity(subscribers);
        let publisher = match case {
            Case::Broadcast => {
                let (sender, _) = broadcast::channel(BROADCAST_CAPACITY);
                for _ in 0..subscribers {
                    tasks.push(tokio::spawn(broadcast_subscriber(
                        sender.subscribe(),
                        done.clone(),
                    )));
                }
                Publisher::Broadcast(sender)
            }
            Case::BroadcastDecode => {
                let (sender, _) = broadcast::channel(BROADCAST_CAPACITY);
                for _ in 0..subscribers {
                    tasks.push(tokio::spawn(decoding_subscriber(
                        sender.subscribe(),
                        done.clone(),
                    )));
                }
                Publisher::BroadcastDecode(sender)
            }
            Case::RealtimeValidated => {
                let rt = Realtime::in_memory();
                let channel = Progress::new("run-1");
                for _ in 0..subscribers {
                    let sub = rt.subscribe(&channel).await.expect("subscribe");
                    tasks.push(tokio::spawn(realtime_subscriber(sub, done.clone())));
                }
                Publisher::Validated(rt, channel.status())
            }
            Case::RealtimeUnvalidated => {
                let rt = Realtime::in_memory();
                let channel = ProgressUnchecked::new("run-1");
                for _ in 0..subscribers {
                    let sub = rt.subscribe(&channel).validate(false).await.expect("subscribe");
                    tasks.push(tokio::spawn(realtime_subscriber(sub, done.clone())));
                }
                Publisher::Unvalidated(rt, channel.status())
            }
            Case::RealtimeShared => {
                let rt = Realtime::in_memory();
                let channel = Progress::new("run-1");
                for _ in 0..subscribers {
                    let sub = rt.subscribe(&channel).shared().await.expect("subscribe");
                    tasks.push(tokio::spawn(realtime_subscriber(sub, done.clone())));
                }
                Publisher::Validated(rt, channel.status())
            }
        };
        Fanout {
            subscribers,
            publisher,
            done,
            tasks,
        }
    }

    /// Publishes `iters` batches, each awaited until every subscriber has all of it.
    async fn run(self: Arc<Self>, iters: u64) -> Duration {
        let started = Instant::now();
        for _ in 0..iters {
            self.done.expect(self.subscribers);
            for seq in 0..MESSAGES_PER_ITER {
                match &self.publisher {
                    Publisher::Broadcast(sender) => {
                        sender
                            .send(Arc::new(status(seq)))
                            .expect("subscribers are running");
                    }
                    Publisher::BroadcastDecode(sender) => {
                        let data = serde_json::to_value(status(seq)).expect("serialize");
                        sender.send(Arc::new(data)).expect("subscribers are running");
                    }
                    Publisher::Validated(rt, topic) => {
                        rt.publish(topic.clone(), status(seq)).await.expect("publish");
                    }
                    Publisher::Unvalidated(rt, topic) => {
                        rt.publish(topic.clone(), status(seq)).await.expect("publish");
                    }
                }
            }
            self.done.all_received.notified().await;
        }
        started.elapsed()
    }

    /// Stops every subscriber and waits until they are gone, so the next case starts on a
    /// quiet runtime.
    async fn stop(self) {
        stop_all(self.tasks).await;
    }
}

async fn broadcast_subscriber(mut rx: broadcast::Receiver<Arc<Status>>, done: Arc<BatchDone>) {
    let mut received = 0usize;
    loop {
        match rx.recv().await {
            Ok(status) => {
                black_box(&*status);
                done.count(&mut received);
            }
            Err(broadcast::error::RecvError::Closed) => return,
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                panic!("baseline subscriber lagged by {missed}")
            }
        }
    }
}

async fn decoding_subscriber(mut rx: broadcast::Receiver<Arc<Value>>, done: Arc<BatchDone>) {
    let mut received = 0usize;
    loop {
        match rx.recv().await {
            Ok(data) => {
                let status = Status::deserialize(&*data).expect("decode");
                black_box(&status);
                done.count(&mut received);
            }
            Err(broadcast::error::RecvError::Closed) => return,
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                panic!("baseline subscriber lagged by {missed}")
            }
        }
    }
}

fn fanout(c: &mut Criterion) {
    fanout_group(c, "fanout", runtime, &Case::ALL);
}

/// The same fan-out on one thread: the publisher and every subscriber take turns on it,
/// so no wake-up crosses threads and the time is the work itself (on this 2-vCPU guest a
/// cross-thread wake-up is an `eventfd` write and a VM exit, and how often tasks wake
/// each other across the two workers varies from run to run).
fn fanout_one_thread(c: &mut Criterion) {
    fanout_group(
        c,
        "fanout_one_thread",
        runtime_one_thread,
        &[Case::Broadcast, Case::RealtimeValidated, Case::RealtimeShared],
    );
}

fn fanout_group(c: &mut Criterion, name: &str, runtime: fn() -> tokio::runtime::Runtime, cases: &[Case]) {
    let mut group = c.benchmark_group(name);
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    for subscribers in SUBSCRIBERS {
        group.throughput(Throughput::Elements((MESSAGES_PER_ITER * subscribers) as u64));
        for &case in cases {
            // A runtime per case: no case inherits another's queues or worker state.
            let runtime = runtime();
            let fixture = Arc::new(runtime.block_on(Fanout::start(case, subscribers)));
            group.bench_with_input(
                BenchmarkId::new(case.name(), subscribers),
                &fixture,
                |b, fixture| {
                    // The publisher runs as a task of the runtime too, so its workers do all the work.
                    b.iter_custom(|iters| {
                        runtime
                            .block_on(runtime.spawn(fixture.clone().run(iters)))
                            .expect("run")
                    })
                },
            );
            runtime.block_on(Arc::into_inner(fixture).expect("no run in flight").stop());
        }
    }
    group.finish();
}

fn parts(c: &mut Criterion) {
    let runtime = runtime();
    let mut group = c.benchmark_group("parts");
    group
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .throughput(Throughput::Elements(1));

    // Nobody subscribes to these channels, so a publish is the per-message work alone.
    let rt = Realtime::in_memory();
    let validated = Progress::new("run-1").status();
    let unvalidated = ProgressUnchecked::new("run-1").status();
    group.bench_function("publish_no_subscriber/validated", |b| {
        b.to_async(&runtime)
            .iter(|| rt.publish(validated.clone(), status(7)).into_future())
    });
    group.bench_function("publish_no_subscriber/unvalidated", |b| {
        b.to_async(&runtime)
            .iter(|| rt.publish(unvalidated.clone(), status(7)).into_future())
    });

    // The schema check a validated publish makes once per message.
    let data = serde_json::to_value(status(7)).expect("serialize");
    let spec = validated.spec();
    group.bench_function("schema_check_per_message", |b| {
        b.iter(|| spec.check(black_box(&data)).expect("valid"))
    });

    // What each subscriber does with each message it takes: the typed decode.
    group.bench_function("decode_per_subscriber", |b| {
        b.iter(|| Progress::decode(black_box("status"), black_box(&data)).expect("decode"))
    });
    group.finish();
}

criterion_group!(benches, fanout, fanout_one_thread, parts);
criterion_main!(benches);
