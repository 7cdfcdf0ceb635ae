//! Decoding a JWT: what its header asks for, and its signature checked with the one key
//! and algorithm that may verify it.
//!
//! The header is read before any signature is computed, so `alg: none` and algorithms not
//! accepted are refused by name. HS256 goes to the signing key; EdDSA and ES256 go to the
//! key of the key set their `kid` names, which must be a key for that algorithm.

use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};

use crate::{PublicKeySet, TokenClaims, TokenError};

/// An EdDSA or ES256 token: the key its `kid` names, which must be a key for `alg`.
pub(crate) fn decode_asymmetric(
    keys: &PublicKeySet,
    jwt: &str,
    alg: Algorithm,
    kid: Option<String>,
) -> Result<TokenClaims, TokenError> {
    let Some(kid) = kid else {
        return Err(TokenError::MissingKid {
            alg: format!("{alg:?}"),
        });
    };
    let Some(key) = keys.get(&kid) else {
        return Err(TokenError::UnknownKey { kid });
    };
    if key.algorithm() != alg {
        return Err(TokenError::KeyAlgorithmMismatch {
            kid,
            alg: format!("{alg:?}"),
            key_alg: format!("{:?}", key.algorithm()),
        });
    }
    decode_with(jwt, key.decoding_key(), alg)
}

/// Checks the signature with `key` for `alg` only, and reads the claims.
pub(crate) fn decode_with(jwt: &str, key: &DecodingKey, alg: Algorithm) -> Result<TokenClaims, TokenError> {
    let mut validation = Validation::new(alg);
    // Times are checked by `verify_at`, against an explicit clock.
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.required_spec_claims.clear();
    jsonwebtoken::decode::<TokenClaims>(jwt, key, &validation)
        .map(|data| data.claims)
        .map_err(|err| match err.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidSignature => TokenError::BadSignature,
            jsonwebtoken::errors::ErrorKind::InvalidAlgorithm => TokenError::AlgorithmNotAllowed {
                alg: "unknown".into(),
            },
            _ => TokenError::Malformed {
                reason: err.to_string(),
            },
        })
}

/// What a token's header says about how to verify it.
pub(crate) enum TokenHeader {
    /// HS256: the signing key.
    Hs256,
    /// EdDSA or ES256: the key set, by `kid`.
    Asymmetric { alg: Algorithm, kid: Option<String> },
}

/// Rejects a token whose form is wrong or whose header names an algorithm other than
/// HS256, EdDSA or ES256, before any signature is computed.
pub(crate) fn check_header(jwt: &str) -> Result<TokenHeader, TokenError> {
    let malformed = |reason: &str| TokenError::Malformed {
        reason: reason.to_owned(),
    };
    let mut parts = jwt.split('.');
    let (Some(header), Some(_claims), Some(_sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed("a JWT has three parts separated by `.`"));
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| malformed("the header is not base64url"))?;
    let header: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|_| malformed("the header is not JSON"))?;
    let kid = header.get("kid").and_then(|k| k.as_str()).map(str::to_owned);
    let alg = match header.get("alg").and_then(|a| a.as_str()) {
        Some("HS256") => return Ok(TokenHeader::Hs256),
        Some("EdDSA") => Algorithm::EdDSA,
        Some("ES256") => Algorithm::ES256,
        Some(alg) => return Err(TokenError::AlgorithmNotAllowed { alg: alg.to_owned() }),
        None => return Err(malformed("the header names no algorithm")),
    };
    Ok(TokenHeader::Asymmetric { alg, kid })
}
