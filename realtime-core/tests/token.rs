//! Every way a subscription token can be refused has its own error, proven here.

use std::time::Duration;

use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use realtime_core::{SigningKey, TokenAuthority, TokenClaims, TokenError};

const NOW: u64 = 1_800_000_000;

fn authority() -> TokenAuthority {
    TokenAuthority::new(SigningKey::new("signkey-test-0123456789abcdef"))
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn claims_json(claims: &TokenClaims) -> String {
    b64(&serde_json::to_vec(claims).unwrap())
}

#[test]
fn a_minted_token_verifies_and_carries_its_scope() {
    let tokens = authority();
    let token = tokens
        .mint_at("pipeline:abc", ["status", "tokens", "status"], false, NOW)
        .unwrap();
    let claims = tokens.verify_at(&token.jwt, NOW + 1).unwrap();
    assert_eq!(claims, token.claims);
    assert_eq!(claims.channel, "pipeline:abc");
    assert_eq!(claims.topic_names().collect::<Vec<_>>(), ["status", "tokens"]);
    assert_eq!(claims.exp, NOW + 60, "default time to live is 60 s");
    assert_eq!(claims.iss, "realtime-rs");
    assert!(!claims.publish);
    let other = tokens.mint_at("pipeline:abc", ["status"], false, NOW).unwrap();
    assert_ne!(other.claims.jti, token.claims.jti, "each token has a unique id");
}

#[test]
fn time_to_live_is_configurable() {
    let tokens = authority().with_ttl(Duration::from_secs(5));
    let token = tokens.mint_at("c", ["t"], false, NOW).unwrap();
    assert_eq!(token.claims.exp, NOW + 5);
    assert!(tokens.verify_at(&token.jwt, NOW + 5).is_ok());
    assert!(matches!(
        tokens.verify_at(&token.jwt, NOW + 6),
        Err(TokenError::Expired { .. })
    ));
}

#[test]
fn a_token_signed_with_another_key_has_a_bad_signature() {
    let forged = TokenAuthority::new(SigningKey::new("signkey-test-ffff"))
        .mint_at("c", ["t"], false, NOW)
        .unwrap();
    assert_eq!(
        authority().verify_at(&forged.jwt, NOW),
        Err(TokenError::BadSignature)
    );
}

#[test]
fn a_tampered_token_has_a_bad_signature() {
    let tokens = authority();
    let token = tokens.mint_at("pipeline:abc", ["status"], false, NOW).unwrap();
    let mut claims = token.claims.clone();
    claims.channel = "pipeline:other".into();
    let parts: Vec<&str> = token.jwt.split('.').collect();
    let tampered = format!("{}.{}.{}", parts[0], claims_json(&claims), parts[2]);
    assert_eq!(tokens.verify_at(&tampered, NOW), Err(TokenError::BadSignature));
}

#[test]
fn the_fallback_key_verifies_during_rotation() {
    let old = TokenAuthority::new(SigningKey::new("signkey-test-aaaa"));
    let old_token = old.mint_at("c", ["t"], false, NOW).unwrap();
    let rotated = authority().with_fallback(SigningKey::new("signkey-test-aaaa"));
    assert!(rotated.verify_at(&old_token.jwt, NOW).is_ok());
    let new_token = rotated.mint_at("c", ["t"], false, NOW).unwrap();
    assert!(rotated.verify_at(&new_token.jwt, NOW).is_ok());
    assert_eq!(
        authority().verify_at(&old_token.jwt, NOW),
        Err(TokenError::BadSignature)
    );
}

#[test]
fn alg_none_is_refused() {
    let tokens = authority();
    let claims = tokens.mint_at("c", ["t"], false, NOW).unwrap().claims;
    let unsigned = format!(
        "{}.{}.",
        b64(br#"{"alg":"none","typ":"JWT"}"#),
        claims_json(&claims)
    );
    assert_eq!(
        tokens.verify_at(&unsigned, NOW),
        Err(TokenError::AlgorithmNotAllowed { alg: "none".into() })
    );
}

#[test]
fn other_algorithms_are_refused_even_with_the_right_key() {
    let tokens = authority();
    let claims = tokens.mint_at("c", ["t"], false, NOW).unwrap().claims;
    for alg in [Algorithm::HS384, Algorithm::HS512] {
        let jwt = jsonwebtoken::encode(
            &Header::new(alg),
            &claims,
            &EncodingKey::from_secret(tokens.key().secret()),
        )
        .unwrap();
        assert_eq!(
            tokens.verify_at(&jwt, NOW),
            Err(TokenError::AlgorithmNotAllowed {
                alg: format!("{alg:?}")
            })
        );
    }
}

#[test]
fn an_expired_token_is_refused() {
    let tokens = authority();
    let token = tokens.mint_at("c", ["t"], false, NOW).unwrap();
    assert_eq!(
        tokens.verify_at(&token.jwt, NOW + 61),
        Err(TokenError::Expired {
            exp: NOW + 60,
            now: NOW + 61
        })
    );
    let lenient = authority().with_leeway(Duration::from_secs(5));
    assert!(lenient.verify_at(&token.jwt, NOW + 61).is_ok());
}

#[test]
fn a_token_from_the_future_is_not_yet_valid() {
    let tokens = authority();
    let token = tokens.mint_at("c", ["t"], false, NOW + 100).unwrap();
    assert_eq!(
        tokens.verify_at(&token.jwt, NOW),
        Err(TokenError::NotYetValid {
            nbf: NOW + 100,
            now: NOW
        })
    );
}

#[test]
fn malformed_tokens_are_refused() {
    let tokens = authority();
    for bad in [
        "",
        "abc",
        "a.b",
        "a.b.c.d",
        "!!!.e30.x",
        &format!("{}.e30.x", b64(b"not json")),
    ] {
        assert!(
            matches!(tokens.verify_at(bad, NOW), Err(TokenError::Malformed { .. })),
            "{bad:?} gave {:?}",
            tokens.verify_at(bad, NOW)
        );
    }
    // A correctly signed token whose claims are not ours.
    let jwt = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &serde_json::json!({"sub": "x"}),
        &EncodingKey::from_secret(tokens.key().secret()),
    )
    .unwrap();
    assert!(matches!(
        tokens.verify_at(&jwt, NOW),
        Err(TokenError::Malformed { .. })
    ));
}

#[test]
fn a_token_of_another_issuer_is_refused() {
    let tokens = authority();
    let mut claims = tokens.mint_at("c", ["t"], false, NOW).unwrap().claims;
    claims.iss = "rt.inngest.com".into();
    let jwt = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(tokens.key().secret()),
    )
    .unwrap();
    assert_eq!(
        tokens.verify_at(&jwt, NOW),
        Err(TokenError::WrongIssuer {
            iss: "rt.inngest.com".into()
        })
    );
}

#[test]
fn a_token_for_channel_a_is_refused_on_channel_b() {
    let tokens = authority();
    let claims = tokens
        .verify_at(
            &tokens.mint_at("pipeline:a", ["status"], false, NOW).unwrap().jwt,
            NOW,
        )
        .unwrap();
    assert_eq!(
        claims.authorize("pipeline:b", ["status"]),
        Err(TokenError::WrongChannel {
            granted: "pipeline:a".into(),
            requested: "pipeline:b".into()
        })
    );
}

#[test]
fn a_topic_the_token_does_not_grant_is_refused() {
    let tokens = authority();
    let claims = tokens
        .verify_at(
            &tokens.mint_at("pipeline:a", ["status"], false, NOW).unwrap().jwt,
            NOW,
        )
        .unwrap();
    assert!(claims.authorize("pipeline:a", ["status"]).is_ok());
    assert_eq!(
        claims.authorize("pipeline:a", ["status", "tokens"]),
        Err(TokenError::TopicNotGranted {
            channel: "pipeline:a".into(),
            topic: "tokens".into()
        })
    );
}

#[test]
fn a_token_must_grant_a_topic() {
    assert_eq!(
        authority().mint_at("c", [], false, NOW),
        Err(TokenError::NoTopics)
    );
}
