//! Durable publish: a publish with an idempotency key is sent at most once per key and
//! channel, across retries, crashes (a dropped handle) and nodes, and a duplicate returns
//! the first message's id.
//!
//! Each case is written once against a [`Backend`]; `on_transports!` runs all of them on
//! the in-memory transport and on the Redis transport (a real Redis server:
//! `REALTIME_TEST_REDIS_URL`, default `redis://127.0.0.1:6379`; each test uses its own key
//! prefix). On Redis, every [`Backend::handle`] opens a new connection: another process's
//! view of the same channels.

mod common;
#[path = "common/transports.rs"]
#[macro_use]
mod transports;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{status, within, Pipeline, PipelineMessage, Status};
use futures::StreamExt;
use realtime::{
    HistoryLimits, MemoryTransport, Message, MessageId, PublishError, PublishOptions, Published, Realtime,
    Subscription, Transport,
};
use serde_json::json;
use transports::{redis_support, Factory};

const HOUR: Duration = Duration::from_secs(3600);

/// One back end shared by several handles ("processes").
#[derive(Clone)]
enum Backend {
    /// One in-memory transport: every handle shares it.
    Memory(MemoryTransport),
    /// One Redis and key prefix: every handle connects anew.
    Redis { prefix: String, limits: HistoryLimits },
}

impl Backend {
    /// A back end of `kind` with these history limits.
    fn new(kind: Factory, limits: HistoryLimits) -> Backend {
        match kind {
            Factory::Memory => Backend::Memory(MemoryTransport::builder().history(limits).build()),
            Factory::Redis => Backend::Redis {
                prefix: redis_support::unique_prefix(),
                limits,
            },
        }
    }

    /// A new node's view of the back end: on Redis a new connection.
    async fn node(&self) -> Arc<dyn Transport> {
        match self {
            Backend::Memory(transport) => Arc::new(transport.clone()),
            Backend::Redis { prefix, limits } => {
                Arc::new(transports::redis_transport(prefix, *limits, transports::CAPACITY).await)
            }
        }
    }

    /// A new handle over a new node.
    async fn handle(&self) -> Realtime {
        transports::handle(self.node().await)
    }
}

fn attempt(step: &str, attempt: u32) -> Status {
    Status {
        message: step.to_owned(),
        step: Some(format!("attempt {attempt}")),
    }
}

/// Publishes the `end` marker (without a key) on `ch`.
async fn end(rt: &Realtime, ch: &Pipeline) -> MessageId {
    within(rt.publish(ch.status(), status("end"))).await.unwrap()
}

/// The status messages received up to the `end` marker: what was delivered, each once.
async fn until_end(sub: &mut Subscription<Pipeline>) -> Vec<(MessageId, Status)> {
    let mut seen = Vec::new();
    loop {
        match within(sub.next()).await.expect("the stream ended") {
            Ok(Message {
                id,
                data: PipelineMessage::Status(s),
                ..
            }) => {
                if s.message == "end" {
                    return seen;
                }
                seen.push((id, s));
            }
            other => panic!("expected a status message, got {other:?}"),
        }
    }
}

/// Publishes `data` with `key` on `ch`, telling whether it was a duplicate.
async fn publish_keyed(rt: &Realtime, ch: &Pipeline, data: Status, key: &str) -> Published {
    within(rt.publish(ch.status(), data).idempotency_key(key).outcome())
        .await
        .unwrap()
}

/// The same key twice: one message; both publishes return its id.
async fn same_key_twice(kind: Factory) {
    let backend = Backend::new(kind, HistoryLimits::default());
    let rt = backend.handle().await;
    let ch = Pipeline::new("twice");
    let mut sub = rt.subscribe(&ch).await.unwrap();

    let start = within(rt.publish(ch.status(), status("start"))).await.unwrap();
    let first = publish_keyed(&rt, &ch, status("done"), "run-1:done").await;
    assert!(!first.duplicate);
    let again = publish_keyed(&rt, &ch, status("done"), "run-1:done").await;
    assert_eq!(again, Published::duplicate_of(first.id));
    // Awaited directly, the publish returns the id.
    let id = within(
        rt.publish(ch.status(), status("done"))
            .idempotency_key("run-1:done"),
    )
    .await
    .unwrap();
    assert_eq!(id, first.id);

    end(&rt, &ch).await;
    let seen = until_end(&mut sub).await;
    assert_eq!(
        seen,
        vec![(start, status("start")), (first.id, status("done"))],
        "delivered once"
    );
    // And history holds it once.
    let mut resumed = rt.subscribe(&ch).after(start).await.unwrap();
    assert_eq!(until_end(&mut resumed).await, vec![(first.id, status("done"))]);
}

/// A job of three durable steps, each publishing with key `<run>:<step>`; attempt 1
/// crashes after two steps, attempt 2 after the last (before it could report success),
/// attempt 3 runs to the end. Each attempt runs on a new handle (on Redis, a new
/// connection: another process) and sends data of its own. The subscriber sees each step
/// once, as its first attempt published it.
async fn retried_job_does_not_duplicate(kind: Factory) {
    let backend = Backend::new(kind, HistoryLimits::default());
    let watcher = backend.handle().await;
    let ch = Pipeline::new("job-42");
    let mut sub = watcher.subscribe(&ch).await.unwrap();

    let run = "run-42";
    let job = |n: u32, steps: &'static [&'static str]| {
        let backend = backend.clone();
        let ch = ch.clone();
        async move {
            let rt = backend.handle().await;
            let mut ids = Vec::new();
            for step in steps {
                ids.push(publish_keyed(&rt, &ch, attempt(step, n), &format!("{run}:{step}")).await);
            }
            drop(rt); // the crash
            ids
        }
    };
    let first = job(1, &["fetch", "summarize"]).await;
    let second = job(2, &["fetch", "summarize", "done"]).await;
    let third = job(3, &["fetch", "summarize", "done"]).await;

    assert!(first.iter().all(|p| !p.duplicate), "{first:?}");
    assert_eq!(
        second,
        vec![
            Published::duplicate_of(first[0].id),
            Published::duplicate_of(first[1].id),
            second[2]
        ]
    );
    assert!(!second[2].duplicate, "`done` is sent by the second attempt");
    let done = second[2].id;
    assert_eq!(
        third,
        vec![
            Published::duplicate_of(first[0].id),
            Published::duplicate_of(first[1].id),
            Published::duplicate_of(done)
        ]
    );

    end(&watcher, &ch).await;
    let seen = until_end(&mut sub).await;
    assert_eq!(
        seen,
        vec![
            (first[0].id, attempt("fetch", 1)),
            (first[1].id, attempt("summarize", 1)),
            (done, attempt("done", 2)),
        ]
    );
    let dones = seen.iter().filter(|(_, s)| s.message == "done").count();
    assert_eq!(dones, 1, "exactly one `done`");
}

/// Ten publishers racing with one key, on two nodes: exactly one message is sent, and
/// every publisher gets its id.
async fn concurrent_same_key_sends_once(kind: Factory) {
    let backend = Backend::new(kind, HistoryLimits::default());
    let nodes = [backend.handle().await, backend.handle().await];
    let watcher = backend.handle().await;
    let ch = Pipeline::new("race");
    let mut sub = watcher.subscribe(&ch).await.unwrap();

    let start = Arc::new(tokio::sync::Barrier::new(10));
    let racers: Vec<_> = (0..10)
        .map(|i| {
            let rt = nodes[i % 2].clone();
            let (ch, start) = (ch.clone(), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                publish_keyed(&rt, &ch, status(&format!("done by {i}")), "race:done").await
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for racer in racers {
        outcomes.push(within(racer).await.unwrap());
    }
    let sent: Vec<_> = outcomes.iter().filter(|p| !p.duplicate).collect();
    assert_eq!(sent.len(), 1, "one publisher sent: {outcomes:?}");
    let id = sent[0].id;
    assert!(outcomes.iter().all(|p| p.id == id), "{outcomes:?}");

    end(&watcher, &ch).await;
    let seen = until_end(&mut sub).await;
    assert_eq!(seen.len(), 1, "delivered once: {seen:?}");
    assert_eq!(seen[0].0, id);
}

/// Different keys are different publishes.
async fn different_keys_are_separate_messages(kind: Factory) {
    let backend = Backend::new(kind, HistoryLimits::default());
    let rt = backend.handle().await;
    let ch = Pipeline::new("keys");
    let mut sub = rt.subscribe(&ch).await.unwrap();

    let a = publish_keyed(&rt, &ch, status("a"), "run-1:a").await;
    let b = publish_keyed(&rt, &ch, status("b"), "run-1:b").await;
    let plain = within(rt.publish(ch.status(), status("plain"))).await.unwrap();
    assert!(!a.duplicate && !b.duplicate);
    assert!(a.id < b.id && b.id < plain);

    end(&rt, &ch).await;
    assert_eq!(
        until_end(&mut sub).await,
        vec![(a.id, status("a")), (b.id, status("b")), (plain, status("plain"))]
    );
}

/// Keys are scoped per channel: one key on two channels is two messages. Channel `a`
/// with key `b:c` and channel `a:b` with key `c` do not collide either.
async fn same_key_on_two_channels(kind: Factory) {
    let backend = Backend::new(kind, HistoryLimits::default());
    let rt = backend.handle().await;
    let (x, y) = (Pipeline::new("x"), Pipeline::new("x:y"));
    let mut sub_x = rt.subscribe(&x).await.unwrap();
    let mut sub_y = rt.subscribe(&y).await.unwrap();

    let on_x = publish_keyed(&rt, &x, status("done"), "y:done").await;
    let on_y = publish_keyed(&rt, &y, status("done"), "done").await;
    let on_y_again = publish_keyed(&rt, &y, status("done"), "y:done").await;
    assert!(!on_x.duplicate && !on_y.duplicate && !on_y_again.duplicate);
    assert!(publish_keyed(&rt, &x, status("done"), "y:done").await.duplicate);

    end(&rt, &x).await;
    end(&rt, &y).await;
    assert_eq!(until_end(&mut sub_x).await, vec![(on_x.id, status("done"))]);
    assert_eq!(
        until_end(&mut sub_y).await,
        vec![(on_y.id, status("done")), (on_y_again.id, status("done"))]
    );
}

/// A key is remembered for its time to live, counted from the first publish; then the
/// same key publishes again.
async fn key_expires_after_its_ttl(kind: Factory) {
    const TTL: Duration = Duration::from_millis(200);
    let backend = Backend::new(kind, HistoryLimits::default());
    let rt = backend.handle().await;
    let ch = Pipeline::new("ttl");
    let mut sub = rt.subscribe(&ch).await.unwrap();
    let keyed = |message: &str| {
        rt.publish(ch.status(), status(message))
            .idempotency_key("run-1:done")
            .idempotency_ttl(TTL)
            .outcome()
    };

    let started = Instant::now();
    let first = within(keyed("first")).await.unwrap();
    let sent_by = Instant::now();
    let again = within(keyed("again")).await.unwrap();
    assert!(!first.duplicate);
    if started.elapsed() < TTL {
        // The key was set after `started`, and looked up again before it expired.
        assert_eq!(again, Published::duplicate_of(first.id));
    }

    tokio::time::sleep_until((sent_by + TTL + Duration::from_millis(150)).into()).await;
    let after = within(keyed("after")).await.unwrap();
    assert!(!after.duplicate, "the key expired");
    assert!(after.id > first.id);

    end(&rt, &ch).await;
    let seen = until_end(&mut sub).await;
    assert_eq!(seen.first(), Some(&(first.id, status("first"))));
    assert_eq!(seen.last(), Some(&(after.id, status("after"))));
    assert!(seen.len() <= 3, "{seen:?}");
}

/// Only the key is compared: a duplicate with other data or another topic sends nothing.
async fn duplicate_with_other_data_sends_nothing(kind: Factory) {
    let backend = Backend::new(kind, HistoryLimits::default());
    let rt = backend.handle().await;
    let ch = Pipeline::new("mismatch");
    let mut sub = rt.subscribe(&ch).await.unwrap();

    let first = publish_keyed(&rt, &ch, status("done"), "k").await;
    let other = publish_keyed(&rt, &ch, status("something else"), "k").await;
    assert_eq!(other, Published::duplicate_of(first.id));
    let other_topic = within(
        rt.publish(ch.tokens(), common::token("hi"))
            .idempotency_key("k")
            .outcome(),
    )
    .await
    .unwrap();
    assert_eq!(other_topic, Published::duplicate_of(first.id));

    end(&rt, &ch).await;
    assert_eq!(until_end(&mut sub).await, vec![(first.id, status("done"))]);
}

/// `publish_json` (the gateway's path) honours `PublishOptions::idempotency_key`, and
/// shares keys with typed publishes.
async fn publish_json_honours_the_key(kind: Factory) {
    let backend = Backend::new(kind, HistoryLimits::default());
    let rt = backend.handle().await;
    let ch = Pipeline::new("json");
    let mut sub = rt.subscribe(&ch).await.unwrap();
    let options = PublishOptions {
        idempotency_key: Some("run-1:done".to_owned()),
        ..PublishOptions::default()
    };
    let data = json!({"message": "done", "step": null});
    let first = within(rt.publish_json(&ch.name(), "status", data.clone(), None, options.clone()))
        .await
        .unwrap();
    let again = within(rt.publish_json_outcome(&ch.name(), "status", data, None, options))
        .await
        .unwrap();
    assert_eq!(again, Published::duplicate_of(first));
    let typed = publish_keyed(&rt, &ch, status("done"), "run-1:done").await;
    assert_eq!(typed, Published::duplicate_of(first));

    end(&rt, &ch).await;
    assert_eq!(until_end(&mut sub).await, vec![(first, status("done"))]);
}

/// A key outlives the channel's history: after the message aged out, a retry is still a
/// duplicate of it.
async fn key_outlives_history(kind: Factory) {
    let limits = HistoryLimits {
        max_len: 10,
        max_age: Duration::from_millis(100),
    };
    let backend = Backend::new(kind, limits);
    let rt = backend.handle().await;
    let ch = Pipeline::new("aged");
    let first = publish_keyed(&rt, &ch, status("done"), "k").await;
    // Past the in-memory transport's first sweep (at most a second after it starts), which
    // a publish to another channel runs.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    within(rt.publish(Pipeline::new("other").status(), status("x")))
        .await
        .unwrap();
    match &backend {
        Backend::Memory(transport) => assert_eq!(transport.channel_count(), 1, "`aged` was freed"),
        Backend::Redis { prefix, .. } => {
            let mut redis =
                redis_support::Inspector::connect(&redis_support::url()).expect("connect to Redis");
            let stream = format!("{prefix}stream:{}", ch.name());
            assert_eq!(redis.cmd(&["EXISTS", &stream]).int(), 0, "the stream expired");
        }
    }
    let mut sub = rt.subscribe(&ch).await.unwrap();
    let again = publish_keyed(&backend.handle().await, &ch, status("done"), "k").await;
    assert_eq!(again, Published::duplicate_of(first.id));
    end(&rt, &ch).await;
    assert_eq!(until_end(&mut sub).await, vec![]);
}

/// A key that is empty, too long or not visible ASCII refuses the publish; nothing is sent.
async fn invalid_keys_are_refused(kind: Factory) {
    let backend = Backend::new(kind, HistoryLimits::default());
    let rt = backend.handle().await;
    let ch = Pipeline::new("invalid");
    let mut sub = rt.subscribe(&ch).await.unwrap();
    for key in ["".to_owned(), "a b".to_owned(), "clé".to_owned(), "k".repeat(256)] {
        let refused = within(rt.publish(ch.status(), status("x")).idempotency_key(key.clone())).await;
        assert!(
            matches!(refused, Err(PublishError::InvalidIdempotencyKey { .. })),
            "{key:?}: {refused:?}"
        );
    }
    let longest = publish_keyed(&rt, &ch, status("ok"), &"k".repeat(255)).await;
    end(&rt, &ch).await;
    assert_eq!(until_end(&mut sub).await, vec![(longest.id, status("ok"))]);
}

/// On Redis, the key is `<prefix>idem:{<prefix>stream:<channel>}:<key>`, with the time to
/// live, holding the first id.
#[tokio::test]
async fn redis_stores_the_key_with_its_ttl() {
    let backend = Backend::new(Factory::Redis, HistoryLimits::default());
    let Backend::Redis { prefix, .. } = &backend else {
        unreachable!()
    };
    let rt = backend.handle().await;
    let ch = Pipeline::new("stored");
    let first = within(
        rt.publish(ch.status(), status("done"))
            .idempotency_key("run-1:done")
            .idempotency_ttl(Duration::from_secs(60)),
    )
    .await
    .unwrap();
    let key = format!("{prefix}idem:{{{prefix}stream:pipeline:stored}}:run-1:done");
    let mut redis = redis_support::Inspector::connect(&redis_support::url()).expect("connect to Redis");
    assert_eq!(redis.cmd(&["GET", &key]).text(), first.to_string());
    let pttl = redis.cmd(&["PTTL", &key]).int();
    assert!(0 < pttl && pttl <= 60_000, "PTTL {pttl}");
}

/// The default time to live is the handle's, 24 hours unless set.
#[tokio::test]
async fn the_handle_sets_the_default_ttl() {
    assert_eq!(Realtime::in_memory().idempotency_ttl(), HOUR * 24);
    let backend = Backend::new(Factory::Redis, HistoryLimits::default());
    let Backend::Redis { prefix, .. } = &backend else {
        unreachable!()
    };
    let rt = Realtime::builder()
        .shared_transport(backend.node().await)
        .idempotency_ttl(Duration::from_secs(90))
        .build();
    let ch = Pipeline::new("default-ttl");
    within(rt.publish(ch.status(), status("done")).idempotency_key("k"))
        .await
        .unwrap();
    let key = format!("{prefix}idem:{{{prefix}stream:pipeline:default-ttl}}:k");
    let mut redis = redis_support::Inspector::connect(&redis_support::url()).expect("connect to Redis");
    let pttl = redis.cmd(&["PTTL", &key]).int();
    assert!(60_000 < pttl && pttl <= 90_000, "PTTL {pttl}");
}

on_transports!(
    same_key_twice,
    retried_job_does_not_duplicate,
    concurrent_same_key_sends_once,
    different_keys_are_separate_messages,
    same_key_on_two_channels,
    key_expires_after_its_ttl,
    duplicate_with_other_data_sends_nothing,
    publish_json_honours_the_key,
    key_outlives_history,
    invalid_keys_are_refused
);
