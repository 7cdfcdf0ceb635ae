//! `POST /v1/realtime/token`: which keys mint, and how bad requests are refused.

use crate::support::{config, SIGNING_KEY};
use crate::{assert_serving, start, status, Pipeline, BARE_HASHED_KEY, JS_HASHED_KEY};

#[tokio::test]
async fn token_route_mints_with_the_raw_key_the_js_hashed_key_and_the_bare_hash() {
    let gw = start(config()).await;
    let body = r#"[{"channel": "pipeline:run-1", "name": "status", "kind": "run"}]"#;
    for key in [SIGNING_KEY, JS_HASHED_KEY, BARE_HASHED_KEY] {
        let reply = gw.mint_over_http(Some(key), "", body).await;
        assert_eq!(reply.status, 201, "minting with {key}: {reply:?}");
        let jwt = reply.body["jwt"].as_str().expect("`jwt` in the answer");
        let claims = gw
            .gateway
            .tokens()
            .verify(jwt)
            .expect("the minted token verifies");
        assert_eq!(claims.channel, "pipeline:run-1");
        assert_eq!(claims.topic_names().collect::<Vec<_>>(), ["status"]);
        assert!(!claims.publish, "a subscription token unless asked");
    }
    let reply = gw.mint_over_http(Some(SIGNING_KEY), "?publish=true", body).await;
    assert_eq!(reply.status, 201, "{reply:?}");
    let claims = gw
        .gateway
        .tokens()
        .verify(reply.body["jwt"].as_str().unwrap())
        .unwrap();
    assert!(claims.publish);
}

#[tokio::test]
async fn a_token_from_the_token_route_subscribes() {
    let gw = start(config()).await;
    let body = r#"[{"channel": "pipeline:run-2", "name": "status"}]"#;
    let reply = gw.mint_over_http(Some(SIGNING_KEY), "", body).await;
    let mut ws = gw.ws_ok(reply.body["jwt"].as_str().expect("a jwt")).await;
    let rt = gw.gateway.realtime();
    rt.publish(Pipeline::new("run-2").status(), status("minted", 5))
        .await
        .unwrap();
    assert_eq!(ws.next_json().await["data"]["message"], "minted");
}

#[tokio::test]
async fn token_route_without_or_with_a_wrong_key_is_401() {
    let gw = start(config()).await;
    let body = r#"[{"channel": "pipeline:run-1", "name": "status"}]"#;
    gw.mint_over_http(None, "", body)
        .await
        .assert_error(401, "unauthorized");
    for wrong in [
        "signkey-test-0123abce",
        "0123abcd0",
        "signkey-prod-ffff",
        &gw.token("pipeline:run-1", &["status"]),
    ] {
        gw.mint_over_http(Some(wrong), "", body)
            .await
            .assert_error(401, "unauthorized");
    }
    assert_serving(&gw).await;
}

#[tokio::test]
async fn token_route_refuses_malformed_empty_two_channel_and_invalid_name_requests_with_400() {
    let gw = start(config()).await;
    let key = Some(SIGNING_KEY);
    for malformed in [
        "not json",
        r#"{"channel": "pipeline:a", "name": "status"}"#,
        r#"[{"channel": "pipeline:a"}]"#,
    ] {
        gw.mint_over_http(key, "", malformed)
            .await
            .assert_error(400, "invalid_token_request");
    }
    gw.mint_over_http(key, "", "[]")
        .await
        .assert_error(400, "no_topics");
    let two = r#"[{"channel": "pipeline:a", "name": "status"}, {"channel": "pipeline:b", "name": "status"}]"#;
    gw.mint_over_http(key, "", two)
        .await
        .assert_error(400, "several_channels");
    gw.mint_over_http(key, "", r#"[{"channel": "pipeline a", "name": "status"}]"#)
        .await
        .assert_error(400, "invalid_channel_name");
    assert_serving(&gw).await;
}

#[tokio::test]
async fn token_route_refuses_an_unknown_topic_of_a_registered_channel_with_404() {
    let gw = start(config()).await;
    let body = r#"[{"channel": "pipeline:a", "name": "status"}, {"channel": "pipeline:a", "name": "nope"}]"#;
    gw.mint_over_http(Some(SIGNING_KEY), "", body)
        .await
        .assert_error(404, "unknown_topic");
    assert_serving(&gw).await;
}
