//! Target `token`: subscription tokens verified from arbitrary text, from mutations of a
//! valid token, and from arbitrary header and claims signed with the right key.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey};
use realtime_core::{SigningKey, TokenAuthority, TokenClaims, TOKEN_ISSUER};

/// The gateway's clock in every verification here.
const NOW: u64 = 1_800_000_000;
/// The key of the authority under test.
const SECRET: &str = "fuzzing-signing-key-0123456789";

/// The first byte picks the mode; the rest is its input.
/// - `0..=84`: the rest, as text, is a token to verify.
/// - `85..=169`: the rest is a list of edits (kind, position, byte) to a valid token; the
///   edited token verifies only if its claims are still the original's (the signature
///   covers them).
/// - otherwise: the rest, as text, is a JWT header and claims on two lines, signed with the
///   authority's key; a token that verifies meets every check `verify_at` promises.
pub fn token(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let tokens = TokenAuthority::new(SigningKey::new(SECRET));
    match mode {
        0..=84 => {
            let _ = tokens.verify_at(&String::from_utf8_lossy(rest), NOW);
        }
        85..=169 => edited(&tokens, rest),
        _ => signed(&tokens, rest),
    }
}

fn edited(tokens: &TokenAuthority, edits: &[u8]) {
    let minted = tokens
        .mint_at("pipeline:abc", ["status", "tokens"], false, NOW)
        .expect("mints");
    let mut jwt = minted.jwt.clone().into_bytes();
    for edit in edits.chunks_exact(3) {
        let (kind, at, byte) = (
            edit[0] % 3,
            usize::from(edit[1]) * 2 + usize::from(edit[0] / 3 % 2),
            edit[2],
        );
        let at = at % (jwt.len() + 1);
        match kind {
            0 if at < jwt.len() => jwt[at] = byte,
            1 => jwt.insert(at, byte),
            _ if at < jwt.len() => {
                jwt.remove(at);
            }
            _ => {}
        }
    }
    if let Ok(claims) = tokens.verify_at(&String::from_utf8_lossy(&jwt), NOW) {
        assert_eq!(
            claims, minted.claims,
            "an edited token verified with other claims"
        );
    }
}

fn signed(tokens: &TokenAuthority, input: &[u8]) {
    let text = String::from_utf8_lossy(input);
    let (header, claims) = text
        .split_once('\n')
        .unwrap_or((r#"{"alg":"HS256","typ":"JWT"}"#, &text));
    let message = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims)
    );
    let signature = jsonwebtoken::crypto::sign(
        message.as_bytes(),
        &EncodingKey::from_secret(SECRET.as_bytes()),
        Algorithm::HS256,
    )
    .expect("signs");
    let Ok(verified) = tokens.verify_at(&format!("{message}.{signature}"), NOW) else {
        return;
    };
    check(&verified);
    let header: serde_json::Value = serde_json::from_str(header).expect("a verified header is JSON");
    assert_eq!(header["alg"], "HS256");
}

/// What every verified token satisfies.
fn check(claims: &TokenClaims) {
    assert_eq!(claims.iss, TOKEN_ISSUER);
    assert!(claims.exp >= NOW, "expired: {claims:?}");
    assert!(
        claims.nbf <= NOW && claims.iat <= NOW,
        "not yet valid: {claims:?}"
    );
    assert!(!claims.topics.is_empty());
}
