//! The limits, against a real gateway on loopback: request rates per IP address and per
//! credential (`429 rate_limited` with `Retry-After`, counted per route and kind, passing
//! again after the wait), subscriptions per connection, request heads that take too long
//! or grow too large, and client WebSocket messages over the size limit.

use std::time::Duration;

use realtime::gateway::{GatewayConfig, Limits, RateLimit, RateLimits};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::refusals::value;
use crate::support::{config, guard, TestGateway, SIGNING_KEY};
use crate::{assert_serving, start, target};

/// The test configuration with these rates and otherwise the default limits.
fn with_rates(rates: RateLimits) -> GatewayConfig {
    with_limits(Limits {
        rates,
        ..Limits::default()
    })
}

fn with_limits(limits: Limits) -> GatewayConfig {
    GatewayConfig { limits, ..config() }
}

/// `realtime_rate_limited_total{route, by}`.
async fn rate_limited(gw: &TestGateway, route: &str, by: &str) -> u64 {
    let metrics = gw.metrics().await;
    value(
        &metrics,
        &format!("realtime_rate_limited_total{{route=\"{route}\",by=\"{by}\"}}"),
    )
}

const BODY: &str = r#"{"message": "m", "percent": 1}"#;

/// A publish as the signing key's holder; its answer, and the `Retry-After` seconds if any.
async fn publish(gw: &TestGateway, credential: &str, channel: &str) -> (crate::support::Reply, Option<u64>) {
    let (reply, headers) = gw
        .publish_with_headers(Some(credential), &target(channel, "status"), BODY, &[])
        .await;
    let retry_after = headers
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse().expect("Retry-After in whole seconds"));
    (reply, retry_after)
}

/// An SSE subscription's answer status and `Retry-After`, the subscription dropped.
async fn sse_status(gw: &TestGateway, token: &str) -> (u16, Option<String>) {
    let response = guard(
        "the SSE request",
        reqwest::Client::new()
            .get(gw.url("/v1/realtime/sse"))
            .query(&[("token", token)])
            .send(),
    )
    .await
    .expect("send the SSE request");
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    (response.status().as_u16(), retry_after)
}

#[tokio::test]
async fn publishes_over_a_keys_rate_are_429_with_retry_after_counted_and_pass_again_after_it() {
    let gw = start(with_rates(RateLimits {
        publish_per_key: Some(RateLimit::per_second(1)),
        ..RateLimits::off()
    }))
    .await;
    let (first, retry) = publish(&gw, SIGNING_KEY, "pipeline:rate").await;
    assert_eq!((first.status, retry), (200, None), "{first:?}");
    let (refused, retry) = publish(&gw, SIGNING_KEY, "pipeline:rate").await;
    refused.assert_error(429, "rate_limited");
    assert_eq!(refused.body["data"]["limit"], "per_key", "{refused:?}");
    let retry = retry.expect("a Retry-After header");
    assert_eq!(retry, 1, "one request a second: back within a second, rounded up");
    assert_eq!(refused.body["data"]["retry_after"], retry, "{refused:?}");
    assert_eq!(rate_limited(&gw, "publish", "key").await, 1);
    assert_eq!(rate_limited(&gw, "publish", "ip").await, 0);

    // Another credential from the same address is its own client.
    let token = gw.publish_token("pipeline:rate", &["status"]);
    assert_eq!(publish(&gw, &token, "pipeline:rate").await.0.status, 200);

    // After the wait it was told, the key publishes again.
    tokio::time::sleep(Duration::from_secs(retry)).await;
    let (again, _) = publish(&gw, SIGNING_KEY, "pipeline:rate").await;
    assert_eq!(again.status, 200, "{again:?}");
    assert_eq!(rate_limited(&gw, "publish", "key").await, 1);
}

#[tokio::test]
async fn publishes_over_an_addresss_rate_are_429_whatever_the_credential() {
    let gw = start(with_rates(RateLimits {
        publish_per_ip: Some(RateLimit::per_minute(2)),
        ..RateLimits::off()
    }))
    .await;
    let token = gw.publish_token("pipeline:ip", &["status"]);
    assert_eq!(publish(&gw, SIGNING_KEY, "pipeline:ip").await.0.status, 200);
    assert_eq!(publish(&gw, &token, "pipeline:ip").await.0.status, 200);
    let (refused, retry) = publish(&gw, &token, "pipeline:ip").await;
    refused.assert_error(429, "rate_limited");
    assert_eq!(refused.body["data"]["limit"], "per_ip", "{refused:?}");
    // Two a minute: the next one in about 30 s.
    assert!(
        (1..=30).contains(&retry.expect("a Retry-After header")),
        "{retry:?}"
    );
    assert_eq!(rate_limited(&gw, "publish", "ip").await, 1);
}

/// A publish with an `X-Forwarded-For` header.
async fn publish_forwarded_for(gw: &TestGateway, forwarded: &str) -> u16 {
    let header = reqwest::header::HeaderValue::from_str(forwarded).unwrap();
    let (reply, _) = gw
        .publish_with_headers(
            Some(SIGNING_KEY),
            &target("pipeline:fwd", "status"),
            BODY,
            &[("x-forwarded-for", header)],
        )
        .await;
    reply.status
}

#[tokio::test]
async fn x_forwarded_for_counts_only_from_a_trusted_proxy() {
    let once_a_minute = RateLimits {
        publish_per_ip: Some(RateLimit::per_minute(1)),
        ..RateLimits::off()
    };
    // Not trusted: the header is ignored, every request is 127.0.0.1's.
    let gw = start(with_rates(once_a_minute.clone())).await;
    assert_eq!(publish_forwarded_for(&gw, "203.0.113.1").await, 200);
    assert_eq!(publish_forwarded_for(&gw, "203.0.113.2").await, 429);
    // The loopback peer trusted as a proxy: each forwarded client counts on its own, and
    // what the client wrote before the proxy's entry is ignored.
    let gw = start(with_limits(Limits {
        rates: once_a_minute,
        trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
        ..Limits::default()
    }))
    .await;
    assert_eq!(publish_forwarded_for(&gw, "203.0.113.1").await, 200);
    assert_eq!(publish_forwarded_for(&gw, "203.0.113.2").await, 200);
    assert_eq!(publish_forwarded_for(&gw, "198.51.100.9, 203.0.113.1").await, 429);
    assert_eq!(rate_limited(&gw, "publish", "ip").await, 1);
}

#[tokio::test]
async fn subscriptions_over_an_addresss_rate_are_429_on_websocket_and_sse_alike() {
    let gw = start(with_rates(RateLimits {
        connect_per_ip: Some(RateLimit::per_minute(2)),
        ..RateLimits::off()
    }))
    .await;
    let a = gw.token("pipeline:c1", &["status"]);
    let b = gw.token("pipeline:c2", &["status"]);
    let ws = gw.ws_ok(&a).await;
    let sse = gw.sse_ok(&b).await;
    // One bucket for both transports, whatever the token.
    let refused = gw.ws(Some(&a), None).await.err().expect("refused");
    refused.assert_error(429, "rate_limited");
    let (status, retry_after) = sse_status(&gw, &b).await;
    assert_eq!(status, 429);
    assert!(retry_after.is_some(), "a Retry-After on the SSE refusal too");
    assert_eq!(rate_limited(&gw, "connect", "ip").await, 2);
    // Other routes are not held back.
    assert_eq!(publish(&gw, SIGNING_KEY, "pipeline:c1").await.0.status, 200);
    drop((ws, sse));
}

#[tokio::test]
async fn subscriptions_over_a_tokens_rate_are_429_while_another_token_connects() {
    let gw = start(with_rates(RateLimits {
        connect_per_key: Some(RateLimit::per_minute(1)),
        ..RateLimits::off()
    }))
    .await;
    let a = gw.token("pipeline:k1", &["status"]);
    let b = gw.token("pipeline:k2", &["status"]);
    let first = gw.ws_ok(&a).await;
    gw.ws(Some(&a), None)
        .await
        .err()
        .expect("refused")
        .assert_error(429, "rate_limited");
    // The same token over SSE, or as `Authorization: Bearer`, is the same key.
    assert_eq!(sse_status(&gw, &a).await.0, 429);
    // Another token from the same address connects.
    let second = gw.ws_ok(&b).await;
    assert_eq!(rate_limited(&gw, "connect", "key").await, 2);
    assert_eq!(rate_limited(&gw, "connect", "ip").await, 0);
    drop((first, second));
}

#[tokio::test]
async fn token_requests_over_the_rate_are_429_before_the_key_is_even_checked() {
    let gw = start(with_rates(RateLimits {
        token_per_ip: Some(RateLimit::per_minute(2)),
        ..RateLimits::off()
    }))
    .await;
    let body = r#"[{"channel": "pipeline:t", "name": "status"}]"#;
    assert_eq!(gw.mint_over_http(Some(SIGNING_KEY), "", body).await.status, 201);
    // A wrong key still counts: guessing keys is what an address limit is for.
    gw.mint_over_http(Some("guess"), "", body)
        .await
        .assert_error(401, "unauthorized");
    gw.mint_over_http(Some(SIGNING_KEY), "", body)
        .await
        .assert_error(429, "rate_limited");
    assert_eq!(rate_limited(&gw, "token", "ip").await, 1);
}

#[tokio::test]
async fn a_sub_frame_over_the_subscription_limit_is_refused_and_the_connection_keeps_serving() {
    let gw = start(with_limits(Limits {
        max_subscriptions: 2,
        ..Limits::default()
    }))
    .await;
    let mut ws = gw.ws_ok(&gw.token("pipeline:s1", &["status"])).await;
    let reply = ws
        .request(&json!({ "kind": "sub", "data": gw.token("pipeline:s2", &["status"]) }))
        .await;
    assert_eq!(reply["data"]["ok"], true, "{reply}");
    let reply = ws
        .request(&json!({ "kind": "sub", "data": gw.token("pipeline:s3", &["status"]) }))
        .await;
    assert_eq!(
        (&reply["kind"], &reply["data"]["ok"], &reply["data"]["code"]),
        (&json!("sub"), &json!(false), &json!("too_many_subscriptions")),
        "{reply}"
    );
    // More topics of a channel already subscribed are no new subscription.
    let reply = ws
        .request(&json!({ "kind": "sub", "data": gw.token("pipeline:s1", &["llm_tokens"]) }))
        .await;
    assert_eq!(reply["data"]["ok"], true, "{reply}");
    // Once one is dropped, another fits.
    let reply = ws
        .request(&json!({ "kind": "unsub", "data": [{ "channel": "pipeline:s2", "name": "status" }] }))
        .await;
    assert_eq!(reply["data"]["ok"], true, "{reply}");
    let reply = ws
        .request(&json!({ "kind": "sub", "data": gw.token("pipeline:s3", &["status"]) }))
        .await;
    assert_eq!(reply["data"]["ok"], true, "{reply}");
    // The connection still delivers.
    let published = publish(&gw, SIGNING_KEY, "pipeline:s3").await.0;
    assert_eq!(published.status, 200, "{published:?}");
    assert_eq!(ws.next_json().await["channel"], "pipeline:s3");
    let metrics = gw.metrics().await;
    assert_eq!(
        value(
            &metrics,
            "realtime_rejected_requests_total{reason=\"too_many_subscriptions\"}"
        ),
        1
    );
}

/// Writes the start of a request head, then one more byte of a header value every 200 ms
/// for ever (never the blank line that ends the head); returns once the server closed the
/// connection.
async fn trickle(mut tcp: TcpStream, start: String) {
    if tcp.write_all(start.as_bytes()).await.is_err() {
        return;
    }
    loop {
        let mut scratch = [0u8; 256];
        tokio::select! {
            read = tcp.read(&mut scratch) => match read {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            },
            () = tokio::time::sleep(Duration::from_millis(200)) => {
                if tcp.write_all(b"a").await.is_err() {
                    return;
                }
            }
        }
    }
}

#[tokio::test]
async fn a_head_trickled_for_ever_is_cut_off_while_others_are_served() {
    let timeout = Duration::from_secs(1);
    let gw = start(with_limits(Limits {
        head_timeout: timeout,
        ..Limits::default()
    }))
    .await;
    let token = gw.token("pipeline:slow", &["status"]);
    // One head read by hyper, one by the SSE opening reader.
    let slow_http = tokio::spawn(trickle(
        gw.raw_tcp().await,
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ".to_owned(),
    ));
    let slow_sse = tokio::spawn(trickle(
        gw.raw_tcp().await,
        format!("GET /v1/realtime/sse?token={token} HTTP/1.1\r\nHost: x\r\nX-Slow: "),
    ));
    // Meanwhile, others are served.
    assert_serving(&gw).await;
    // Both slow ones are closed within the timeout and a margin (not a measure of speed: a
    // bound on what "cut off" means).
    let margin = Duration::from_secs(5);
    for (what, slow) in [("hyper's", slow_http), ("the SSE opening's", slow_sse)] {
        tokio::time::timeout(timeout + margin, slow)
            .await
            .unwrap_or_else(|_| panic!("{what} trickled head still open after {:?}", timeout + margin))
            .expect("the trickling task");
    }
    assert_serving(&gw).await;
}

/// Sends `request` on a new connection and reads the answer until the server closes.
async fn raw_exchange(gw: &TestGateway, request: &[u8]) -> String {
    let mut tcp = gw.raw_tcp().await;
    // The server may answer and close before it has read everything.
    let _ = tcp.write_all(request).await;
    let mut answer = Vec::new();
    let _ = guard("the answer to an oversized head", tcp.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn a_head_over_the_size_limit_is_431_and_the_server_goes_on() {
    let gw = start(with_limits(Limits {
        max_head_bytes: 8192,
        ..Limits::default()
    }))
    .await;
    let big = "b".repeat(10_000);
    let token = gw.token("pipeline:big", &["status"]);
    for path in ["/healthz".to_owned(), format!("/v1/realtime/sse?token={token}")] {
        let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nX-Big: {big}\r\n\r\n");
        let answer = raw_exchange(&gw, request.as_bytes()).await;
        assert!(
            answer.starts_with("HTTP/1.1 431"),
            "{path}: {:?}",
            &answer[..answer.len().min(200)]
        );
    }
    // Under the limit, the same requests are served.
    let request = format!(
        "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: {}\r\n\r\n",
        "b".repeat(7000)
    );
    let answer = raw_exchange(&gw, request.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_serving(&gw).await;
}

#[tokio::test]
async fn a_client_message_over_the_size_limit_closes_its_websocket_with_1009() {
    let gw = start(with_limits(Limits {
        max_frame_bytes: 1024,
        ..Limits::default()
    }))
    .await;
    let mut ws = gw.ws_ok(&gw.token("pipeline:frame", &["status"])).await;
    // Under the limit: answered.
    let reply = ws
        .request(&json!({ "kind": "nothing", "data": "x".repeat(900) }))
        .await;
    assert_eq!(reply["data"]["code"], "unknown_frame", "{reply}");
    // Over it: the connection is closed with 1009.
    ws.send_text(&"y".repeat(2000)).await;
    let close = ws.next_close().await;
    let close = close.expect("a close frame with a code");
    assert_eq!(close.code, CloseCode::Size, "{close:?}");
    assert_serving(&gw).await;
}
