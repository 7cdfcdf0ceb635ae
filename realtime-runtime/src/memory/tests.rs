//! Unit tests of the in-memory transport.

use super::*;

fn delivery(channel: &str) -> Delivery {
    Delivery::new(realtime_core::Envelope::new(
        channel,
        "status",
        serde_json::json!({}),
    ))
}

fn publish_once(transport: &MemoryTransport, channel: &str, key: &str, ttl: Duration) -> Published {
    futures::executor::block_on(transport.publish_once(delivery(channel), key, ttl)).unwrap()
}

#[test]
fn keys_are_remembered_per_channel_until_they_expire() {
    let transport = MemoryTransport::new();
    let hour = Duration::from_secs(3600);
    let first = publish_once(&transport, "a", "k", hour);
    assert!(!first.duplicate);
    assert_eq!(
        publish_once(&transport, "a", "k", hour),
        Published::duplicate_of(first.id)
    );
    assert!(
        !publish_once(&transport, "b", "k", hour).duplicate,
        "another channel"
    );
    assert_eq!(transport.idempotency_key_count(), 2);

    let short = publish_once(&transport, "a", "short", Duration::from_millis(1));
    std::thread::sleep(Duration::from_millis(5));
    let again = publish_once(&transport, "a", "short", hour);
    assert!(
        !again.duplicate && again.id > short.id,
        "an expired key publishes again"
    );
    assert_eq!(
        transport.idempotency_key_count(),
        3,
        "the expired entry was replaced"
    );
}

#[test]
fn keys_outlive_their_channel_and_are_bounded() {
    let transport = MemoryTransport::builder().max_idempotency_keys(3).build();
    let hour = Duration::from_secs(3600);
    for i in 0..5 {
        publish_once(&transport, "a", &format!("k{i}"), hour + Duration::from_secs(i));
    }
    assert_eq!(transport.idempotency_key_count(), 3, "bounded");
    // The keys closest to expiring were forgotten first: k0 and k1.
    assert!(!publish_once(&transport, "a", "k0", hour).duplicate);
    assert!(publish_once(&transport, "a", "k4", hour).duplicate);

    // Expired keys are dropped by the sweep; a channel is freed without its keys.
    let transport = MemoryTransport::new();
    let kept = publish_once(&transport, "c", "k", hour);
    publish_once(&transport, "c", "gone", Duration::from_millis(1));
    transport.inner.sweep(now_ms() + 10 * 60 * 1000);
    assert_eq!(transport.channel_count(), 0, "the channel's history aged out");
    assert_eq!(
        transport.idempotency_key_count(),
        1,
        "only the expired key was dropped"
    );
    assert_eq!(
        publish_once(&transport, "c", "k", hour),
        Published::duplicate_of(kept.id)
    );
}
