//! EdDSA and ES256 tokens against a gateway with a JWKS file: subscribing over WebSocket
//! and SSE, publishing with a publish token, and each refusal with its code. The keys are
//! the test-only fixtures of `realtime-core/tests/fixtures/keys`.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use realtime::gateway::{Gateway, GatewayConfig, GatewayConfigError};
use realtime::{KeySetError, Realtime, TokenSigner};
use serde_json::{json, Value};

use crate::keys::{eddsa, eddsa_b, es256, fixture, signer, with_jwks_file};
use crate::support::{config, forge_jwt, unix_now, SseClient, TestGateway, WsClient, SIGNING_KEY};
use crate::token_refusals::assert_refused_at_connect;
use crate::{start, target};

fn subscribe_token(signer: &TokenSigner, channel: &str) -> String {
    signer
        .mint_names(channel, ["status"], false)
        .expect("a token")
        .jwt
}

/// The next message on a WebSocket, past any notice (which has no `topic`).
async fn ws_message(ws: &mut WsClient) -> Value {
    loop {
        let frame = ws.next_json().await;
        if frame.get("topic").is_some() {
            return frame;
        }
    }
}

/// The next message on an SSE stream, past any named event (a notice).
async fn sse_message(sse: &mut SseClient) -> Value {
    loop {
        let event = sse.next_data_event().await;
        if event.event.is_none() {
            return serde_json::from_str(event.data.as_deref().unwrap_or_default()).expect("data is JSON");
        }
    }
}

async fn publish_status(
    gw: &TestGateway,
    credential: &str,
    channel: &str,
    message: &str,
) -> crate::support::Reply {
    let body = json!({"message": message, "percent": 1}).to_string();
    gw.publish(Some(credential), &target(channel, "status"), body)
        .await
}

#[tokio::test]
async fn eddsa_and_es256_tokens_subscribe_over_websocket_and_sse() {
    let gw = start(with_jwks_file(config())).await;
    for (name, signer) in [("eddsa", eddsa()), ("es256", es256())] {
        let channel = format!("pipeline:{name}");
        let mut ws = gw.ws_ok(&subscribe_token(&signer, &channel)).await;
        let mut sse = gw.sse_ok(&subscribe_token(&signer, &channel)).await;
        let reply = publish_status(&gw, SIGNING_KEY, &channel, name).await;
        assert_eq!(reply.status, 200, "{reply:?}");
        assert_eq!(ws_message(&mut ws).await["data"]["message"], name);
        assert_eq!(sse_message(&mut sse).await["data"]["message"], name);
        ws.close().await;
    }
}

#[tokio::test]
async fn a_websocket_sub_frame_takes_an_asymmetric_token() {
    let gw = start(with_jwks_file(config())).await;
    let mut ws = gw.ws_ok(&subscribe_token(&eddsa(), "pipeline:first")).await;
    let reply = ws
        .request(&json!({"kind": "sub", "data": subscribe_token(&es256(), "pipeline:second")}))
        .await;
    assert_eq!(reply["data"]["ok"], true, "{reply}");
    let refused = ws
        .request(&json!({"kind": "sub", "data": subscribe_token(&eddsa_b(), "pipeline:third")}))
        .await;
    assert_eq!(refused["data"]["code"], "token_unknown_key", "{refused}");
    ws.close().await;
}

#[tokio::test]
async fn a_publish_token_signed_with_a_private_key_publishes_its_topics_only() {
    let gw = start(with_jwks_file(config())).await;
    let mut sse = gw.sse_ok(&subscribe_token(&eddsa(), "pipeline:pubkey")).await;
    for signer in [eddsa(), es256()] {
        let jwt = signer
            .mint_names("pipeline:pubkey", ["status"], true)
            .unwrap()
            .jwt;
        let reply = publish_status(&gw, &jwt, "pipeline:pubkey", signer.kid()).await;
        assert_eq!(reply.status, 200, "{reply:?}");
        assert_eq!(sse_message(&mut sse).await["data"]["message"], signer.kid());
        publish_status(&gw, &jwt, "pipeline:other", "x")
            .await
            .assert_error(403, "token_wrong_channel");
    }
    let subscribe_only = subscribe_token(&es256(), "pipeline:pubkey");
    publish_status(&gw, &subscribe_only, "pipeline:pubkey", "x")
        .await
        .assert_error(403, "token_cannot_publish");
    let unknown = signer("ed-nope", "ed25519-a.pem")
        .mint_names("pipeline:pubkey", ["status"], true)
        .unwrap()
        .jwt;
    publish_status(&gw, &unknown, "pipeline:pubkey", "x")
        .await
        .assert_error(401, "token_unknown_key");
}

#[tokio::test]
async fn hs256_tokens_and_the_signing_key_work_unchanged_beside_a_jwks() {
    let gw = start(with_jwks_file(config())).await;
    let mut ws = gw.ws_ok(&gw.token("pipeline:hs", &["status"])).await;
    let reply = publish_status(
        &gw,
        &gw.publish_token("pipeline:hs", &["status"]),
        "pipeline:hs",
        "hs",
    )
    .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(ws_message(&mut ws).await["data"]["message"], "hs");
    ws.close().await;
    let minted = gw
        .mint_over_http(
            Some(SIGNING_KEY),
            "",
            r#"[{"channel": "pipeline:hs", "name": "status"}]"#,
        )
        .await;
    assert_eq!(minted.status, 201, "{minted:?}");
}

#[tokio::test]
async fn an_asymmetric_publish_token_is_no_signing_key_for_the_token_route() {
    let gw = start(with_jwks_file(config())).await;
    let jwt = eddsa().mint_names("pipeline:a", ["status"], true).unwrap().jwt;
    gw.mint_over_http(Some(&jwt), "", r#"[{"channel": "pipeline:a", "name": "status"}]"#)
        .await
        .assert_error(401, "unauthorized");
}

/// Both WebSocket and SSE refuse `token` with 401 and `code`, and the server still serves.
async fn assert_refused(gw: &TestGateway, token: &str, code: &str) {
    assert_refused_at_connect(gw, Some(token), code).await;
}

fn claims(channel: &str) -> Value {
    let now = unix_now();
    json!({
        "iss": "realtime-rs", "jti": "forged", "iat": now, "nbf": now, "exp": now + 60,
        "channel": channel, "topics": [{"kind": "run", "channel": channel, "name": "status"}],
    })
}

/// An HS256 token whose HMAC secret is `secret`, naming `kid`.
fn hs256_signed_with(secret: &[u8], kid: &str) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, &claims("pipeline:a"), &EncodingKey::from_secret(secret)).unwrap()
}

#[tokio::test]
async fn algorithm_confusion_an_hs256_token_signed_with_a_public_key_is_refused() {
    let gw = start(with_jwks_file(config())).await;
    let jwks: Value = serde_json::from_str(&fixture("jwks.json")).unwrap();
    let ed_x = jwks["keys"][0]["x"].as_str().unwrap().to_owned();
    use base64::Engine;
    let raw_x = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(&ed_x)
        .unwrap();
    let secrets = [
        fixture("ed25519-a.pub.pem").into_bytes(),
        fixture("p256-a.pub.pem").into_bytes(),
        raw_x,
        ed_x.into_bytes(),
    ];
    for secret in &secrets {
        assert_refused(&gw, &hs256_signed_with(secret, "ed-a"), "token_bad_signature").await;
    }
}

#[tokio::test]
async fn refused_asymmetric_tokens_each_have_their_code() {
    let gw = start(with_jwks_file(config())).await;
    let none = forge_jwt(&json!({"alg": "none", "kid": "ed-a"}), &claims("pipeline:a"), b"");
    assert_refused(&gw, &none, "token_algorithm_not_allowed").await;
    // An Ed25519 signature under the kid of the P-256 key.
    let crossed = subscribe_token(&signer("es-a", "ed25519-a.pem"), "pipeline:a");
    assert_refused(&gw, &crossed, "token_key_algorithm_mismatch").await;
    let unknown = subscribe_token(&eddsa_b(), "pipeline:a");
    assert_refused(&gw, &unknown, "token_unknown_key").await;
    let no_kid = forge_jwt(&json!({"alg": "EdDSA"}), &claims("pipeline:a"), &[0; 64]);
    assert_refused(&gw, &no_kid, "token_missing_kid").await;
    // The right kid, another key's signature.
    let impostor = subscribe_token(&signer("ed-a", "ed25519-b.pem"), "pipeline:a");
    assert_refused(&gw, &impostor, "token_bad_signature").await;
    let expired = eddsa()
        .mint_at("pipeline:a", ["status"], false, unix_now() - 3600)
        .unwrap()
        .jwt;
    assert_refused(&gw, &expired, "token_expired").await;
    let metrics = gw.metrics().await;
    for code in [
        "token_key_algorithm_mismatch",
        "token_unknown_key",
        "token_missing_kid",
    ] {
        assert!(
            metrics.contains(&format!("realtime_auth_failures_total{{reason=\"{code}\"}} 2")),
            "{code} counted once per WebSocket and SSE refusal:\n{metrics}"
        );
    }
}

#[tokio::test]
async fn without_a_jwks_asymmetric_tokens_are_not_allowed() {
    let gw = start(config()).await;
    assert_refused(
        &gw,
        &subscribe_token(&eddsa(), "pipeline:a"),
        "token_algorithm_not_allowed",
    )
    .await;
}

fn gateway_error(config: GatewayConfig) -> GatewayConfigError {
    match Gateway::new(Realtime::in_memory(), config) {
        Ok(_) => panic!("the configuration is refused"),
        Err(error) => error,
    }
}

#[tokio::test]
async fn a_jwks_file_with_a_private_key_or_that_cannot_be_read_stops_the_gateway_from_starting() {
    let dir = std::env::temp_dir().join(format!("realtime-jwks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let private = dir.join("private.json");
    let mut jwks: Value = serde_json::from_str(&fixture("jwks.json")).unwrap();
    jwks["keys"][1]["d"] = json!("yQDhJV6RRf3Y7HLTwABSFWMrlLwxuiUQnAYca3WkdmU");
    std::fs::write(&private, jwks.to_string()).unwrap();
    let refused = gateway_error(GatewayConfig {
        jwks_file: Some(private.clone()),
        ..config()
    });
    assert!(
        matches!(
            &refused,
            GatewayConfigError::JwksInvalid { source: KeySetError::PrivateKey { kid, field: "d" }, .. } if kid == "es-a"
        ),
        "{refused}"
    );
    let missing = gateway_error(GatewayConfig {
        jwks_file: Some(dir.join("missing.json")),
        ..config()
    });
    assert!(
        matches!(missing, GatewayConfigError::JwksFileUnreadable { .. }),
        "{missing}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn a_jwks_file_and_url_together_or_a_url_not_http_are_refused() {
    let both = gateway_error(GatewayConfig {
        jwks_url: Some("http://127.0.0.1:9/jwks.json".into()),
        ..with_jwks_file(config())
    });
    assert!(matches!(both, GatewayConfigError::JwksFileAndUrl), "{both}");
    for url in [
        "https://keys.example/jwks.json",
        "not a url",
        "file:///etc/jwks.json",
    ] {
        let refused = gateway_error(GatewayConfig {
            jwks_url: Some(url.into()),
            ..config()
        });
        assert!(
            matches!(refused, GatewayConfigError::JwksUrlInvalid { .. }),
            "{url}: {refused}"
        );
    }
}
