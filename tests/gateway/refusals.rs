//! Refusals in `/metrics`: every refused request or WebSocket frame is counted once, in
//! `realtime_auth_failures_total{reason}`, `realtime_validation_failures_total` or
//! `realtime_rejected_requests_total{reason}`, whichever route refused it and however.

use realtime::gateway::GatewayConfig;
use serde_json::json;

use crate::support::{config, unix_now, SIGNING_KEY};
use crate::{start, target};

/// The value of the metric line starting with `series` (name and labels), 0 if absent.
pub(crate) fn value(metrics: &str, series: &str) -> u64 {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0, |v| v.parse().expect("a counter value"))
}

fn rejected(metrics: &str, reason: &str) -> u64 {
    value(
        metrics,
        &format!("realtime_rejected_requests_total{{reason=\"{reason}\"}}"),
    )
}

fn auth_failures(metrics: &str, reason: &str) -> u64 {
    value(
        metrics,
        &format!("realtime_auth_failures_total{{reason=\"{reason}\"}}"),
    )
}

/// Every refusal counted, in all three families.
fn refusals(metrics: &str) -> u64 {
    metrics
        .lines()
        .filter(|line| {
            line.starts_with("realtime_rejected_requests_total")
                || line.starts_with("realtime_auth_failures_total")
                || line.starts_with("realtime_validation_failures_total")
        })
        .filter_map(|line| line.rsplit(' ').next()?.parse::<u64>().ok())
        .sum()
}

#[tokio::test]
async fn a_malformed_query_is_refused_and_counted_on_every_route() {
    let gw = start(config()).await;
    let token = gw.token("pipeline:q", &["status"]);
    let twice = format!("{}&channel=pipeline:other", target("pipeline:q", "status"));
    gw.publish(Some(SIGNING_KEY), &twice, r#"{"message": "x", "percent": 1}"#)
        .await
        .assert_error(400, "malformed_query");
    gw.mint_over_http(Some(SIGNING_KEY), "?publish=true&publish=false", "[]")
        .await
        .assert_error(400, "malformed_query");
    let ws = gw.ws(Some(&format!("{token}&since=&since=")), None).await;
    ws.err().expect("refused").assert_error(400, "malformed_query");
    let sse = gw
        .sse_with(Some(&token), None, &[("token", token.as_str())], &[])
        .await;
    sse.err().expect("refused").assert_error(400, "malformed_query");

    let metrics = gw.metrics().await;
    assert_eq!(rejected(&metrics, "malformed_query"), 4, "{metrics}");
    assert_eq!(refusals(&metrics), 4, "{metrics}");
}

#[tokio::test]
async fn an_invalid_resume_point_is_counted_from_the_query_the_header_and_a_sub_frame() {
    let gw = start(config()).await;
    let token = gw.token("pipeline:s", &["status"]);
    let ws = gw.ws(Some(&format!("{token}&since=yesterday")), None).await;
    ws.err().expect("refused").assert_error(400, "invalid_since");
    let sse = gw.sse_with(Some(&token), None, &[("since", "12")], &[]).await;
    sse.err().expect("refused").assert_error(400, "invalid_since");
    let sse = gw
        .sse_with(Some(&token), None, &[], &[("last-event-id", "not-an-id")])
        .await;
    sse.err().expect("refused").assert_error(400, "invalid_since");
    let mut ws = gw.ws_ok(&token).await;
    let reply = ws
        .request(&json!({ "kind": "sub", "data": token, "since": "yesterday" }))
        .await;
    assert_eq!(reply["data"]["code"], "invalid_since", "{reply}");

    let metrics = gw.metrics().await;
    assert_eq!(rejected(&metrics, "invalid_since"), 4, "{metrics}");
    assert_eq!(refusals(&metrics), 4, "{metrics}");
    ws.close().await;
}

#[tokio::test]
async fn each_refusal_raises_its_own_counter_by_exactly_one() {
    let gw = start(GatewayConfig {
        max_connections: 1,
        ..config()
    })
    .await;
    let token = gw.token("pipeline:once", &["status"]);
    let query = target("pipeline:once", "status");
    let expired = gw
        .gateway
        .tokens()
        .mint_at("pipeline:once", ["status"], false, unix_now() - 3600)
        .unwrap()
        .jwt;

    let before = gw.metrics().await;
    let reply = gw.sse(Some(&expired), None).await.err().expect("refused");
    reply.assert_error(401, "token_expired");
    let metrics = gw.metrics().await;
    assert_eq!(auth_failures(&metrics, "token_expired"), 1, "{metrics}");
    assert_eq!(refusals(&metrics), refusals(&before) + 1, "{metrics}");

    gw.publish(Some("signkey-wrong"), &query, "{}")
        .await
        .assert_error(401, "unauthorized");
    gw.publish(None, &query, "{}")
        .await
        .assert_error(401, "unauthorized");
    let reply = gw.ws(Some(&expired), None).await.err().expect("refused");
    reply.assert_error(401, "token_expired");
    let metrics = gw.metrics().await;
    assert_eq!(auth_failures(&metrics, "wrong_key"), 1, "{metrics}");
    assert_eq!(auth_failures(&metrics, "missing_credentials"), 1, "{metrics}");
    assert_eq!(auth_failures(&metrics, "token_expired"), 2, "{metrics}");
    assert_eq!(refusals(&metrics), 4, "{metrics}");

    gw.publish(Some(SIGNING_KEY), &query, r#"{"message": "bad", "percent": 101}"#)
        .await
        .assert_error(400, "schema_violation");
    gw.publish(Some(SIGNING_KEY), &query, "{not json")
        .await
        .assert_error(400, "malformed_json");
    gw.publish(Some(SIGNING_KEY), "channel=pipeline:once", "{}")
        .await
        .assert_error(400, "missing_topic");
    gw.mint_over_http(Some(SIGNING_KEY), "", "{not json")
        .await
        .assert_error(400, "invalid_token_request");
    let ws = gw.ws_ok(&token).await;
    let refused = gw.sse(Some(&token), None).await.err().expect("over the cap");
    refused.assert_error(503, "too_many_connections");

    let metrics = gw.metrics().await;
    assert_eq!(
        value(&metrics, "realtime_validation_failures_total"),
        1,
        "{metrics}"
    );
    for reason in [
        "malformed_json",
        "missing_topic",
        "invalid_token_request",
        "too_many_connections",
    ] {
        assert_eq!(rejected(&metrics, reason), 1, "{reason} in {metrics}");
    }
    assert_eq!(refusals(&metrics), 9, "{metrics}");

    // Accepted requests count nothing.
    gw.publish(Some(SIGNING_KEY), &query, r#"{"message": "ok", "percent": 1}"#)
        .await;
    gw.mint_over_http(
        Some(SIGNING_KEY),
        "",
        r#"[{"channel": "pipeline:once", "name": "status"}]"#,
    )
    .await;
    assert_eq!(refusals(&gw.metrics().await), 9);
    ws.close().await;
}

#[tokio::test]
async fn refused_websocket_frames_are_counted_once_each() {
    let gw = start(config()).await;
    let token = gw.token("pipeline:frames", &["status"]);
    let mut ws = gw.ws_ok(&token).await;
    ws.send_text("not json").await;
    assert_eq!(ws.next_json().await["data"]["code"], "malformed_frame");
    let reply = ws.request(&json!({ "kind": "shout" })).await;
    assert_eq!(reply["data"]["code"], "unknown_frame", "{reply}");
    let reply = ws.request(&json!({ "kind": "sub", "data": 7 })).await;
    assert_eq!(reply["data"]["code"], "malformed_frame", "{reply}");
    let reply = ws.request(&json!({ "kind": "sub", "data": "a.b.c" })).await;
    assert_eq!(reply["data"]["ok"], false, "{reply}");
    let code = reply["data"]["code"].as_str().expect("a code").to_owned();
    let reply = ws.request(&json!({ "kind": "unsub", "data": [] })).await;
    assert_eq!(reply["data"]["ok"], true, "{reply}");

    let metrics = gw.metrics().await;
    assert_eq!(rejected(&metrics, "malformed_frame"), 2, "{metrics}");
    assert_eq!(rejected(&metrics, "unknown_frame"), 1, "{metrics}");
    assert_eq!(auth_failures(&metrics, &code), 1, "{metrics}");
    assert_eq!(refusals(&metrics), 4, "{metrics}");
    ws.close().await;
}
