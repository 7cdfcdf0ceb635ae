//! Public keys for asymmetric tokens: a JWKS document of Ed25519 and P-256 keys.
//!
//! A [`PublicKeySet`] is read from a JSON Web Key Set and checked whole before use: every
//! key has a `kid`, no two share one, no key carries a private part (`d`) or is a shared
//! secret (`kty: oct`), and each is an Ed25519 key (`EdDSA`) or a P-256 key (`ES256`)
//! whose points have the right length. The algorithm is pinned per key: a key decides
//! what it verifies, so a token whose header names another algorithm than its key's is
//! refused. [`SharedKeySet`] holds the current set for a verifier while a fetcher swaps
//! in new ones (key rotation).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, RwLock};

use base64::Engine;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;

/// One public key of a [`PublicKeySet`]: its id, the one algorithm it verifies, the key.
#[derive(Clone)]
pub struct PublicKey {
    kid: String,
    algorithm: Algorithm,
    key: DecodingKey,
}

impl PublicKey {
    /// The key's id, the `kid` a token's header names to select it.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The one algorithm this key verifies: `EdDSA` or `ES256`.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The key, for `jsonwebtoken::decode`.
    pub(crate) fn decoding_key(&self) -> &DecodingKey {
        &self.key
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("kid", &self.kid)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

/// The public keys asymmetric tokens are verified with, by `kid`.
///
/// ```
/// use realtime_core::{KeySetError, PublicKeySet, TokenAlgorithm};
///
/// let jwks = r#"{"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "ed-1",
///     "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#;
/// let keys = PublicKeySet::from_json(jwks).unwrap();
/// assert_eq!(keys.get("ed-1").unwrap().algorithm(), TokenAlgorithm::EdDSA);
///
/// // A private part is refused: a verifier holds public keys only.
/// let private = jwks.replace(r#""kid""#, r#""d": "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A", "kid""#);
/// assert!(matches!(PublicKeySet::from_json(&private), Err(KeySetError::PrivateKey { .. })));
/// ```
#[derive(Debug, Clone, Default)]
pub struct PublicKeySet {
    keys: HashMap<String, PublicKey>,
}

/// A JWKS document that cannot be used, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeySetError {
    /// Not JSON of the form `{"keys": [...]}`.
    #[error("the JWKS is not a JSON object with a `keys` list: {reason}")]
    Malformed {
        /// What is wrong with it.
        reason: String,
    },
    /// It holds no key.
    #[error("the JWKS holds no key")]
    NoKeys,
    /// A key without a `kid`, which tokens could not select.
    #[error("key {index} of the JWKS has no `kid`")]
    MissingKid {
        /// Its position in `keys`, from 0.
        index: usize,
    },
    /// Two keys with the same `kid`.
    #[error("two keys of the JWKS have the kid `{kid}`")]
    DuplicateKid {
        /// The kid.
        kid: String,
    },
    /// A key with a private part (`d`, or RSA's `p`, `q`, ...): a verifier must hold public
    /// keys only, so the whole document is refused.
    #[error("key `{kid}` of the JWKS holds a private part (`{field}`): publish public keys only")]
    PrivateKey {
        /// The key's id.
        kid: String,
        /// The private member found.
        field: &'static str,
    },
    /// A key of a kind tokens are not verified with here (a shared secret `oct`, RSA,
    /// another curve).
    #[error(
        "key `{kid}` of the JWKS is a {kind} key: only Ed25519 (EdDSA) and P-256 (ES256) keys are accepted"
    )]
    UnsupportedKey {
        /// The key's id.
        kid: String,
        /// Its `kty` and curve.
        kind: String,
    },
    /// A key whose `alg` is not the algorithm of its type (e.g. `HS256` on an Ed25519 key).
    #[error("key `{kid}` of the JWKS names algorithm `{alg}`, but a {kind} key verifies {expected} only")]
    AlgorithmMismatch {
        /// The key's id.
        kid: String,
        /// The `alg` it names.
        alg: String,
        /// Its type.
        kind: &'static str,
        /// The algorithm of that type.
        expected: &'static str,
    },
    /// A key whose coordinates are not base64url of the right length.
    #[error("key `{kid}` of the JWKS is invalid: {reason}")]
    InvalidKey {
        /// The key's id.
        kid: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// Members of a JWK that belong to a private or secret key.
const PRIVATE_MEMBERS: [&str; 7] = ["d", "p", "q", "dp", "dq", "qi", "k"];

impl PublicKeySet {
    /// Reads and checks a JWKS document.
    pub fn from_json(json: &str) -> Result<Self, KeySetError> {
        let malformed = |e: serde_json::Error| KeySetError::Malformed {
            reason: e.to_string(),
        };
        let raw: Value = serde_json::from_str(json).map_err(malformed)?;
        let entries = raw
            .get("keys")
            .and_then(Value::as_array)
            .ok_or_else(|| KeySetError::Malformed {
                reason: "no `keys` list".into(),
            })?;
        if entries.is_empty() {
            return Err(KeySetError::NoKeys);
        }
        for (index, entry) in entries.iter().enumerate() {
            refuse_private_members(index, entry)?;
        }
        let set: JwkSet = serde_json::from_value(raw).map_err(malformed)?;
        let mut keys = HashMap::new();
        for (index, jwk) in set.keys.iter().enumerate() {
            let key = public_key(index, jwk)?;
            if keys.contains_key(&key.kid) {
                return Err(KeySetError::DuplicateKid { kid: key.kid });
            }
            keys.insert(key.kid.clone(), key);
        }
        Ok(PublicKeySet { keys })
    }

    /// The key named `kid`, if the set has it.
    pub fn get(&self, kid: &str) -> Option<&PublicKey> {
        self.keys.get(kid)
    }

    /// The key ids, in no particular order.
    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.keys.keys().map(String::as_str)
    }

    /// How many keys the set holds.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set holds no key (only the empty set a verifier starts with before a
    /// first fetch: a document is never empty).
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// The current [`PublicKeySet`] of a verifier, replaced whole when keys rotate.
///
/// Clones share the same set: a fetcher holds one clone and calls
/// [`replace`](SharedKeySet::replace), verifiers read [`current`](SharedKeySet::current).
///
/// ```
/// use realtime_core::{PublicKeySet, SharedKeySet};
///
/// let shared = SharedKeySet::default();
/// assert!(shared.current().is_empty());
/// let jwks = r#"{"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "ed-1",
///     "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#;
/// shared.clone().replace(PublicKeySet::from_json(jwks).unwrap());
/// assert!(shared.current().get("ed-1").is_some());
/// ```
#[derive(Debug, Clone, Default)]
pub struct SharedKeySet {
    current: Arc<RwLock<Arc<PublicKeySet>>>,
}

impl SharedKeySet {
    /// A shared set holding `set`.
    pub fn new(set: PublicKeySet) -> Self {
        SharedKeySet {
            current: Arc::new(RwLock::new(Arc::new(set))),
        }
    }

    /// The set in force now.
    pub fn current(&self) -> Arc<PublicKeySet> {
        // A poisoned lock still holds a whole set: replacing is one assignment.
        self.current.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Puts `set` in force for every clone.
    pub fn replace(&self, set: PublicKeySet) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(set);
    }
}

fn refuse_private_members(index: usize, entry: &Value) -> Result<(), KeySetError> {
    let kid = entry
        .get("kid")
        .and_then(Value::as_str)
        .map_or_else(|| format!("#{index}"), str::to_owned);
    match PRIVATE_MEMBERS.into_iter().find(|m| entry.get(m).is_some()) {
        // A shared secret is not a private part of a key pair but is refused all the same.
        Some("k") => Err(KeySetError::UnsupportedKey {
            kid,
            kind: "shared secret (`oct`)".into(),
        }),
        Some(field) => Err(KeySetError::PrivateKey { kid, field }),
        None => Ok(()),
    }
}

/// Checks one JWK and pins its algorithm.
fn public_key(index: usize, jwk: &Jwk) -> Result<PublicKey, KeySetError> {
    let kid = match &jwk.common.key_id {
        Some(kid) if !kid.is_empty() => kid.clone(),
        _ => return Err(KeySetError::MissingKid { index }),
    };
    let (algorithm, kind, expected) = match &jwk.algorithm {
        AlgorithmParameters::OctetKeyPair(p) if p.curve == EllipticCurve::Ed25519 => {
            let x = coordinate(&kid, "x", &p.x)?;
            ed25519_dalek::VerifyingKey::from_bytes(&x)
                .map_err(|_| invalid_key(&kid, "`x` is not a point of Ed25519"))?;
            (Algorithm::EdDSA, "Ed25519", KeyAlgorithm::EdDSA)
        }
        AlgorithmParameters::EllipticCurve(p) if p.curve == EllipticCurve::P256 => {
            let point = [
                &[4][..],
                &coordinate(&kid, "x", &p.x)?,
                &coordinate(&kid, "y", &p.y)?,
            ]
            .concat();
            p256::PublicKey::from_sec1_bytes(&point)
                .map_err(|_| invalid_key(&kid, "(`x`, `y`) is not a point of P-256"))?;
            (Algorithm::ES256, "P-256", KeyAlgorithm::ES256)
        }
        other => {
            return Err(KeySetError::UnsupportedKey {
                kid,
                kind: kind_of(other),
            })
        }
    };
    if let Some(alg) = jwk.common.key_algorithm.filter(|alg| *alg != expected) {
        return Err(KeySetError::AlgorithmMismatch {
            kid,
            alg: alg.to_string(),
            kind,
            expected: if expected == KeyAlgorithm::EdDSA {
                "EdDSA"
            } else {
                "ES256"
            },
        });
    }
    let key = DecodingKey::from_jwk(jwk).map_err(|e| KeySetError::InvalidKey {
        kid: kid.clone(),
        reason: e.to_string(),
    })?;
    Ok(PublicKey { kid, algorithm, key })
}

/// Ed25519's `x` and P-256's `x` and `y`: 32 bytes, base64url without padding. Checked
/// here, with the point they make, so that no malformed key reaches the verifier.
fn coordinate(kid: &str, name: &str, value: &str) -> Result<[u8; 32], KeySetError> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(value)
        .map_err(|_| invalid_key(kid, &format!("`{name}` is not base64url")))?;
    let len = bytes.len();
    bytes
        .try_into()
        .map_err(|_| invalid_key(kid, &format!("`{name}` is {len} bytes, not 32")))
}

fn invalid_key(kid: &str, reason: &str) -> KeySetError {
    KeySetError::InvalidKey {
        kid: kid.to_owned(),
        reason: reason.to_owned(),
    }
}

fn kind_of(params: &AlgorithmParameters) -> String {
    match params {
        AlgorithmParameters::EllipticCurve(p) => format!("EC {:?}", p.curve),
        AlgorithmParameters::OctetKeyPair(p) => format!("OKP {:?}", p.curve),
        AlgorithmParameters::RSA(_) => "RSA".into(),
        AlgorithmParameters::OctetKey(_) => "shared secret (`oct`)".into(),
        _ => "unknown".into(),
    }
}
