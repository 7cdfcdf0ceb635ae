//! EdDSA and ES256 tokens: minted with a private key, verified with the public key of a
//! JWKS that the token's `kid` names, with the algorithm pinned per key; and every way a
//! key set or a token is refused. Keys are the test-only fixtures of `tests/fixtures/keys`.

use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use realtime_core::{
    KeySetError, PublicKeySet, SharedKeySet, SignerKeyError, SigningKey, TokenAuthority, TokenError,
    TokenSigner,
};
use serde_json::{json, Value};

const ED_A: &str = include_str!("fixtures/keys/ed25519-a.pem");
const ED_A_PUB: &str = include_str!("fixtures/keys/ed25519-a.pub.pem");
const ED_B: &str = include_str!("fixtures/keys/ed25519-b.pem");
const P256_A: &str = include_str!("fixtures/keys/p256-a.pem");
const P256_A_SEC1: &str = include_str!("fixtures/keys/p256-a-sec1.pem");
const P256_A_PUB: &str = include_str!("fixtures/keys/p256-a.pub.pem");
const JWKS: &str = include_str!("fixtures/keys/jwks.json");
const JWKS_B: &str = include_str!("fixtures/keys/jwks-b.json");
const SIGNING_KEY: &str = "signkey-test-0123abcd";

fn authority(jwks: &str) -> TokenAuthority {
    let keys = SharedKeySet::new(PublicKeySet::from_json(jwks).expect("the fixture JWKS is valid"));
    TokenAuthority::new(SigningKey::new(SIGNING_KEY)).with_key_set(keys)
}

fn mint(kid: &str, pem: &str) -> String {
    TokenSigner::from_pem(kid, pem)
        .expect("a fixture key")
        .mint_names("pipeline:a", ["status"], false)
        .expect("a token")
        .jwt
}

fn claims(now: u64) -> Value {
    json!({
        "iss": "realtime-rs", "jti": "forged", "iat": now, "nbf": now, "exp": now + 60,
        "channel": "pipeline:a", "topics": [{"kind": "run", "channel": "pipeline:a", "name": "status"}],
    })
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// An HS256 token signed with `secret`, naming `kid`: what an attacker who read the JWKS
/// would forge.
fn hs256_with_secret(secret: &[u8], kid: Option<&str>) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, &claims(now()), &EncodingKey::from_secret(secret)).unwrap()
}

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn forge(header: Value, signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        b64url(header.to_string().as_bytes()),
        b64url(claims(now()).to_string().as_bytes()),
        b64url(signature)
    )
}

#[test]
fn eddsa_and_es256_tokens_verify_with_the_key_their_kid_names() {
    let tokens = authority(JWKS);
    for (kid, pem) in [("ed-a", ED_A), ("es-a", P256_A), ("es-a", P256_A_SEC1)] {
        let claims = tokens
            .verify(&mint(kid, pem))
            .unwrap_or_else(|e| panic!("{kid}: {e}"));
        assert_eq!(claims.channel, "pipeline:a");
    }
}

#[test]
fn hs256_tokens_still_verify_with_the_signing_key_beside_a_key_set() {
    let tokens = authority(JWKS);
    let jwt = TokenAuthority::new(SigningKey::new(SIGNING_KEY))
        .mint_names("pipeline:a", ["status"], true)
        .unwrap()
        .jwt;
    assert!(tokens.verify(&jwt).unwrap().publish);
}

#[test]
fn the_public_jwk_of_a_signer_is_the_one_in_the_fixture_jwks() {
    let fixture: Value = serde_json::from_str(JWKS).unwrap();
    for (index, kid, pem) in [(0, "ed-a", ED_A), (1, "es-a", P256_A)] {
        let jwk = serde_json::to_value(TokenSigner::from_pem(kid, pem).unwrap().public_jwk()).unwrap();
        assert_eq!(jwk, fixture["keys"][index], "{kid}");
    }
}

#[test]
fn an_hs256_token_whose_secret_is_a_public_key_of_the_set_is_refused() {
    let tokens = authority(JWKS);
    let jwks: Value = serde_json::from_str(JWKS).unwrap();
    let ed_x = jwks["keys"][0]["x"].as_str().unwrap();
    let raw_x = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(ed_x)
        .unwrap();
    let secrets: [(&str, &[u8]); 5] = [
        ("Ed25519 PEM", ED_A_PUB.as_bytes()),
        ("P-256 PEM", P256_A_PUB.as_bytes()),
        ("raw x", &raw_x),
        ("x as text", ed_x.as_bytes()),
        ("JWKS document", JWKS.as_bytes()),
    ];
    for (what, secret) in secrets {
        for kid in [None, Some("ed-a"), Some("es-a")] {
            assert_eq!(
                tokens.verify(&hs256_with_secret(secret, kid)),
                Err(TokenError::BadSignature),
                "{what}, kid {kid:?}"
            );
        }
    }
}

#[test]
fn alg_none_and_other_algorithms_are_refused() {
    let tokens = authority(JWKS);
    for alg in ["none", "RS256", "ES384", "HS512"] {
        let jwt = forge(json!({"alg": alg, "kid": "ed-a"}), b"");
        assert_eq!(
            tokens.verify(&jwt),
            Err(TokenError::AlgorithmNotAllowed { alg: alg.into() })
        );
    }
}

#[test]
fn a_token_naming_a_key_of_the_other_algorithm_is_refused() {
    let tokens = authority(JWKS);
    // Signed with an Ed25519 key but naming the P-256 key, and the other way round.
    assert_eq!(
        tokens.verify(&mint("es-a", ED_A)),
        Err(TokenError::KeyAlgorithmMismatch {
            kid: "es-a".into(),
            alg: "EdDSA".into(),
            key_alg: "ES256".into()
        })
    );
    assert!(matches!(
        tokens.verify(&mint("ed-a", P256_A)),
        Err(TokenError::KeyAlgorithmMismatch { .. })
    ));
}

#[test]
fn unknown_and_missing_kids_are_refused() {
    let tokens = authority(JWKS);
    assert_eq!(
        tokens.verify(&mint("ed-nope", ED_A)),
        Err(TokenError::UnknownKey {
            kid: "ed-nope".into()
        })
    );
    assert_eq!(
        tokens.verify(&forge(json!({"alg": "EdDSA"}), &[0; 64])),
        Err(TokenError::MissingKid { alg: "EdDSA".into() })
    );
}

#[test]
fn a_token_signed_by_another_key_under_a_known_kid_has_a_bad_signature() {
    assert_eq!(
        authority(JWKS).verify(&mint("ed-a", ED_B)),
        Err(TokenError::BadSignature)
    );
}

#[test]
fn asymmetric_tokens_are_refused_without_a_key_set() {
    let tokens = TokenAuthority::new(SigningKey::new(SIGNING_KEY));
    assert_eq!(
        tokens.verify(&mint("ed-a", ED_A)),
        Err(TokenError::AlgorithmNotAllowed { alg: "EdDSA".into() })
    );
}

#[test]
fn the_times_of_an_asymmetric_token_are_checked() {
    let signer = TokenSigner::from_pem("ed-a", ED_A).unwrap();
    let jwt = signer
        .mint_at("pipeline:a", ["status"], false, now() - 3600)
        .unwrap()
        .jwt;
    assert!(matches!(
        authority(JWKS).verify(&jwt),
        Err(TokenError::Expired { .. })
    ));
}

#[test]
fn a_replaced_key_set_accepts_the_new_key_and_refuses_the_removed_one() {
    let keys = SharedKeySet::new(PublicKeySet::from_json(JWKS).unwrap());
    let tokens = TokenAuthority::new(SigningKey::new(SIGNING_KEY)).with_key_set(keys.clone());
    let (old, new) = (mint("ed-a", ED_A), mint("ed-b", ED_B));
    assert!(tokens.verify(&old).is_ok());
    assert_eq!(
        tokens.verify(&new),
        Err(TokenError::UnknownKey { kid: "ed-b".into() })
    );
    keys.replace(PublicKeySet::from_json(JWKS_B).unwrap());
    assert!(tokens.verify(&new).is_ok());
    assert_eq!(
        tokens.verify(&old),
        Err(TokenError::UnknownKey { kid: "ed-a".into() })
    );
}

/// The fixture JWKS with its first key changed by `edit`.
fn edited(edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> String {
    let mut jwks: Value = serde_json::from_str(JWKS).unwrap();
    edit(jwks["keys"][0].as_object_mut().unwrap());
    jwks.to_string()
}

#[test]
fn a_key_with_a_private_part_is_refused_at_load() {
    let jwks = edited(|key| {
        key.insert("d".into(), json!("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"));
    });
    assert_eq!(
        PublicKeySet::from_json(&jwks).unwrap_err(),
        KeySetError::PrivateKey {
            kid: "ed-a".into(),
            field: "d"
        }
    );
}

#[test]
fn a_shared_secret_or_rsa_key_is_refused_at_load() {
    let oct = r#"{"keys": [{"kty": "oct", "kid": "s", "k": "c2VjcmV0"}]}"#;
    assert!(matches!(
        PublicKeySet::from_json(oct),
        Err(KeySetError::UnsupportedKey { .. })
    ));
    let rsa = r#"{"keys": [{"kty": "RSA", "kid": "r", "n": "AQAB", "e": "AQAB"}]}"#;
    assert_eq!(
        PublicKeySet::from_json(rsa).unwrap_err(),
        KeySetError::UnsupportedKey {
            kid: "r".into(),
            kind: "RSA".into()
        }
    );
}

#[test]
fn a_key_naming_another_algorithm_than_its_type_is_refused_at_load() {
    for alg in ["HS256", "ES256", "none"] {
        let jwks = edited(|key| {
            key.insert("alg".into(), json!(alg));
        });
        assert!(
            matches!(
                PublicKeySet::from_json(&jwks),
                Err(KeySetError::AlgorithmMismatch { ref kid, .. }) if kid == "ed-a"
            ),
            "{alg}"
        );
    }
}

#[test]
fn keys_without_kid_twice_the_same_kid_or_of_the_wrong_size_are_refused_at_load() {
    let no_kid = edited(|key| {
        key.remove("kid");
    });
    assert_eq!(
        PublicKeySet::from_json(&no_kid).unwrap_err(),
        KeySetError::MissingKid { index: 0 }
    );
    let mut twice: Value = serde_json::from_str(JWKS).unwrap();
    let first = twice["keys"][0].clone();
    twice["keys"].as_array_mut().unwrap().push(first);
    assert_eq!(
        PublicKeySet::from_json(&twice.to_string()).unwrap_err(),
        KeySetError::DuplicateKid { kid: "ed-a".into() }
    );
    let short = edited(|key| {
        key.insert("x".into(), json!("AAAA"));
    });
    assert!(matches!(
        PublicKeySet::from_json(&short),
        Err(KeySetError::InvalidKey { ref reason, .. }) if reason.contains("3 bytes")
    ));
    // 32 bytes each, but no point of the curve.
    let mut off_curve: Value = serde_json::from_str(JWKS).unwrap();
    off_curve["keys"][1]["y"] = off_curve["keys"][1]["x"].clone();
    assert!(matches!(
        PublicKeySet::from_json(&off_curve.to_string()),
        Err(KeySetError::InvalidKey { ref kid, .. }) if kid == "es-a"
    ));
}

#[test]
fn a_jwks_that_is_not_one_is_refused() {
    assert!(matches!(
        PublicKeySet::from_json("not json"),
        Err(KeySetError::Malformed { .. })
    ));
    assert!(matches!(
        PublicKeySet::from_json(r#"{"keys": 3}"#),
        Err(KeySetError::Malformed { .. })
    ));
    assert_eq!(
        PublicKeySet::from_json(r#"{"keys": []}"#).unwrap_err(),
        KeySetError::NoKeys
    );
}

#[test]
fn a_private_key_that_cannot_sign_is_refused() {
    assert!(matches!(
        TokenSigner::from_pem("k", "not a key"),
        Err(SignerKeyError::NotPem { .. })
    ));
    assert_eq!(
        TokenSigner::from_pem("k", ED_A_PUB).unwrap_err(),
        SignerKeyError::UnsupportedKey {
            label: "PUBLIC KEY".into()
        }
    );
    assert_eq!(
        TokenSigner::from_pem("", ED_A).unwrap_err(),
        SignerKeyError::EmptyKid
    );
}
