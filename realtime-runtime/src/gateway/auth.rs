//! Credentials: the signing key (server-side callers) and tokens (subscribers).
//!
//! Nothing here counts a refusal: each error is counted where it becomes a response or an
//! error frame (see [`super::metrics`]); `counted_as` only names the reason.

use axum::http::HeaderValue;
use realtime_core::{TokenClaims, TokenError};

use super::code::ErrorCode;
use super::error::ApiError;
use super::extract::{Bearer, Origin};
use super::GatewayState;

/// How a publish was authorized.
pub(crate) enum PublishGrant {
    /// The signing key (or dev mode): any channel and topic.
    Key,
    /// A token with the publish right, for its channel and topics.
    Token(TokenClaims),
}

impl GatewayState {
    /// Requires the signing key, in any accepted form; in dev mode anything passes.
    pub(crate) fn require_key(&self, bearer: &Bearer) -> Result<(), ApiError> {
        if self.dev {
            return Ok(());
        }
        match bearer.0.as_deref() {
            Some(presented) if self.tokens.accepts_key(presented) => Ok(()),
            Some(_) => Err(wrong_key()),
            None => Err(missing_credentials(
                "send the signing key as `Authorization: Bearer <key>`",
            )),
        }
    }

    /// The signing key, or a token with the publish right.
    pub(crate) async fn authorize_publish(&self, bearer: &Bearer) -> Result<PublishGrant, ApiError> {
        match bearer.0.as_deref() {
            Some(presented) if self.tokens.accepts_key(presented) => Ok(PublishGrant::Key),
            Some(presented) if presented.split('.').count() == 3 => {
                let claims = self.verify_token(presented).await?;
                if !claims.publish {
                    return Err(ApiError::of(
                        ErrorCode::TokenCannotPublish,
                        "the token allows subscribing, not publishing",
                    ));
                }
                Ok(PublishGrant::Token(claims))
            }
            _ if self.dev => Ok(PublishGrant::Key),
            Some(_) => Err(wrong_key()),
            None => Err(missing_credentials(
                "send the signing key or a publish token as `Authorization: Bearer ...`",
            )),
        }
    }

    /// Verifies a token: its signature and times, that it lives no longer than the
    /// gateway accepts, that its channel is one a client may reach, and that it is not
    /// revoked. One naming a kid the JWKS does not hold is verified again after the JWKS
    /// URL is fetched (unless it was moments ago): the kid may be a key rotated in.
    pub(crate) async fn verify_token(&self, jwt: &str) -> Result<TokenClaims, ApiError> {
        let claims = match (self.tokens.verify(jwt), &self.jwks) {
            (Err(TokenError::UnknownKey { .. }), Some(jwks)) => {
                jwks.refresh_unless_recent().await;
                self.tokens.verify(jwt).map_err(ApiError::from)?
            }
            (verified, _) => verified.map_err(ApiError::from)?,
        };
        self.admit_claims(claims)
    }

    /// The gateway's own checks of verified claims: lifetime, channel, revocation.
    fn admit_claims(&self, claims: TokenClaims) -> Result<TokenClaims, ApiError> {
        let lifetime = claims.exp.saturating_sub(claims.iat);
        if lifetime > self.max_token_lifetime.as_secs() {
            return Err(ApiError::of(
                ErrorCode::TokenLifetimeTooLong,
                format!(
                    "the token lives {lifetime} s, longer than the {} s this gateway accepts",
                    self.max_token_lifetime.as_secs()
                ),
            ));
        }
        if !realtime_core::is_valid_channel_name(&claims.channel) {
            // The reserved control channels (`$...`) among others: no client reaches them.
            return Err(crate::PublishError::InvalidChannelName { name: claims.channel }.into());
        }
        if let Some(target) = self.revocations.refusing(&(&claims).into()) {
            return Err(ApiError::of(
                ErrorCode::TokenRevoked,
                format!("the token is revoked ({})", revoked_what(&target)),
            ));
        }
        Ok(claims)
    }

    /// Refuses a browser whose `Origin` is not allowed (when a list is configured).
    pub(crate) fn check_origin(&self, origin: &Origin) -> Result<(), ApiError> {
        let Some(origin) = &origin.0 else {
            return Ok(());
        };
        if self.allowed_origins.is_empty() || self.allowed_origins.iter().any(|o| o == origin) {
            return Ok(());
        }
        Err(ApiError::of(
            ErrorCode::OriginNotAllowed,
            format!("origin {} is not allowed", origin.to_str().unwrap_or("<invalid>")),
        ))
    }
}

/// What a revocation names, for people.
fn revoked_what(target: &super::RevocationTarget) -> String {
    match target {
        super::RevocationTarget::Jti(jti) => format!("token `{jti}`"),
        super::RevocationTarget::Sub(sub) => format!("every token of subject `{sub}`"),
        super::RevocationTarget::Channel(channel) => format!("every token of channel `{channel}`"),
    }
}

/// `401 unauthorized`, counted as `wrong_key`.
fn wrong_key() -> ApiError {
    ApiError::unauthorized("the signing key is wrong").counted_as("wrong_key")
}

/// `401 unauthorized`, counted as `missing_credentials`.
pub(crate) fn missing_credentials(message: &str) -> ApiError {
    ApiError::unauthorized(message).counted_as("missing_credentials")
}

/// Allowed origins as header values, for comparison.
pub(crate) fn origin_values(origins: &[String]) -> Vec<HeaderValue> {
    origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o.trim_end_matches('/')).ok())
        .collect()
}
