//! Revocation: a token, a subject's tokens or a channel's tokens revoked on one node close
//! the connections holding them on every node sharing the transport (here two gateways on
//! one Redis), with a `closing` notice, and refuse their new uses everywhere.

use std::time::Duration;

use realtime::gateway::{Gateway, RevocationTarget, REVOCATION_CHANNEL, REVOKED_CLOSE};
use realtime::{Realtime, RedisTransport};
use serde_json::{json, Value};

use crate::support::{config, guard, unix_now, TestGateway, WsClient, SIGNING_KEY};
use crate::transports::redis_support::{unique_prefix, url};
use crate::{start, target, Pipeline};

/// A gateway over Redis with key prefix `prefix`: gateways with one prefix are one cluster.
async fn node(prefix: &str) -> TestGateway {
    let transport = RedisTransport::builder(url())
        .key_prefix(prefix)
        .connect()
        .await
        .expect("connect to the test Redis");
    let gateway = Gateway::new(Realtime::new(transport), config())
        .expect("a valid configuration")
        .register::<Pipeline>();
    TestGateway::start(gateway).await
}

/// The next text frame that is not a `position` notice.
async fn next_frame(ws: &mut WsClient) -> Value {
    loop {
        let frame = ws.next_json().await;
        if frame["kind"] != "position" {
            return frame;
        }
    }
}

/// Asserts the `closing` notice with code `revoked`, then the close frame.
async fn assert_revoked(ws: &mut WsClient) {
    let closing = next_frame(ws).await;
    assert_eq!(
        (&closing["kind"], &closing["data"]["code"]),
        (&json!("closing"), &json!("revoked")),
        "{closing}"
    );
    assert_eq!(ws.next_close_code().await, REVOKED_CLOSE);
}

/// Asserts that subscribing with `token` is refused with `token_revoked`.
async fn assert_refused(gw: &TestGateway, token: &str) {
    let Err(reply) = gw.ws(Some(token), None).await else {
        panic!("a revoked token subscribed");
    };
    reply.assert_error(401, "token_revoked");
    let Err(reply) = gw.sse(Some(token), None).await else {
        panic!("a revoked token subscribed over SSE");
    };
    reply.assert_error(401, "token_revoked");
}

#[tokio::test]
async fn a_subject_revoked_on_one_node_is_cut_off_on_the_other() {
    let prefix = unique_prefix();
    let a = node(&prefix).await;
    let b = node(&prefix).await;
    let channel = "pipeline:revoked-sub";
    let alice = |gw: &TestGateway, publish: bool| {
        gw.gateway
            .tokens()
            .mint_names_for("alice", channel, ["status"], publish)
            .unwrap()
            .jwt
    };
    let token = alice(&b, false);
    let bob = b
        .gateway
        .tokens()
        .mint_names_for("bob", channel, ["status"], false)
        .unwrap()
        .jwt;
    let mut on_b = b.ws_ok(&token).await;
    let mut sse_on_b = b.sse_ok(&token).await;
    let mut bob_on_b = b.ws_ok(&bob).await;
    let publish_token = alice(&a, true);

    let reply = a.revoke_over_http(Some(SIGNING_KEY), r#"{"sub": "alice"}"#).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body["target"], json!({ "sub": "alice" }));
    assert!(reply.body["revoked_at"].as_u64().unwrap() >= unix_now() - 1);

    assert_revoked(&mut on_b).await;
    let closing = guard("the SSE closing event", async {
        loop {
            let event = sse_on_b.next_data_event().await;
            if event.event.as_deref() == Some("closing") {
                return serde_json::from_str::<Value>(event.data.as_deref().unwrap()).unwrap();
            }
        }
    })
    .await;
    assert_eq!(closing["data"]["code"], "revoked", "{closing}");
    assert!(sse_on_b.ends().await);

    // Refused on both nodes, for subscribing and for publishing.
    assert_refused(&a, &token).await;
    assert_refused(&b, &token).await;
    let published = b
        .publish(
            Some(&publish_token),
            &target(channel, "status"),
            r#"{"message":"x","percent":1}"#,
        )
        .await;
    published.assert_error(401, "token_revoked");

    // Bob's connection is not touched.
    let published = a
        .publish(
            Some(SIGNING_KEY),
            &target(channel, "status"),
            r#"{"message":"still","percent":1}"#,
        )
        .await;
    assert_eq!(published.status, 200, "{published:?}");
    assert_eq!(next_frame(&mut bob_on_b).await["data"]["message"], "still");

    // Alice's tokens minted after the revocation (from the next second on) work again.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let mut again = b.ws_ok(&alice(&b, false)).await;
    let published = a
        .publish(
            Some(SIGNING_KEY),
            &target(channel, "status"),
            r#"{"message":"back","percent":1}"#,
        )
        .await;
    assert_eq!(published.status, 200);
    assert_eq!(next_frame(&mut again).await["data"]["message"], "back");
}

#[tokio::test]
async fn a_node_started_after_a_revocation_learns_it_from_the_control_channel() {
    let prefix = unique_prefix();
    let a = node(&prefix).await;
    let token = a.token("pipeline:late", &["status"]);
    let claims = a.gateway.check_token(&token).await.unwrap();
    a.gateway
        .revoke(RevocationTarget::Jti(claims.jti.clone()))
        .await
        .unwrap();
    let late = node(&prefix).await;
    guard("the late node applying the revocation", async {
        while late.gateway.check_token(&token).await.is_ok() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert_refused(&late, &token).await;
}

#[tokio::test]
async fn revoking_one_token_closes_only_its_connections_and_refuses_its_refresh() {
    let gw = start(config()).await;
    let channel = "pipeline:one-token";
    let first = gw
        .gateway
        .tokens()
        .mint_names(channel, ["status"], false)
        .unwrap();
    let second = gw.token(channel, &["status"]);
    let mut held = gw.ws_ok(&first.jwt).await;
    let mut other = gw.ws_ok(&second).await;
    let reply = other.request(&json!({ "kind": "refresh", "data": second })).await;
    assert_eq!(reply["data"]["ok"], true, "{reply}");

    gw.gateway
        .revoke(RevocationTarget::Jti(first.claims.jti.clone()))
        .await
        .unwrap();
    assert_revoked(&mut held).await;
    let reply = other
        .request(&json!({ "kind": "refresh", "data": first.jwt }))
        .await;
    assert_eq!(reply["data"]["code"], "token_revoked", "{reply}");
    let reply = other.request(&json!({ "kind": "sub", "data": first.jwt })).await;
    assert_eq!(reply["data"]["code"], "token_revoked", "{reply}");
    let published = gw
        .publish(
            Some(SIGNING_KEY),
            &target(channel, "status"),
            r#"{"message":"on","percent":1}"#,
        )
        .await;
    assert_eq!(published.status, 200);
    assert_eq!(next_frame(&mut other).await["data"]["message"], "on");
}

#[tokio::test]
async fn revoking_a_channel_closes_every_connection_to_it() {
    let gw = start(config()).await;
    let token = gw.token("pipeline:closed-room", &["status"]);
    let mut ws = gw.ws_ok(&token).await;
    let elsewhere = gw.token("pipeline:open-room", &["status"]);
    let mut kept = gw.ws_ok(&elsewhere).await;
    let reply = gw
        .revoke_over_http(Some(SIGNING_KEY), r#"{"channel": "pipeline:closed-room"}"#)
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_revoked(&mut ws).await;
    assert_refused(&gw, &token).await;
    let metrics = gw.metrics().await;
    assert!(
        metrics.contains("realtime_connections_ended_total{reason=\"revoked\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("realtime_auth_failures_total{reason=\"token_revoked\"} 2"),
        "{metrics}"
    );
    let reply = kept
        .request(&json!({ "kind": "refresh", "data": elsewhere }))
        .await;
    assert_eq!(reply["data"]["ok"], true, "{reply}");
}

#[tokio::test]
async fn bad_revocation_requests_are_refused_with_their_code() {
    let gw = start(config()).await;
    gw.revoke_over_http(None, r#"{"jti": "x"}"#)
        .await
        .assert_error(401, "unauthorized");
    gw.revoke_over_http(Some("signkey-test-wrong"), r#"{"jti": "x"}"#)
        .await
        .assert_error(401, "unauthorized");
    for body in [
        "",
        "not json",
        "{}",
        "[]",
        r#"{"jti": 1}"#,
        r#"{"jti": "a", "sub": "b"}"#,
        r#"{"user": "a"}"#,
        r#"{"jti": ""}"#,
        r#"{"sub": ""}"#,
        r#"{"channel": "a b"}"#,
        r#"{"channel": "$realtime:revocations"}"#,
    ] {
        gw.revoke_over_http(Some(SIGNING_KEY), body)
            .await
            .assert_error(400, "invalid_revocation");
    }
    crate::assert_serving(&gw).await;
}

#[tokio::test]
async fn the_control_channel_is_out_of_every_client_s_reach() {
    let gw = start(config()).await;
    let reply = gw
        .publish(
            Some(SIGNING_KEY),
            &target(REVOCATION_CHANNEL, "revoke"),
            r#"{"target":{"sub":"x"},"revoked_at":0}"#,
        )
        .await;
    reply.assert_error(400, "invalid_channel_name");
    let body = json!([{ "channel": REVOCATION_CHANNEL, "name": "revoke" }]).to_string();
    gw.mint_over_http(Some(SIGNING_KEY), "", &body)
        .await
        .assert_error(400, "invalid_channel_name");
    // Even a token signed with the key (minted in-process) cannot subscribe to it.
    let token = gw.token(REVOCATION_CHANNEL, &["revoke"]);
    let Err(reply) = gw.ws(Some(&token), None).await else {
        panic!("subscribed to the control channel");
    };
    reply.assert_error(400, "invalid_channel_name");
}

#[tokio::test]
async fn subjects_are_minted_over_http_and_overlong_tokens_refused() {
    let gw = start(config()).await;
    let body = json!([{ "channel": "pipeline:s", "name": "status" }]).to_string();
    let reply = gw.mint_over_http(Some(SIGNING_KEY), "?sub=carol", &body).await;
    assert_eq!(reply.status, 201, "{reply:?}");
    let claims = gw
        .gateway
        .check_token(reply.body["jwt"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(claims.sub.as_deref(), Some("carol"));
    let reply = gw.mint_over_http(Some(SIGNING_KEY), "", &body).await;
    let claims = gw
        .gateway
        .check_token(reply.body["jwt"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(claims.sub, None, "no subject unless asked for");

    let long = gw
        .gateway
        .tokens()
        .clone()
        .with_ttl(Duration::from_secs(2 * 24 * 60 * 60))
        .mint_names("pipeline:s", ["status"], false)
        .unwrap()
        .jwt;
    let Err(reply) = gw.ws(Some(&long), None).await else {
        panic!("a token living two days subscribed");
    };
    reply.assert_error(401, "token_lifetime_too_long");
}
