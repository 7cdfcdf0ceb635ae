//! Tokens refused when subscribing, each with 401 and its own `code`, before any upgrade.

use realtime::{SigningKey, TokenAuthority};
use serde_json::{json, Value};

use crate::support::{config, forge_jwt, unix_now, TestGateway};
use crate::{assert_serving, start};

/// Both WebSocket and SSE refuse `token` with 401 and `code`, and the server still serves.
pub(crate) async fn assert_refused_at_connect(gw: &TestGateway, token: Option<&str>, code: &str) {
    let ws = gw
        .ws(token, None)
        .await
        .err()
        .expect("the WebSocket upgrade is refused");
    ws.assert_error(401, code);
    let sse = gw
        .sse(token, None)
        .await
        .err()
        .expect("the SSE request is refused");
    sse.assert_error(401, code);
    assert_serving(gw).await;
}

fn claims_for(channel: &str, now: u64) -> Value {
    json!({
        "iss": "realtime-rs", "jti": "forged", "iat": now, "nbf": now, "exp": now + 60,
        "channel": channel, "topics": [{"kind": "run", "channel": channel, "name": "status"}],
    })
}

#[tokio::test]
async fn a_token_signed_with_another_key_is_401_token_bad_signature() {
    let gw = start(config()).await;
    let other = TokenAuthority::new(SigningKey::new("signkey-test-ffee"));
    let jwt = other.mint_names("pipeline:a", ["status"], false).unwrap().jwt;
    assert_refused_at_connect(&gw, Some(&jwt), "token_bad_signature").await;
}

#[tokio::test]
async fn an_alg_none_token_is_401_token_algorithm_not_allowed() {
    let gw = start(config()).await;
    let jwt = forge_jwt(
        &json!({"alg": "none", "typ": "JWT"}),
        &claims_for("pipeline:a", unix_now()),
        b"",
    );
    assert_refused_at_connect(&gw, Some(&jwt), "token_algorithm_not_allowed").await;
}

#[tokio::test]
async fn an_hs512_token_is_401_token_algorithm_not_allowed() {
    let gw = start(config()).await;
    // The signature does not matter: the algorithm is refused before any signature is
    // computed, which is why the code is not `token_bad_signature`.
    let jwt = forge_jwt(
        &json!({"alg": "HS512", "typ": "JWT"}),
        &claims_for("pipeline:a", unix_now()),
        &[7; 64],
    );
    assert_refused_at_connect(&gw, Some(&jwt), "token_algorithm_not_allowed").await;
}

#[tokio::test]
async fn an_expired_token_is_401_token_expired() {
    let gw = start(config()).await;
    let jwt = gw
        .gateway
        .tokens()
        .mint_at("pipeline:a", ["status"], false, unix_now() - 3600)
        .unwrap()
        .jwt;
    assert_refused_at_connect(&gw, Some(&jwt), "token_expired").await;
}

#[tokio::test]
async fn a_token_not_yet_valid_is_401_token_not_yet_valid() {
    let gw = start(config()).await;
    let jwt = gw
        .gateway
        .tokens()
        .mint_at("pipeline:a", ["status"], false, unix_now() + 3600)
        .unwrap()
        .jwt;
    assert_refused_at_connect(&gw, Some(&jwt), "token_not_yet_valid").await;
}

#[tokio::test]
async fn a_malformed_token_is_401_token_malformed() {
    let gw = start(config()).await;
    let good = gw.token("pipeline:a", &["status"]);
    let (_, rest) = good.split_once('.').unwrap();
    for malformed in [
        "garbage".to_owned(),
        "a.b".to_owned(),
        format!("!!.{rest}"),
        format!("{good}.extra"),
    ] {
        assert_refused_at_connect(&gw, Some(&malformed), "token_malformed").await;
    }
}

#[tokio::test]
async fn a_missing_token_is_401_unauthorized() {
    let gw = start(config()).await;
    assert_refused_at_connect(&gw, None, "unauthorized").await;
}
