//! `POST /v1/realtime/publish`: credentials, token scope, schema, size and media type.

use realtime::gateway::GatewayConfig;
use realtime::{Realtime, SigningKey, TokenAuthority};
use serde_json::json;

use crate::support::{config, SIGNING_KEY};
use crate::{assert_serving, start, start_over, target, JS_HASHED_KEY};

#[tokio::test]
async fn publish_with_the_key_answers_200_with_the_id_and_delivers() {
    let gw = start(config()).await;
    let mut sse = gw.sse_ok(&gw.token("pipeline:pub", &["status"])).await;
    let query = format!("{}&run_id=r-9&fn_id=f-1", target("pipeline:pub", "status"));
    let reply = gw
        .publish(
            Some(JS_HASHED_KEY),
            &query,
            r#"{"message": "over http", "percent": 50}"#,
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let (envelope, _) = sse.next_json().await;
    assert_eq!(envelope["id"], reply.body["id"]);
    assert_eq!(envelope["data"], json!({"message": "over http", "percent": 50}));
    assert_eq!(
        (&envelope["run_id"], &envelope["fn_id"]),
        (&json!("r-9"), &json!("f-1"))
    );
}

#[tokio::test]
async fn publish_without_or_with_a_wrong_key_is_401() {
    let gw = start(config()).await;
    let (query, body) = (
        target("pipeline:a", "status"),
        r#"{"message": "x", "percent": 1}"#,
    );
    gw.publish(None, &query, body)
        .await
        .assert_error(401, "unauthorized");
    gw.publish(Some("signkey-test-0123abce"), &query, body)
        .await
        .assert_error(401, "unauthorized");
    let foreign = TokenAuthority::new(SigningKey::new("another key"));
    let forged = foreign.mint_names("pipeline:a", ["status"], true).unwrap().jwt;
    gw.publish(Some(&forged), &query, body)
        .await
        .assert_error(401, "token_bad_signature");
    assert_serving(&gw).await;
}

#[tokio::test]
async fn publish_with_a_subscription_token_is_403_token_cannot_publish() {
    let gw = start(config()).await;
    let token = gw.token("pipeline:a", &["status"]);
    let reply = gw
        .publish(
            Some(&token),
            &target("pipeline:a", "status"),
            r#"{"message": "x", "percent": 1}"#,
        )
        .await;
    reply.assert_error(403, "token_cannot_publish");
    assert_serving(&gw).await;
}

#[tokio::test]
async fn a_publish_token_publishes_to_its_own_channel_and_topic() {
    let gw = start(config()).await;
    let token = gw.publish_token("pipeline:a", &["status"]);
    let mut ws = gw.ws_ok(&gw.token("pipeline:a", &["status"])).await;
    let reply = gw
        .publish(
            Some(&token),
            &target("pipeline:a", "status"),
            r#"{"message": "tok", "percent": 1}"#,
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(ws.next_json().await["data"]["message"], "tok");
}

#[tokio::test]
async fn a_publish_token_for_channel_a_on_channel_b_is_403_token_wrong_channel() {
    let gw = start(config()).await;
    let token = gw.publish_token("pipeline:a", &["status"]);
    let reply = gw
        .publish(
            Some(&token),
            &target("pipeline:b", "status"),
            r#"{"message": "x", "percent": 1}"#,
        )
        .await;
    reply.assert_error(403, "token_wrong_channel");
    assert_serving(&gw).await;
}

#[tokio::test]
async fn a_publish_token_for_a_topic_not_granted_is_403_token_topic_not_granted() {
    let gw = start(config()).await;
    let token = gw.publish_token("pipeline:a", &["status"]);
    let reply = gw
        .publish(
            Some(&token),
            &target("pipeline:a", "llm_tokens"),
            r#"{"text": "x"}"#,
        )
        .await;
    reply.assert_error(403, "token_topic_not_granted");
    assert_serving(&gw).await;
}

#[tokio::test]
async fn publishing_malformed_json_is_400_malformed_json() {
    let gw = start(config()).await;
    for body in ["{\"message\": ", "not json", ""] {
        gw.publish(Some(SIGNING_KEY), &target("pipeline:a", "status"), body)
            .await
            .assert_error(400, "malformed_json");
    }
    assert_serving(&gw).await;
}

#[tokio::test]
async fn publishing_against_the_schema_is_400_with_the_violations_and_not_delivered() {
    let gw = start(config()).await;
    let mut ws = gw.ws_ok(&gw.token("pipeline:s", &["status"])).await;
    let query = target("pipeline:s", "status");
    let reply = gw
        .publish(
            Some(SIGNING_KEY),
            &query,
            r#"{"message": "too far", "percent": 150}"#,
        )
        .await;
    reply.assert_error(400, "schema_violation");
    assert_eq!(reply.body["data"]["topic"], "status");
    assert_eq!(
        reply.body["data"]["violations"][0]["instance_path"], "/percent",
        "{reply:?}"
    );
    for wrong in [r#"{"message": 5, "percent": 1}"#, r#"{"percent": 1}"#, "[]"] {
        gw.publish(Some(SIGNING_KEY), &query, wrong)
            .await
            .assert_error(400, "schema_violation");
    }
    let reply = gw
        .publish(
            Some(SIGNING_KEY),
            &query,
            r#"{"message": "valid", "percent": 100}"#,
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(
        ws.next_json().await["data"]["message"],
        "valid",
        "no invalid message was delivered"
    );
    assert_serving(&gw).await;
}

#[tokio::test]
async fn publishing_over_the_size_limit_is_413_and_not_delivered() {
    let gw = start_over(Realtime::builder().max_payload_bytes(1024).build(), config()).await;
    let mut ws = gw.ws_ok(&gw.token("pipeline:big", &["status"])).await;
    let query = target("pipeline:big", "status");
    let big = json!({"message": "x".repeat(2000), "percent": 1}).to_string();
    gw.publish(Some(SIGNING_KEY), &query, big.clone())
        .await
        .assert_error(413, "payload_too_large");
    // Without a Content-Length, the limit applies while reading.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        big.as_bytes().chunks(256).map(|c| Ok(c.to_vec())).collect();
    let chunked = reqwest::Body::wrap_stream(futures::stream::iter(chunks));
    gw.publish(Some(SIGNING_KEY), &query, chunked)
        .await
        .assert_error(413, "payload_too_large");
    let reply = gw
        .publish(Some(SIGNING_KEY), &query, r#"{"message": "small", "percent": 2}"#)
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(
        ws.next_json().await["data"]["message"],
        "small",
        "no oversize message was delivered"
    );
    assert_serving(&gw).await;
}

#[tokio::test]
async fn publishing_to_an_unknown_channel_passes_through_when_not_strict() {
    let gw = start(config()).await;
    let mut ws = gw.ws_ok(&gw.token("elsewhere:1", &["anything"])).await;
    let reply = gw
        .publish(
            Some(SIGNING_KEY),
            &target("elsewhere:1", "anything"),
            r#"{"free": ["form"]}"#,
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(ws.next_json().await["data"], json!({"free": ["form"]}));
}

#[tokio::test]
async fn publishing_to_an_unknown_channel_of_a_strict_gateway_is_404_unknown_channel() {
    let gw = start(GatewayConfig {
        strict: true,
        ..config()
    })
    .await;
    let reply = gw
        .publish(
            Some(SIGNING_KEY),
            &target("elsewhere:1", "anything"),
            r#"{"free": "form"}"#,
        )
        .await;
    reply.assert_error(404, "unknown_channel");
    let body = r#"[{"channel": "elsewhere:1", "name": "anything"}]"#;
    gw.mint_over_http(Some(SIGNING_KEY), "", body)
        .await
        .assert_error(404, "unknown_channel");
    assert_serving(&gw).await;
}

#[tokio::test]
async fn publishing_without_a_channel_or_topic_or_to_an_invalid_name_is_400() {
    let gw = start(config()).await;
    let body = r#"{"message": "x", "percent": 1}"#;
    gw.publish(Some(SIGNING_KEY), "topic=status", body)
        .await
        .assert_error(400, "missing_channel");
    gw.publish(Some(SIGNING_KEY), "channel=&topic=status", body)
        .await
        .assert_error(400, "missing_channel");
    gw.publish(Some(SIGNING_KEY), "channel=pipeline:a", body)
        .await
        .assert_error(400, "missing_topic");
    gw.publish(Some(SIGNING_KEY), &target("pipeline:a%20b", "status"), body)
        .await
        .assert_error(400, "invalid_channel_name");
    assert_serving(&gw).await;
}
