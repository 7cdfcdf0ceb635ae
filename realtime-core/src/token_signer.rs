//! Minting asymmetric tokens: a token service signs with an Ed25519 or P-256 private key,
//! and gateways verify with the public half from a JWKS ([`crate::PublicKeySet`]).
//!
//! The token service then holds no key that publishes: the gateway's signing key stays
//! with the gateway and the server-side publishers.

use std::fmt;
use std::time::Duration;

use base64::Engine;
use ed25519_dalek::pkcs8::DecodePrivateKey;
use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, EllipticCurve, EllipticCurveKeyParameters, EllipticCurveKeyType,
    Jwk, KeyAlgorithm, OctetKeyPairParameters, OctetKeyPairType, PublicKeyUse,
};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use p256::pkcs8::EncodePrivateKey;

use crate::token::{claims_at, unix_now};
use crate::{Channel, SubscriptionToken, TokenError, TopicKey, DEFAULT_TOKEN_TTL};

/// A private key that cannot sign tokens, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignerKeyError {
    /// Not PEM text.
    #[error("the private key is not PEM: {reason}")]
    NotPem {
        /// What is wrong with it.
        reason: String,
    },
    /// PEM of a key that is neither Ed25519 nor P-256 (or not a private key at all).
    #[error("the PEM `{label}` is not an Ed25519 or P-256 private key (PKCS#8 `PRIVATE KEY` or SEC1 `EC PRIVATE KEY`)")]
    UnsupportedKey {
        /// The PEM label, e.g. `PUBLIC KEY` or `RSA PRIVATE KEY`.
        label: String,
    },
    /// An empty key id: gateways select keys by `kid`.
    #[error("a signing key needs a non-empty kid")]
    EmptyKid,
}

/// Mints tokens signed with a private key (EdDSA with Ed25519, ES256 with P-256), with a
/// `kid` naming the key in the gateways' JWKS.
///
/// ```
/// use realtime_core::{PublicKeySet, SharedKeySet, SigningKey, TokenAuthority, TokenSigner};
///
/// // The token service: a private key and its id.
/// let pem = "-----BEGIN PRIVATE KEY-----\n\
///            MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n\
///            -----END PRIVATE KEY-----\n";
/// let signer = TokenSigner::from_pem("ed-2026-01", pem).unwrap();
/// let token = signer.mint_names("pipeline:abc", ["status"], false).unwrap();
///
/// // The gateway: the public half, from the JWKS the token service publishes.
/// let jwks = serde_json::json!({ "keys": [signer.public_jwk()] }).to_string();
/// let keys = SharedKeySet::new(PublicKeySet::from_json(&jwks).unwrap());
/// let gateway = TokenAuthority::new(SigningKey::new("signkey-prod-00ff")).with_key_set(keys);
/// assert_eq!(gateway.verify(&token.jwt).unwrap().channel, "pipeline:abc");
/// ```
#[derive(Clone)]
pub struct TokenSigner {
    kid: String,
    algorithm: Algorithm,
    key: EncodingKey,
    public: Jwk,
    ttl: Duration,
}

impl TokenSigner {
    /// A signer from a private key in PEM: Ed25519 (PKCS#8, as `openssl genpkey -algorithm
    /// ed25519` writes it) or P-256 (PKCS#8, or SEC1 `EC PRIVATE KEY`), named `kid`.
    pub fn from_pem(kid: impl Into<String>, pem: &str) -> Result<Self, SignerKeyError> {
        let kid = kid.into();
        if kid.is_empty() {
            return Err(SignerKeyError::EmptyKid);
        }
        let label = pem_label(pem)?;
        if let Ok(key) = ed25519_dalek::SigningKey::from_pkcs8_pem(pem) {
            return Ok(Self::ed25519(kid, &key));
        }
        let p256 = p256::SecretKey::from_pkcs8_pem(pem).or_else(|_| p256::SecretKey::from_sec1_pem(pem));
        match p256 {
            Ok(key) => Ok(Self::p256(kid, &key)),
            Err(_) => Err(SignerKeyError::UnsupportedKey { label }),
        }
    }

    fn ed25519(kid: String, key: &ed25519_dalek::SigningKey) -> Self {
        let der = key.to_pkcs8_der().expect("an Ed25519 key encodes as PKCS#8");
        let x = b64(key.verifying_key().as_bytes());
        let params = AlgorithmParameters::OctetKeyPair(OctetKeyPairParameters {
            key_type: OctetKeyPairType::OctetKeyPair,
            curve: EllipticCurve::Ed25519,
            x,
        });
        TokenSigner {
            public: public_jwk(&kid, KeyAlgorithm::EdDSA, params),
            kid,
            algorithm: Algorithm::EdDSA,
            key: EncodingKey::from_ed_der(der.as_bytes()),
            ttl: DEFAULT_TOKEN_TTL,
        }
    }

    fn p256(kid: String, key: &p256::SecretKey) -> Self {
        let der = key.to_pkcs8_der().expect("a P-256 key encodes as PKCS#8");
        let point = p256::elliptic_curve::sec1::ToEncodedPoint::to_encoded_point(&key.public_key(), false);
        let params = AlgorithmParameters::EllipticCurve(EllipticCurveKeyParameters {
            key_type: EllipticCurveKeyType::EC,
            curve: EllipticCurve::P256,
            x: b64(point.x().expect("an uncompressed point has x")),
            y: b64(point.y().expect("an uncompressed point has y")),
        });
        TokenSigner {
            public: public_jwk(&kid, KeyAlgorithm::ES256, params),
            kid,
            algorithm: Algorithm::ES256,
            key: EncodingKey::from_ec_der(der.as_bytes()),
            ttl: DEFAULT_TOKEN_TTL,
        }
    }

    /// How long minted tokens live (default [`DEFAULT_TOKEN_TTL`]).
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// The key id written into every token's header.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The algorithm: `EdDSA` for an Ed25519 key, `ES256` for a P-256 key.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The public half as a JWK (with `kid`, `alg` and `use: sig`), to publish in the
    /// gateways' JWKS.
    pub fn public_jwk(&self) -> &Jwk {
        &self.public
    }

    /// Mints a token for a typed channel and typed topics of it.
    pub fn mint<C: Channel>(
        &self,
        channel: &C,
        topics: impl IntoIterator<Item = C::Topic>,
    ) -> Result<SubscriptionToken, TokenError> {
        self.mint_names(&channel.name(), topics.into_iter().map(TopicKey::name), false)
    }

    /// Mints a token by names; with `publish`, it also allows publishing to the topics.
    pub fn mint_names<'t>(
        &self,
        channel: &str,
        topics: impl IntoIterator<Item = &'t str>,
        publish: bool,
    ) -> Result<SubscriptionToken, TokenError> {
        self.mint_at(channel, topics, publish, unix_now())
    }

    /// Mints a token as if the time were `now` (seconds since the Unix epoch).
    pub fn mint_at<'t>(
        &self,
        channel: &str,
        topics: impl IntoIterator<Item = &'t str>,
        publish: bool,
        now: u64,
    ) -> Result<SubscriptionToken, TokenError> {
        self.mint_claims(channel, topics, publish, None, now)
    }

    /// Mints a token by names for `subject` (its `sub` claim: a user or service id), so
    /// that it can be revoked with every other token of that subject.
    pub fn mint_names_for<'t>(
        &self,
        subject: &str,
        channel: &str,
        topics: impl IntoIterator<Item = &'t str>,
        publish: bool,
    ) -> Result<SubscriptionToken, TokenError> {
        self.mint_claims(channel, topics, publish, Some(subject), unix_now())
    }

    fn mint_claims<'t>(
        &self,
        channel: &str,
        topics: impl IntoIterator<Item = &'t str>,
        publish: bool,
        subject: Option<&str>,
        now: u64,
    ) -> Result<SubscriptionToken, TokenError> {
        let claims = claims_at(channel, topics, publish, subject, now, self.ttl)?;
        let mut header = Header::new(self.algorithm);
        header.kid = Some(self.kid.clone());
        let jwt = jsonwebtoken::encode(&header, &claims, &self.key).map_err(|e| TokenError::Malformed {
            reason: e.to_string(),
        })?;
        Ok(SubscriptionToken { jwt, claims })
    }
}

impl fmt::Debug for TokenSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSigner")
            .field("kid", &self.kid)
            .field("algorithm", &self.algorithm)
            .field("key", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// The label of the first PEM block, or why there is none.
fn pem_label(pem: &str) -> Result<String, SignerKeyError> {
    let not_pem = |reason: &str| SignerKeyError::NotPem {
        reason: reason.to_owned(),
    };
    let start = pem
        .find("-----BEGIN ")
        .ok_or_else(|| not_pem("no `-----BEGIN` line"))?;
    let rest = &pem[start + "-----BEGIN ".len()..];
    let end = rest
        .find("-----")
        .ok_or_else(|| not_pem("an unterminated `BEGIN` line"))?;
    Ok(rest[..end].to_owned())
}

fn public_jwk(kid: &str, alg: KeyAlgorithm, algorithm: AlgorithmParameters) -> Jwk {
    Jwk {
        common: CommonParameters {
            public_key_use: Some(PublicKeyUse::Signature),
            key_algorithm: Some(alg),
            key_id: Some(kid.to_owned()),
            ..CommonParameters::default()
        },
        algorithm,
    }
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
