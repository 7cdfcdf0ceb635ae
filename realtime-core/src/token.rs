//! Subscription tokens: JWTs scoped to one channel and a set of its topics.
//!
//! A server mints a token for a typed channel and typed topics ([`TokenAuthority::mint`]),
//! hands it to a browser, and the gateway verifies it ([`TokenAuthority::verify`]) and
//! checks each request against its scope ([`TokenClaims::authorize`]).
//!
//! HS256 tokens are verified with the signing key and, if set, a fallback key, so keys can
//! be rotated without downtime. With a key set ([`TokenAuthority::with_key_set`]), EdDSA
//! and ES256 tokens minted by a [`crate::TokenSigner`] are verified with the public key
//! their header's `kid` names, and only with the algorithm that key is for; an HS256 token
//! is never checked against a key of the set. Each way a token can be wrong has its own
//! [`TokenError`].

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use serde::{Deserialize, Serialize};

use crate::token_decode::{check_header, decode_asymmetric, decode_with, TokenHeader};
use crate::{Channel, SharedKeySet, SigningKey, TopicKey};

/// The issuer written into every token.
pub const TOKEN_ISSUER: &str = "realtime-rs";
/// How long a token lives unless configured otherwise: 60 seconds.
pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(60);

/// One topic a token grants, in the reference system's shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenTopic {
    /// Always `run` in tokens this crate mints, as in the reference.
    pub kind: String,
    /// The concrete channel name.
    pub channel: String,
    /// The topic's wire name.
    pub name: String,
}

/// What a token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenClaims {
    /// The issuer, [`TOKEN_ISSUER`].
    pub iss: String,
    /// A unique id.
    pub jti: String,
    /// Issued at, in seconds since the Unix epoch.
    pub iat: u64,
    /// Not valid before, in seconds since the Unix epoch.
    pub nbf: u64,
    /// Expires at, in seconds since the Unix epoch.
    pub exp: u64,
    /// The one channel the token is for.
    pub channel: String,
    /// The topics it grants, all of `channel`.
    pub topics: Vec<TokenTopic>,
    /// Whether it also allows publishing to those topics.
    #[serde(default)]
    pub publish: bool,
    /// Whom the token was minted for (a user or service id of the minter's choosing), if
    /// anyone: what revoking a subject matches. Absent from tokens minted without one, and
    /// not required of tokens read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
}

impl TokenClaims {
    /// The granted topic names.
    pub fn topic_names(&self) -> impl Iterator<Item = &str> {
        self.topics.iter().map(|t| t.name.as_str())
    }

    /// Checks that the token covers `channel` and every topic in `topics`.
    pub fn authorize<'t>(
        &self,
        channel: &str,
        topics: impl IntoIterator<Item = &'t str>,
    ) -> Result<(), TokenError> {
        if self.channel != channel {
            return Err(TokenError::WrongChannel {
                granted: self.channel.clone(),
                requested: channel.to_owned(),
            });
        }
        for topic in topics {
            if !self.topic_names().any(|t| t == topic) {
                return Err(TokenError::TopicNotGranted {
                    channel: self.channel.clone(),
                    topic: topic.to_owned(),
                });
            }
        }
        Ok(())
    }
}

/// A minted token: the JWT to hand to a client, and what it grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionToken {
    /// The JWT.
    pub jwt: String,
    /// Its claims.
    pub claims: TokenClaims,
}

/// A token that is refused, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// Not three base64url parts with a JSON header and claims.
    #[error("the token is malformed: {reason}")]
    Malformed {
        /// What is wrong with it.
        reason: String,
    },
    /// Signed with an algorithm that is not accepted: anything but HS256, EdDSA and ES256
    /// (including `none`), or EdDSA and ES256 when no key set is configured.
    #[error("the token's algorithm `{alg}` is not allowed: HS256 is, and EdDSA and ES256 with a configured key set")]
    AlgorithmNotAllowed {
        /// The algorithm its header names.
        alg: String,
    },
    /// The signature matches neither the signing key nor the fallback key.
    #[error("the token's signature is not valid")]
    BadSignature,
    /// Its `exp` is past.
    #[error("the token expired at {exp} (now {now})")]
    Expired {
        /// When it expired, in seconds since the Unix epoch.
        exp: u64,
        /// The time of the check.
        now: u64,
    },
    /// Its `nbf` or `iat` is in the future.
    #[error("the token is not valid before {nbf} (now {now})")]
    NotYetValid {
        /// When it becomes valid, in seconds since the Unix epoch.
        nbf: u64,
        /// The time of the check.
        now: u64,
    },
    /// It was issued by someone else.
    #[error("the token's issuer `{iss}` is not `realtime-rs`")]
    WrongIssuer {
        /// The issuer it names.
        iss: String,
    },
    /// It grants another channel than the one asked for.
    #[error("the token grants channel `{granted}`, not `{requested}`")]
    WrongChannel {
        /// The channel it grants.
        granted: String,
        /// The channel asked for.
        requested: String,
    },
    /// It does not grant a topic that was asked for.
    #[error("the token does not grant topic `{topic}` of channel `{channel}`")]
    TopicNotGranted {
        /// Its channel.
        channel: String,
        /// The topic asked for.
        topic: String,
    },
    /// It grants no topic at all.
    #[error("a token must grant at least one topic")]
    NoTopics,
    /// An EdDSA or ES256 token whose header names no `kid`.
    #[error("the {alg} token names no key: its header needs a `kid`")]
    MissingKid {
        /// The algorithm its header names.
        alg: String,
    },
    /// Its `kid` names no key of the key set (yet: a gateway fetching its keys from a URL
    /// fetches them again before refusing).
    #[error("the token names key `{kid}`, which the key set does not hold")]
    UnknownKey {
        /// The kid it names.
        kid: String,
    },
    /// Its header names another algorithm than the one its key verifies (e.g. an EdDSA
    /// token naming a P-256 key).
    #[error("the token is signed with {alg}, but key `{kid}` verifies {key_alg} only")]
    KeyAlgorithmMismatch {
        /// The kid it names.
        kid: String,
        /// The algorithm its header names.
        alg: String,
        /// The algorithm of that key.
        key_alg: String,
    },
}

/// Mints and verifies tokens with a signing key and an optional fallback key (HS256) and,
/// with [`with_key_set`](TokenAuthority::with_key_set), verifies EdDSA and ES256 tokens with
/// public keys (minted by a [`crate::TokenSigner`]).
///
/// ```
/// use realtime_core::{SigningKey, TokenAuthority};
/// let tokens = TokenAuthority::new(SigningKey::new("signkey-test-00ff"));
/// let token = tokens.mint_names("pipeline:abc", ["status"], false).unwrap();
/// let claims = tokens.verify(&token.jwt).unwrap();
/// assert!(claims.authorize("pipeline:abc", ["status"]).is_ok());
/// assert!(claims.authorize("pipeline:xyz", ["status"]).is_err());
/// ```
#[derive(Debug, Clone)]
pub struct TokenAuthority {
    key: SigningKey,
    fallback: Option<SigningKey>,
    key_set: Option<SharedKeySet>,
    ttl: Duration,
    leeway: Duration,
}

impl TokenAuthority {
    /// An authority signing with `key`, tokens living [`DEFAULT_TOKEN_TTL`].
    pub fn new(key: SigningKey) -> Self {
        TokenAuthority {
            key,
            fallback: None,
            key_set: None,
            ttl: DEFAULT_TOKEN_TTL,
            leeway: Duration::from_secs(0),
        }
    }

    /// Also accept tokens signed with `fallback` (the previous key, during a rotation).
    pub fn with_fallback(mut self, fallback: SigningKey) -> Self {
        self.fallback = Some(fallback);
        self
    }

    /// Also accept EdDSA and ES256 tokens, each verified with the key of `keys` its `kid`
    /// names. The set may be replaced while the authority is in use (key rotation).
    pub fn with_key_set(mut self, keys: SharedKeySet) -> Self {
        self.key_set = Some(keys);
        self
    }

    /// The key set of asymmetric tokens, if any.
    pub fn key_set(&self) -> Option<&SharedKeySet> {
        self.key_set.as_ref()
    }

    /// How long minted tokens live.
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// Clock skew tolerated when checking `exp` and `nbf` (default none).
    pub fn with_leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// The signing key.
    pub fn key(&self) -> &SigningKey {
        &self.key
    }

    /// The clock skew tolerated when checking `exp` and `nbf`.
    pub fn leeway(&self) -> Duration {
        self.leeway
    }

    /// The fallback key, if any.
    pub fn fallback(&self) -> Option<&SigningKey> {
        self.fallback.as_ref()
    }

    /// How long minted tokens live.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Whether a presented credential is the signing key or the fallback key.
    pub fn accepts_key(&self, presented: &str) -> bool {
        self.key.accepts(presented) || self.fallback.as_ref().is_some_and(|k| k.accepts(presented))
    }

    /// Mints a subscription token for a typed channel and typed topics of it. Naming a
    /// topic of another channel does not compile.
    pub fn mint<C: Channel>(
        &self,
        channel: &C,
        topics: impl IntoIterator<Item = C::Topic>,
    ) -> Result<SubscriptionToken, TokenError> {
        self.mint_names(&channel.name(), topics.into_iter().map(TopicKey::name), false)
    }

    /// Mints a subscription token for `subject` (its `sub` claim: a user or service id),
    /// so that it can be revoked with every other token of that subject.
    ///
    /// ```
    /// use realtime_core::{SigningKey, TokenAuthority};
    /// let tokens = TokenAuthority::new(SigningKey::new("signkey-test-00ff"));
    /// let token = tokens.mint_names_for("user-42", "pipeline:abc", ["status"], false).unwrap();
    /// assert_eq!(tokens.verify(&token.jwt).unwrap().sub.as_deref(), Some("user-42"));
    /// ```
    pub fn mint_for<C: Channel>(
        &self,
        subject: &str,
        channel: &C,
        topics: impl IntoIterator<Item = C::Topic>,
    ) -> Result<SubscriptionToken, TokenError> {
        let names = topics.into_iter().map(TopicKey::name);
        self.mint_names_for(subject, &channel.name(), names, false)
    }

    /// Mints a token by names, as the gateway's token route does. With `publish`, the
    /// token also allows publishing to the topics.
    pub fn mint_names<'t>(
        &self,
        channel: &str,
        topics: impl IntoIterator<Item = &'t str>,
        publish: bool,
    ) -> Result<SubscriptionToken, TokenError> {
        self.mint_at(channel, topics, publish, unix_now())
    }

    /// [`TokenAuthority::mint_names`] for `subject` (the `sub` claim).
    pub fn mint_names_for<'t>(
        &self,
        subject: &str,
        channel: &str,
        topics: impl IntoIterator<Item = &'t str>,
        publish: bool,
    ) -> Result<SubscriptionToken, TokenError> {
        self.mint_claims(channel, topics, publish, Some(subject), unix_now())
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

    fn mint_claims<'t>(
        &self,
        channel: &str,
        topics: impl IntoIterator<Item = &'t str>,
        publish: bool,
        subject: Option<&str>,
        now: u64,
    ) -> Result<SubscriptionToken, TokenError> {
        let claims = claims_at(channel, topics, publish, subject, now, self.ttl)?;
        let jwt = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(self.key.secret()),
        )
        .map_err(|e| TokenError::Malformed {
            reason: e.to_string(),
        })?;
        Ok(SubscriptionToken { jwt, claims })
    }

    /// Verifies a token now: its form, algorithm, signature, issuer and times.
    pub fn verify(&self, jwt: &str) -> Result<TokenClaims, TokenError> {
        self.verify_at(jwt, unix_now())
    }

    /// Verifies a token as if the time were `now` (seconds since the Unix epoch).
    pub fn verify_at(&self, jwt: &str, now: u64) -> Result<TokenClaims, TokenError> {
        let claims = match check_header(jwt)? {
            TokenHeader::Hs256 => self.decode_hs256(jwt)?,
            TokenHeader::Asymmetric { alg, kid } => match &self.key_set {
                Some(keys) => decode_asymmetric(&keys.current(), jwt, alg, kid)?,
                None => {
                    return Err(TokenError::AlgorithmNotAllowed {
                        alg: format!("{alg:?}"),
                    })
                }
            },
        };
        if claims.iss != TOKEN_ISSUER {
            return Err(TokenError::WrongIssuer { iss: claims.iss });
        }
        let leeway = self.leeway.as_secs();
        if now > claims.exp.saturating_add(leeway) {
            return Err(TokenError::Expired { exp: claims.exp, now });
        }
        let nbf = claims.nbf.max(claims.iat);
        if nbf > now.saturating_add(leeway) {
            return Err(TokenError::NotYetValid { nbf, now });
        }
        if claims.topics.is_empty() {
            return Err(TokenError::NoTopics);
        }
        Ok(claims)
    }

    /// An HS256 token: the signing key, then the fallback key. Never a key of the key set.
    fn decode_hs256(&self, jwt: &str) -> Result<TokenClaims, TokenError> {
        let decode =
            |key: &SigningKey| decode_with(jwt, &DecodingKey::from_secret(key.secret()), Algorithm::HS256);
        match decode(&self.key) {
            Err(TokenError::BadSignature) => match &self.fallback {
                Some(fallback) => decode(fallback),
                None => Err(TokenError::BadSignature),
            },
            other => other,
        }
    }
}

/// The claims of a new token: sorted, distinct topics, at least one.
pub(crate) fn claims_at<'t>(
    channel: &str,
    topics: impl IntoIterator<Item = &'t str>,
    publish: bool,
    subject: Option<&str>,
    now: u64,
    ttl: Duration,
) -> Result<TokenClaims, TokenError> {
    let mut names: Vec<&str> = topics.into_iter().collect();
    names.sort_unstable();
    names.dedup();
    if names.is_empty() {
        return Err(TokenError::NoTopics);
    }
    Ok(TokenClaims {
        iss: TOKEN_ISSUER.to_owned(),
        jti: uuid::Uuid::new_v4().to_string(),
        iat: now,
        nbf: now,
        exp: now + ttl.as_secs().max(1),
        channel: channel.to_owned(),
        topics: names
            .into_iter()
            .map(|name| TokenTopic {
                kind: "run".into(),
                channel: channel.to_owned(),
                name: name.to_owned(),
            })
            .collect(),
        publish,
        sub: subject.map(str::to_owned),
    })
}

pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
