//! `POST /v1/realtime/publish` with an `Idempotency-Key` header: sent at most once per key
//! and channel; a repeat answers the first id with `Idempotent-Replayed: true`; a bad key
//! is `400 invalid_idempotency_key`.

use realtime::{Realtime, RedisTransport};
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{json, Value};

use crate::support::{config, Reply, TestGateway, WsClient, SIGNING_KEY};
use crate::transports::redis_support;
use crate::{assert_serving, start, start_over, target};

fn key(value: &'static str) -> (&'static str, HeaderValue) {
    ("idempotency-key", HeaderValue::from_static(value))
}

fn replayed(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("idempotent-replayed")
        .map(|v| v.to_str().expect("an ASCII header"))
}

/// Publishes `{"message": <message>, "percent": 1}` to `channel`'s status topic.
async fn publish(
    gw: &TestGateway,
    channel: &str,
    message: &str,
    headers: &[(&str, HeaderValue)],
) -> (Reply, HeaderMap) {
    let body = json!({ "message": message, "percent": 1 }).to_string();
    gw.publish_with_headers(Some(SIGNING_KEY), &target(channel, "status"), body, headers)
        .await
}

/// Publishes an `end` marker without a key and reads WebSocket messages up to it: what was
/// delivered meanwhile.
async fn until_end(gw: &TestGateway, ws: &mut WsClient, channel: &str) -> Vec<Value> {
    let (reply, _) = publish(gw, channel, "end", &[]).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let mut seen = Vec::new();
    loop {
        let envelope = ws.next_json().await;
        if envelope["data"]["message"] == "end" {
            return seen;
        }
        seen.push(envelope);
    }
}

#[tokio::test]
async fn a_repeated_key_answers_the_first_id_and_delivers_once() {
    let gw = start(config()).await;
    let channel = "pipeline:idem";
    let mut ws = gw.ws_ok(&gw.token(channel, &["status"])).await;

    let (first, first_headers) = publish(&gw, channel, "done", &[key("run-1:done")]).await;
    assert_eq!(first.status, 200, "{first:?}");
    assert_eq!(replayed(&first_headers), None, "the first publish is no replay");
    let id = first.body["id"].as_str().expect("an id").to_owned();

    // A retry, with the same body or another: the first id, and nothing sent.
    for message in ["done", "done, differently"] {
        let (again, headers) = publish(&gw, channel, message, &[key("run-1:done")]).await;
        assert_eq!(
            (again.status, &again.body),
            (200, &json!({ "id": id })),
            "{again:?}"
        );
        assert_eq!(replayed(&headers), Some("true"));
    }
    // A request is checked before its key is looked at.
    let (invalid, _) = gw
        .publish_with_headers(
            Some(SIGNING_KEY),
            &target(channel, "status"),
            r#"{"message": "done", "percent": 150}"#,
            &[key("run-1:done")],
        )
        .await;
    invalid.assert_error(400, "schema_violation");

    let seen = until_end(&gw, &mut ws, channel).await;
    assert_eq!(seen.len(), 1, "delivered once: {seen:?}");
    assert_eq!(
        (&seen[0]["id"], &seen[0]["data"]["message"]),
        (&json!(id), &json!("done"))
    );
    ws.close().await;
}

#[tokio::test]
async fn keys_are_scoped_per_channel_and_distinct_keys_publish() {
    let gw = start(config()).await;
    let mut ws_a = gw.ws_ok(&gw.token("pipeline:a", &["status"])).await;
    let mut ws_b = gw.ws_ok(&gw.token("pipeline:b", &["status"])).await;

    let (on_a, headers_a) = publish(&gw, "pipeline:a", "done", &[key("k")]).await;
    let (on_b, headers_b) = publish(&gw, "pipeline:b", "done", &[key("k")]).await;
    let (other, headers_other) = publish(&gw, "pipeline:a", "other", &[key("k2")]).await;
    for (reply, headers) in [(&on_a, &headers_a), (&on_b, &headers_b), (&other, &headers_other)] {
        assert_eq!(reply.status, 200, "{reply:?}");
        assert_eq!(replayed(headers), None);
    }
    assert_ne!(on_a.body["id"], other.body["id"]);

    let seen_a = until_end(&gw, &mut ws_a, "pipeline:a").await;
    let seen_b = until_end(&gw, &mut ws_b, "pipeline:b").await;
    let ids = |seen: &[Value]| seen.iter().map(|e| e["id"].clone()).collect::<Vec<_>>();
    assert_eq!(
        ids(&seen_a),
        vec![on_a.body["id"].clone(), other.body["id"].clone()]
    );
    assert_eq!(ids(&seen_b), vec![on_b.body["id"].clone()]);
    ws_a.close().await;
    ws_b.close().await;
}

#[tokio::test]
async fn a_bad_idempotency_key_is_400_and_publishes_nothing() {
    let gw = start(config()).await;
    let channel = "pipeline:bad-key";
    let mut ws = gw.ws_ok(&gw.token(channel, &["status"])).await;
    let long = HeaderValue::from_str(&"k".repeat(256)).unwrap();
    let bad: Vec<(&str, Vec<(&str, HeaderValue)>)> = vec![
        ("empty", vec![key("")]),
        ("256 bytes", vec![("idempotency-key", long)]),
        ("a space", vec![key("run 1")]),
        (
            "not ASCII",
            vec![(
                "idempotency-key",
                HeaderValue::from_bytes("clé".as_bytes()).unwrap(),
            )],
        ),
        ("given twice", vec![key("a"), key("b")]),
    ];
    for (what, headers) in &bad {
        let (reply, _) = publish(&gw, channel, "x", headers).await;
        assert_eq!(reply.status, 400, "{what}: {reply:?}");
        reply.assert_error(400, "invalid_idempotency_key");
    }
    let longest = HeaderValue::from_str(&"k".repeat(255)).unwrap();
    let (ok, _) = publish(&gw, channel, "ok", &[("idempotency-key", longest)]).await;
    assert_eq!(ok.status, 200, "255 bytes is the limit: {ok:?}");

    let seen = until_end(&gw, &mut ws, channel).await;
    assert_eq!(seen.len(), 1, "only the valid publish: {seen:?}");
    assert_eq!(seen[0]["id"], ok.body["id"]);
    ws.close().await;
    assert_serving(&gw).await;
}

/// Two gateways over one Redis: a publish retried through the other node is still sent
/// once.
#[tokio::test]
async fn a_retry_through_another_node_is_a_replay() {
    let prefix = redis_support::unique_prefix();
    let node = || async {
        let transport = RedisTransport::builder(redis_support::url())
            .key_prefix(prefix.clone())
            .connect()
            .await
            .expect("a Redis server (scripts/test starts one)");
        start_over(Realtime::new(transport), config()).await
    };
    let (a, b) = (node().await, node().await);
    let channel = "pipeline:nodes";
    let mut ws = b.ws_ok(&b.token(channel, &["status"])).await;

    let (first, first_headers) = publish(&a, channel, "done", &[key("run-7:done")]).await;
    let (again, again_headers) = publish(&b, channel, "done", &[key("run-7:done")]).await;
    assert_eq!((first.status, again.status), (200, 200), "{first:?} {again:?}");
    assert_eq!(again.body["id"], first.body["id"]);
    assert_eq!(
        (replayed(&first_headers), replayed(&again_headers)),
        (None, Some("true"))
    );

    let seen = until_end(&b, &mut ws, channel).await;
    assert_eq!(seen.len(), 1, "delivered once: {seen:?}");
    assert_eq!(seen[0]["id"], first.body["id"]);
    ws.close().await;
}
