//! The Redis transport against a real Redis (`REALTIME_TEST_REDIS_URL`, by default
//! `redis://127.0.0.1:6379`). Each test uses its own key prefix.

#[path = "common/redis.rs"]
mod redis_support;

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use realtime::runtime::redis::RedisTransport;
use realtime::runtime::{
    ContinuityLost, Delivery, GapCause, HistoryLimits, StartAt, Transport, TransportStream,
};
use realtime::{Envelope, MessageId};
use redis_support::{eventually, unique_prefix, url, Inspector};

const WAIT: Duration = Duration::from_secs(5);

async fn transport(prefix: &str) -> RedisTransport {
    transport_with(prefix, HistoryLimits::default()).await
}

async fn transport_with(prefix: &str, history: HistoryLimits) -> RedisTransport {
    let url = url();
    RedisTransport::builder(url.as_str())
        .key_prefix(prefix)
        .history(history)
        .connect()
        .await
        .unwrap_or_else(|err| {
            panic!("the Redis tests need a Redis server at {url} (set REALTIME_TEST_REDIS_URL): {err}")
        })
}

fn message(channel: &str, n: u64) -> Delivery {
    Delivery::new(Envelope::new(channel, "n", serde_json::json!(n)))
}

fn number(delivery: &Arc<Delivery>) -> u64 {
    delivery.envelope().data.as_u64().expect("a number")
}

async fn publish_all(
    transport: &RedisTransport,
    channel: &str,
    numbers: impl IntoIterator<Item = u64>,
) -> Vec<MessageId> {
    let mut ids = Vec::new();
    for n in numbers {
        ids.push(transport.publish(message(channel, n)).await.expect("publish"));
    }
    ids
}

async fn open(transport: &RedisTransport, channel: &str, start: StartAt) -> TransportStream {
    TransportStream::open(Arc::new(transport.clone()), channel, start)
        .await
        .expect("open a stream")
}

async fn next(stream: &mut TransportStream) -> Result<Arc<Delivery>, ContinuityLost> {
    tokio::time::timeout(WAIT, stream.next())
        .await
        .expect("a message within 5 s")
        .expect("the stream goes on")
}

async fn next_ok(stream: &mut TransportStream) -> Arc<Delivery> {
    next(stream).await.expect("a message, not a gap")
}

async fn assert_quiet(stream: &mut TransportStream) {
    if let Ok(item) = tokio::time::timeout(Duration::from_millis(200), stream.next()).await {
        panic!("expected nothing more, got {item:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishes_in_order_with_redis_ids() {
    let prefix = unique_prefix();
    let transport = transport(&prefix).await;
    assert_eq!(transport.kind(), "redis");
    let mut stream = open(&transport, "orders:1", StartAt::Live).await;

    let ids = publish_all(&transport, "orders:1", 1..=100).await;
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids increase: {ids:?}");
    for (n, id) in (1..=100).zip(&ids) {
        let delivery = next_ok(&mut stream).await;
        assert_eq!(number(&delivery), n);
        assert_eq!(delivery.envelope().id, *id);
        assert_eq!(delivery.envelope().channel, "orders:1");
        assert_eq!(delivery.envelope().topic, "n");
    }
    assert_quiet(&mut stream).await;

    // The ids are the stream's entry ids.
    let mut redis = Inspector::test_server();
    let last = redis.cmd(&[
        "XREVRANGE",
        &format!("{prefix}stream:orders:1"),
        "+",
        "-",
        "COUNT",
        "1",
    ]);
    assert_eq!(last.array()[0].array()[0].text(), ids[99].to_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_on_another_node_gets_everything_in_order() {
    let prefix = unique_prefix();
    let node_a = transport(&prefix).await;
    let node_b = transport(&prefix).await;
    let mut on_b = open(&node_b, "shared", StartAt::Live).await;
    let mut on_a = open(&node_a, "shared", StartAt::Live).await;

    let ids = publish_all(&node_a, "shared", 1..=200).await;
    for stream in [&mut on_b, &mut on_a] {
        for (n, id) in (1..=200).zip(&ids) {
            let delivery = next_ok(stream).await;
            assert_eq!((number(&delivery), delivery.envelope().id), (n, *id));
        }
        assert_quiet(stream).await;
    }

    // And the other way round.
    let ids = publish_all(&node_b, "shared", 201..=210).await;
    for (n, id) in (201..=210).zip(&ids) {
        let delivery = next_ok(&mut on_a).await;
        assert_eq!((number(&delivery), delivery.envelope().id), (n, *id));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_pubsub_connection_per_node() {
    let prefix = unique_prefix();
    let node = transport(&prefix).await;
    let channels: Vec<String> = (0..7).map(|i| format!("fan:{i}")).collect();
    let mut streams = Vec::new();
    for channel in &channels {
        for _ in 0..4 {
            streams.push(open(&node, channel, StartAt::Live).await);
        }
        // Feeds opened directly count too.
        streams.push(open(&node, channel, StartAt::Live).await.resubscribe());
    }

    let mut redis = Inspector::test_server();
    for channel in &channels {
        assert_eq!(
            redis.numsub(&format!("{prefix}chan:{channel}")),
            1,
            "one subscriber of {channel}"
        );
    }
    // That one subscriber is the same connection for all seven channels.
    let clients = redis.cmd(&["CLIENT", "LIST"]);
    assert!(
        clients.text().lines().any(|client| client.contains(" sub=7 ")),
        "a client subscribed to the 7 channels: {}",
        clients.text()
    );

    // A second node adds one connection.
    let other = transport(&prefix).await;
    let _other_stream = open(&other, &channels[0], StartAt::Live).await;
    assert_eq!(redis.numsub(&format!("{prefix}chan:{}", channels[0])), 2);

    // Every subscriber of a channel gets its messages.
    publish_all(&other, &channels[3], [7]).await;
    for stream in &mut streams[15..20] {
        assert_eq!(number(&next_ok(stream).await), 7);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_local_subscriber_unsubscribes() {
    let prefix = unique_prefix();
    let node = transport(&prefix).await;
    let pubsub = format!("{prefix}chan:leaving");
    let mut redis = Inspector::test_server();

    let first = open(&node, "leaving", StartAt::Live).await;
    let second = open(&node, "leaving", StartAt::Live).await;
    let third = second.resubscribe();
    assert_eq!(redis.numsub(&pubsub), 1);

    drop(first);
    drop(second);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(redis.numsub(&pubsub), 1, "a subscriber is left");

    drop(third);
    assert!(
        eventually(WAIT, || redis.numsub(&pubsub) == 0).await,
        "unsubscribed once the last subscriber left"
    );

    // Subscribing again works as the first time.
    let mut again = open(&node, "leaving", StartAt::Live).await;
    assert_eq!(redis.numsub(&pubsub), 1);
    publish_all(&node, "leaving", [1, 2]).await;
    assert_eq!(number(&next_ok(&mut again).await), 1);
    assert_eq!(number(&next_ok(&mut again).await), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribing_returns_once_redis_confirmed() {
    let prefix = unique_prefix();
    let publisher = transport(&prefix).await;
    let subscriber = transport(&prefix).await;
    // Many times: a message published right after `subscribe` returns is never lost.
    for round in 0..20 {
        let channel = format!("race:{round}");
        let mut stream = open(&subscriber, &channel, StartAt::Live).await;
        publish_all(&publisher, &channel, [round]).await;
        assert_eq!(number(&next_ok(&mut stream).await), round);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_feed_starts_after_the_newest_id() {
    let prefix = unique_prefix();
    let node = transport(&prefix).await;

    // A channel without a stream: no position.
    let feed = node.subscribe("fresh").await.expect("subscribe");
    assert_eq!(feed.after(), None);
    drop(feed);

    let ids = publish_all(&node, "used", 1..=3).await;
    let feed = node.subscribe("used").await.expect("subscribe");
    assert_eq!(feed.after(), Some(ids[2]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_is_complete_within_the_window_only() {
    let prefix = unique_prefix();
    let limits = HistoryLimits {
        max_len: 5,
        max_age: Duration::from_secs(60),
    };
    let node = transport_with(&prefix, limits).await;
    let ids = publish_all(&node, "short", 1..=50).await;

    // The last five are kept.
    let history = node.history("short", ids[44]).await.expect("history");
    assert!(history.complete);
    let numbers: Vec<u64> = history.deliveries.iter().map(number).collect();
    assert_eq!(numbers, vec![46, 47, 48, 49, 50]);
    assert_eq!(
        history
            .deliveries
            .iter()
            .map(|d| d.envelope().id)
            .collect::<Vec<_>>(),
        ids[45..].to_vec()
    );

    let history = node.history("short", ids[47]).await.expect("history");
    assert!(history.complete);
    assert_eq!(
        history.deliveries.iter().map(number).collect::<Vec<_>>(),
        vec![49, 50]
    );

    let history = node.history("short", ids[49]).await.expect("history");
    assert!(history.complete);
    assert!(history.deliveries.is_empty());

    // Message 45 was trimmed: history after 44 is not complete, after 0 neither.
    let history = node.history("short", ids[43]).await.expect("history");
    assert!(!history.complete);
    assert_eq!(history.deliveries.len(), 5);
    assert!(
        !node
            .history("short", MessageId::ZERO)
            .await
            .expect("history")
            .complete
    );

    let mut redis = Inspector::test_server();
    assert_eq!(redis.cmd(&["XLEN", &format!("{prefix}stream:short")]).int(), 5);

    // A channel with default limits keeps everything: complete from the start.
    let default_node = transport(&prefix).await;
    let ids_long = publish_all(&default_node, "longer", 1..=10).await;
    let history = default_node
        .history("longer", ids_long[3])
        .await
        .expect("history");
    assert!(history.complete);
    assert_eq!(
        history.deliveries.iter().map(number).collect::<Vec<_>>(),
        (5..=10).collect::<Vec<_>>()
    );
    let history = default_node
        .history("longer", MessageId::ZERO)
        .await
        .expect("history");
    assert!(history.complete);
    assert_eq!(history.deliveries.len(), 10);

    // A channel without a stream: complete only from the start.
    let history = node.history("never", MessageId::ZERO).await.expect("history");
    assert!(history.complete && history.deliveries.is_empty());
    assert!(
        !node
            .history("never", ids_long[0])
            .await
            .expect("history")
            .complete
    );

    // An id older than a stream that never lost an entry is from an earlier instance of
    // it (expired or lost): not complete.
    let older = MessageId::new(ids_long[0].millis() - 1, 0);
    assert!(
        !default_node
            .history("longer", older)
            .await
            .expect("history")
            .complete
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aged_messages_leave_history() {
    let prefix = unique_prefix();
    let limits = HistoryLimits {
        max_len: 100,
        max_age: Duration::from_millis(1_000),
    };
    let node = transport_with(&prefix, limits).await;
    let first = publish_all(&node, "aging", [1]).await[0];
    tokio::time::sleep(Duration::from_millis(600)).await;
    let second = publish_all(&node, "aging", [2]).await[0];
    tokio::time::sleep(Duration::from_millis(600)).await;
    // Message 1 is 1.2 s old now: this publish trims it.
    publish_all(&node, "aging", [3]).await;

    let history = node.history("aging", first).await.expect("history");
    assert!(history.complete);
    assert_eq!(
        history.deliveries.iter().map(number).collect::<Vec<_>>(),
        vec![2, 3]
    );
    let history = node.history("aging", MessageId::ZERO).await.expect("history");
    assert!(!history.complete, "message 1 aged out");
    assert_eq!(history.deliveries.len(), 2);
    assert!(node.history("aging", second).await.expect("history").complete);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resuming_gets_the_missed_messages_then_live_ones() {
    let prefix = unique_prefix();
    let publisher = transport(&prefix).await;
    let subscriber = transport(&prefix).await;
    let ids = publish_all(&publisher, "resume", 1..=10).await;

    let mut stream = open(&subscriber, "resume", StartAt::After(ids[4])).await;
    for (n, id) in (6..=10).zip(&ids[5..]) {
        let delivery = next_ok(&mut stream).await;
        assert_eq!((number(&delivery), delivery.envelope().id), (n, *id));
    }
    let live = publish_all(&publisher, "resume", 11..=15).await;
    for (n, id) in (11..=15).zip(&live) {
        let delivery = next_ok(&mut stream).await;
        assert_eq!((number(&delivery), delivery.envelope().id), (n, *id));
    }
    assert_quiet(&mut stream).await;
    assert_eq!(stream.last_id(), Some(live[4]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resuming_before_the_history_reports_the_gap() {
    let prefix = unique_prefix();
    let limits = HistoryLimits {
        max_len: 5,
        max_age: Duration::from_secs(60),
    };
    let node = transport_with(&prefix, limits).await;
    let ids = publish_all(&node, "gap", 1..=20).await;

    let mut stream = open(&node, "gap", StartAt::After(ids[2])).await;
    let gap = next(&mut stream).await.expect_err("a gap first");
    assert_eq!(gap.cause, GapCause::HistoryExpired);
    assert_eq!(gap.last_seen, Some(ids[2]));
    for n in 16..=20 {
        assert_eq!(number(&next_ok(&mut stream).await), n);
    }
    publish_all(&node, "gap", [21]).await;
    assert_eq!(number(&next_ok(&mut stream).await), 21);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lagging_subscriber_recovers_from_history() {
    let prefix = unique_prefix();
    let url = url();
    let node = RedisTransport::builder(url.as_str())
        .key_prefix(prefix.as_str())
        .capacity(4)
        .connect()
        .await
        .expect("connect");
    let mut stream = open(&node, "lag", StartAt::Live).await;
    publish_all(&node, "lag", 1..=40).await;
    // Let the node forward everything into the 4-message buffer.
    tokio::time::sleep(Duration::from_millis(300)).await;
    for n in 1..=40 {
        assert_eq!(number(&next_ok(&mut stream).await), n);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_channels_expire() {
    let prefix = unique_prefix();
    let limits = HistoryLimits {
        max_len: 100,
        max_age: Duration::from_secs(60),
    };
    let node = transport_with(&prefix, limits).await;
    publish_all(&node, "expiring", [1]).await;
    let mut redis = Inspector::test_server();
    let ttl = redis.cmd(&["PTTL", &format!("{prefix}stream:expiring")]).int();
    assert!(ttl > 0 && ttl <= 60_000, "PTTL {ttl}");

    // A short age: the key is gone soon after the last publish.
    let short = transport_with(
        &prefix,
        HistoryLimits {
            max_len: 100,
            max_age: Duration::from_millis(300),
        },
    )
    .await;
    publish_all(&short, "brief", [1]).await;
    let key = format!("{prefix}stream:brief");
    assert_eq!(redis.cmd(&["EXISTS", &key]).int(), 1);
    assert!(
        eventually(WAIT, || redis.cmd(&["EXISTS", &key]).int() == 0).await,
        "the idle channel's stream expired"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connecting_to_nothing_fails() {
    let port = redis_support::free_port();
    let started = std::time::Instant::now();
    let result = RedisTransport::connect(&format!("redis://127.0.0.1:{port}")).await;
    assert!(result.is_err());
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(RedisTransport::connect("not a url").await.is_err());
}
