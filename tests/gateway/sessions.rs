//! Sessions: a connection ends when its token (or the gateway's maximum) says, with a
//! `session_expiring` notice first and a `closing` notice last; an in-band `refresh` with a
//! fresh token extends it without a reconnect or a lost message; every bad refresh is
//! refused with its code and leaves the session as it was; SSE subscribers reconnect with
//! a fresh token and `Last-Event-ID` and lose nothing.

use std::time::Duration;

use realtime::gateway::{GatewayConfig, RevocationTarget, SESSION_EXPIRED_CLOSE};
use realtime::{SigningKey, TokenAuthority};
use serde_json::{json, Value};

use crate::support::{config, guard, unix_now, SseClient, TestGateway, WsClient, SIGNING_KEY};
use crate::{start, target};

/// An authority with the gateway's key minting tokens that live `secs` seconds.
fn short_tokens(gw: &TestGateway, secs: u64) -> TokenAuthority {
    gw.gateway.tokens().clone().with_ttl(Duration::from_secs(secs))
}

fn mint(tokens: &TokenAuthority, channel: &str, topics: &[&str]) -> String {
    tokens
        .mint_names(channel, topics.iter().copied(), false)
        .expect("mint a token")
        .jwt
}

/// Publishes `{"message": <n>, "percent": 1}` to `channel`'s `status` topic.
async fn publish(gw: &TestGateway, channel: &str, n: u64) {
    let body = json!({ "message": n.to_string(), "percent": 1 }).to_string();
    let reply = gw
        .publish(Some(SIGNING_KEY), &target(channel, "status"), body)
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
}

/// The next text frame that is not a `position` notice (sent when a subscription is
/// confirmed, which this file does not test).
async fn next_frame(ws: &mut WsClient) -> Value {
    loop {
        let frame = ws.next_json().await;
        if frame["kind"] != "position" {
            return frame;
        }
    }
}

#[tokio::test]
async fn a_short_token_refreshed_in_band_keeps_a_websocket_open_with_every_message() {
    let gw = start(config()).await;
    let tokens = short_tokens(&gw, 3);
    let channel = "pipeline:refreshed";
    let mut ws = gw.ws_ok(&mint(&tokens, channel, &["status"])).await;
    let publisher = {
        let url = gw.url("");
        tokio::spawn(async move {
            let http = reqwest::Client::new();
            for n in 0..50u64 {
                let body = json!({ "message": n.to_string(), "percent": 1 }).to_string();
                let reply = http
                    .post(format!("{url}/v1/realtime/publish?{}", target(channel, "status")))
                    .bearer_auth(SIGNING_KEY)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .expect("publish");
                assert_eq!(reply.status().as_u16(), 200);
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
    };
    let mut received = Vec::new();
    let mut refreshes = 0;
    while received.len() < 50 {
        let frame = next_frame(&mut ws).await;
        match frame["kind"].as_str() {
            Some("session_expiring") => {
                assert_eq!(frame["data"]["reason"], "token", "{frame}");
                let fresh = mint(&tokens, channel, &["status"]);
                ws.send_text(&json!({ "kind": "refresh", "data": fresh }).to_string())
                    .await;
            }
            Some("refresh") => {
                assert_eq!(frame["data"]["ok"], true, "{frame}");
                assert!(
                    frame["data"]["expires_at"].as_u64().unwrap() >= unix_now(),
                    "{frame}"
                );
                refreshes += 1;
            }
            Some("data") => received.push(frame["data"]["message"].as_str().unwrap().parse::<u64>().unwrap()),
            _ => panic!("unexpected frame {frame}"),
        }
    }
    guard("the publisher", publisher).await.unwrap();
    assert_eq!(
        received,
        (0..50).collect::<Vec<_>>(),
        "every message, in order, once"
    );
    assert!(
        refreshes >= 2,
        "the 3 s token was refreshed through ~10 s: {refreshes}"
    );
    // Still the same connection, still delivering.
    publish(&gw, channel, 50).await;
    assert_eq!(next_frame(&mut ws).await["data"]["message"], "50");
    assert_eq!(gw.connections().await, 1);
    ws.close().await;
}

#[tokio::test]
async fn without_a_refresh_the_connection_gets_the_notice_then_closing() {
    let gw = start(config()).await;
    let token = short_tokens(&gw, 2)
        .mint_names("pipeline:lapsing", ["status"], false)
        .unwrap();
    let mut ws = gw.ws_ok(&token.jwt).await;
    let notice = next_frame(&mut ws).await;
    assert_eq!(notice["kind"], "session_expiring", "{notice}");
    assert_eq!(
        notice["data"],
        json!({ "expires_at": token.claims.exp, "reason": "token" })
    );
    let closing = next_frame(&mut ws).await;
    assert_eq!(closing["kind"], "closing", "{closing}");
    assert_eq!(closing["data"]["code"], "session_expired", "{closing}");
    assert_eq!(ws.next_close_code().await, SESSION_EXPIRED_CLOSE);
    gw.wait_for_connections(0).await;
    let metrics = gw.metrics().await;
    assert!(
        metrics.contains("realtime_connections_ended_total{reason=\"session_expired\"} 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn the_gateway_maximum_caps_a_session_however_it_is_refreshed() {
    let gw = start(GatewayConfig {
        max_session: Some(Duration::from_secs(2)),
        ..config()
    })
    .await;
    let opened = unix_now();
    let mut ws = gw.ws_ok(&gw.token("pipeline:capped", &["status"])).await;
    let notice = next_frame(&mut ws).await;
    assert_eq!(notice["kind"], "session_expiring", "{notice}");
    assert_eq!(notice["data"]["reason"], "max_session", "{notice}");
    let reply = ws
        .request(&json!({ "kind": "refresh", "data": gw.token("pipeline:capped", &["status"]) }))
        .await;
    assert_eq!(reply["data"]["ok"], true, "{reply}");
    let expires_at = reply["data"]["expires_at"].as_u64().unwrap();
    assert!(expires_at <= opened + 3, "still capped from the opening: {reply}");
    let closing = next_frame(&mut ws).await;
    assert_eq!(
        (&closing["kind"], &closing["data"]["code"]),
        (&json!("closing"), &json!("session_expired"))
    );
    assert_eq!(ws.next_close_code().await, SESSION_EXPIRED_CLOSE);
}

#[tokio::test]
async fn bad_refreshes_are_refused_with_their_code_and_leave_the_session_as_it_was() {
    let gw = start(config()).await;
    let channel = "pipeline:refusals";
    let tokens = short_tokens(&gw, 4);
    let first = tokens
        .mint_names(channel, ["status", "llm_tokens"], false)
        .unwrap();
    let mut ws = gw.ws_ok(&first.jwt).await;

    let long = gw.gateway.tokens();
    let expired = long
        .mint_at(channel, ["status", "llm_tokens"], false, unix_now() - 600)
        .unwrap()
        .jwt;
    let forged = TokenAuthority::new(SigningKey::new("signkey-test-ffff"))
        .mint_names(channel, ["status", "llm_tokens"], false)
        .unwrap()
        .jwt;
    let narrower = long.mint_names(channel, ["status"], false).unwrap().jwt;
    let elsewhere = long
        .mint_names("pipeline:other", ["status", "llm_tokens"], false)
        .unwrap()
        .jwt;
    let revoked = long
        .mint_names_for("mallory", channel, ["status", "llm_tokens"], false)
        .unwrap()
        .jwt;
    gw.gateway
        .revoke(RevocationTarget::Sub("mallory".into()))
        .await
        .unwrap();
    let cases = [
        (json!(42), "malformed_frame"),
        (json!("not-a-jwt"), "token_malformed"),
        (json!(expired), "token_expired"),
        (json!(forged), "token_bad_signature"),
        (json!(narrower), "refresh_narrower"),
        (json!(elsewhere), "token_wrong_channel"),
        (json!(revoked), "token_revoked"),
    ];
    for (data, code) in cases {
        let reply = ws.request(&json!({ "kind": "refresh", "data": data })).await;
        assert_eq!(reply["kind"], "refresh", "{reply}");
        assert_eq!(
            (&reply["data"]["ok"], &reply["data"]["code"]),
            (&json!(false), &json!(code)),
            "{reply}"
        );
        assert!(reply["data"]["error"].as_str().is_some_and(|e| !e.is_empty()));
    }
    // The subscription goes on...
    publish(&gw, channel, 1).await;
    assert_eq!(next_frame(&mut ws).await["data"]["message"], "1");
    // ...and the session still ends when the first token does.
    let notice = next_frame(&mut ws).await;
    assert_eq!(notice["kind"], "session_expiring", "{notice}");
    assert_eq!(notice["data"]["expires_at"], first.claims.exp, "{notice}");
    let closing = next_frame(&mut ws).await;
    assert_eq!(closing["data"]["code"], "session_expired", "{closing}");
    let refused = gw.metrics().await;
    assert!(
        refused.contains("refresh_narrower"),
        "refusals are counted:\n{refused}"
    );
}

/// The next named event or message of an SSE stream, skipping `position` events.
async fn next_sse(sse: &mut SseClient) -> (Option<String>, Value, Option<String>) {
    loop {
        let event = sse.next_data_event().await;
        if event.event.as_deref() == Some("position") {
            continue;
        }
        let data = serde_json::from_str(event.data.as_deref().unwrap()).expect("JSON data");
        return (event.event, data, event.id);
    }
}

#[tokio::test]
async fn an_sse_stream_ends_at_its_session_and_resumes_with_a_fresh_token_and_last_event_id() {
    let gw = start(config()).await;
    let channel = "pipeline:sse-session";
    let tokens = short_tokens(&gw, 2);
    let mut sse = gw.sse_ok(&mint(&tokens, channel, &["status"])).await;
    publish(&gw, channel, 1).await;
    let (kind, first, id) = next_sse(&mut sse).await;
    assert_eq!((kind, &first["data"]["message"]), (None, &json!("1")));
    let last_event_id = id.expect("messages carry an id");
    let (kind, notice, _) = next_sse(&mut sse).await;
    assert_eq!(kind.as_deref(), Some("session_expiring"), "{notice}");
    let (kind, closing, _) = next_sse(&mut sse).await;
    assert_eq!(kind.as_deref(), Some("closing"), "{closing}");
    assert_eq!(closing["data"]["code"], "session_expired", "{closing}");
    assert!(sse.ends().await, "the stream ends after `closing`");

    // Published while the subscriber is away: the resume brings them.
    publish(&gw, channel, 2).await;
    publish(&gw, channel, 3).await;
    let fresh = mint(&tokens, channel, &["status"]);
    let mut sse = gw
        .sse_with(Some(&fresh), None, &[], &[("last-event-id", &last_event_id)])
        .await
        .expect("a fresh token reconnects");
    for n in ["2", "3"] {
        let (kind, message, _) = next_sse(&mut sse).await;
        assert_eq!((kind, &message["data"]["message"]), (None, &json!(n)));
    }
}

#[tokio::test]
async fn a_sub_frame_s_token_counts_too_and_is_refreshed_for_its_channel() {
    let gw = start(config()).await;
    let first = gw
        .gateway
        .tokens()
        .mint_names("pipeline:held-a", ["status"], false)
        .unwrap();
    let mut ws = gw.ws_ok(&first.jwt).await;
    let added = short_tokens(&gw, 2)
        .mint_names("pipeline:held-b", ["status"], false)
        .unwrap();
    let reply = ws.request(&json!({ "kind": "sub", "data": added.jwt })).await;
    assert_eq!(reply["data"]["ok"], true, "{reply}");
    let notice = next_frame(&mut ws).await;
    assert_eq!(notice["kind"], "session_expiring", "{notice}");
    assert_eq!(
        notice["data"]["expires_at"], added.claims.exp,
        "the earliest token of the connection: {notice}"
    );
    let renewed = gw
        .gateway
        .tokens()
        .mint_names("pipeline:held-b", ["status"], false)
        .unwrap();
    let reply = ws
        .request(&json!({ "kind": "refresh", "data": renewed.jwt }))
        .await;
    assert_eq!(reply["data"]["ok"], true, "{reply}");
    assert_eq!(
        reply["data"]["expires_at"],
        first.claims.exp.min(renewed.claims.exp),
        "the session now ends with the earliest token still held: {reply}"
    );
    // Past the added token's expiry, both channels still deliver.
    tokio::time::sleep(Duration::from_secs(3)).await;
    publish(&gw, "pipeline:held-b", 7).await;
    assert_eq!(next_frame(&mut ws).await["data"]["message"], "7");
    publish(&gw, "pipeline:held-a", 8).await;
    assert_eq!(next_frame(&mut ws).await["data"]["message"], "8");
    ws.close().await;
}
