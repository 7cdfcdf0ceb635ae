//! Graceful shutdown, `/healthz` and `/metrics`.

use serde_json::json;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::support::{config, guard, unix_now, SIGNING_KEY};
use crate::{start, target};

#[tokio::test]
async fn shutdown_tells_every_subscriber_and_the_serve_future_completes() {
    let mut gw = start(config()).await;
    let token = gw.token("pipeline:bye", &["status"]);
    let mut ws = gw.ws_ok(&token).await;
    let mut sse = gw.sse_ok(&token).await;
    gw.wait_for_connections(2).await;

    let served = tokio::spawn(async move { gw.shutdown().await });
    let closing = ws.next_json().await;
    assert_eq!(closing["kind"], "closing", "{closing}");
    let close = ws.next_close().await.expect("a close frame with a code");
    assert_eq!(close.code, CloseCode::Away, "{close:?}");
    let event = sse.next_data_event().await;
    assert_eq!(event.event.as_deref(), Some("closing"), "{event:?}");
    guard("the shutdown task", served)
        .await
        .expect("no panic")
        .expect("serve returns Ok");
}

#[tokio::test]
async fn healthz_answers_200() {
    let gw = start(config()).await;
    let health = gw.get("/healthz").await;
    assert_eq!(health.status, 200);
    assert_eq!(
        health.body,
        json!({"status": "ok", "transport": "memory", "connections": 0})
    );
}

#[tokio::test]
async fn metrics_count_publishes_auth_failures_validation_failures_and_connections() {
    let gw = start(config()).await;
    let mut ws = gw.ws_ok(&gw.token("pipeline:m", &["status"])).await;
    let query = target("pipeline:m", "status");
    gw.publish(Some(SIGNING_KEY), &query, r#"{"message": "ok", "percent": 1}"#)
        .await;
    ws.next_json().await;
    gw.publish(Some(SIGNING_KEY), &query, r#"{"message": "bad", "percent": 101}"#)
        .await;
    let expired = gw
        .gateway
        .tokens()
        .mint_at("pipeline:m", ["status"], false, unix_now() - 3600)
        .unwrap()
        .jwt;
    gw.sse(Some(&expired), None).await.err().expect("refused");
    gw.publish(None, &query, "{}").await;

    let metrics = gw.metrics().await;
    for line in [
        "realtime_messages_published_total 1",
        "realtime_auth_failures_total{reason=\"token_expired\"} 1",
        "realtime_auth_failures_total{reason=\"missing_credentials\"} 1",
        "realtime_validation_failures_total 1",
        "realtime_connections{transport=\"ws\"} 1",
    ] {
        assert!(metrics.lines().any(|l| l == line), "`{line}` in:\n{metrics}");
    }
}
