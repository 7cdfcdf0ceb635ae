//! Credentials: the signing key (server-side callers) and tokens (subscribers).

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use realtime_core::TokenClaims;

use super::error::ApiError;
use super::GatewayState;

/// The value of `Authorization: Bearer <value>`, if present.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, rest) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| rest.trim())
        .filter(|v| !v.is_empty())
}

/// A subscriber's token: `?token=` or `Authorization: Bearer`.
pub(crate) fn subscriber_token<'a>(headers: &'a HeaderMap, query: &'a [(String, String)]) -> Option<&'a str> {
    query
        .iter()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
        .or_else(|| bearer(headers))
}

/// How a publish was authorized.
pub(crate) enum PublishGrant {
    /// The signing key (or dev mode): any channel and topic.
    Key,
    /// A token with the publish right, for its channel and topics.
    Token(TokenClaims),
}

impl GatewayState {
    /// Requires the signing key, in any accepted form; in dev mode anything passes.
    pub(crate) fn require_key(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        if self.dev {
            return Ok(());
        }
        match bearer(headers) {
            Some(presented) if self.tokens.accepts_key(presented) => Ok(()),
            Some(_) => {
                self.metrics.auth_failure("wrong_key");
                Err(ApiError::unauthorized("the signing key is wrong"))
            }
            None => {
                self.metrics.auth_failure("missing_credentials");
                Err(ApiError::unauthorized(
                    "send the signing key as `Authorization: Bearer <key>`",
                ))
            }
        }
    }

    /// The signing key, or a token with the publish right.
    pub(crate) fn authorize_publish(&self, headers: &HeaderMap) -> Result<PublishGrant, ApiError> {
        match bearer(headers) {
            Some(presented) if self.tokens.accepts_key(presented) => Ok(PublishGrant::Key),
            Some(presented) if presented.split('.').count() == 3 => {
                let claims = self.verify_token(presented)?;
                if !claims.publish {
                    self.metrics.auth_failure("token_cannot_publish");
                    return Err(ApiError::new(
                        StatusCode::FORBIDDEN,
                        "token_cannot_publish",
                        "the token allows subscribing, not publishing",
                    ));
                }
                Ok(PublishGrant::Token(claims))
            }
            _ if self.dev => Ok(PublishGrant::Key),
            Some(_) => {
                self.metrics.auth_failure("wrong_key");
                Err(ApiError::unauthorized("the signing key is wrong"))
            }
            None => {
                self.metrics.auth_failure("missing_credentials");
                Err(ApiError::unauthorized(
                    "send the signing key or a publish token as `Authorization: Bearer ...`",
                ))
            }
        }
    }

    /// Verifies a token, counting a failure.
    pub(crate) fn verify_token(&self, jwt: &str) -> Result<TokenClaims, ApiError> {
        self.tokens.verify(jwt).map_err(|err| {
            let api = ApiError::from(err);
            self.metrics.auth_failure(api.code);
            api
        })
    }

    /// Refuses a browser whose `Origin` is not allowed (when a list is configured).
    pub(crate) fn check_origin(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let Some(origin) = headers.get(header::ORIGIN) else {
            return Ok(());
        };
        if self.allowed_origins.is_empty() || self.allowed_origins.iter().any(|o| o == origin) {
            return Ok(());
        }
        self.metrics.auth_failure("origin_not_allowed");
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "origin_not_allowed",
            format!("origin {} is not allowed", origin.to_str().unwrap_or("<invalid>")),
        ))
    }
}

/// Parses a query string into pairs, keeping repeated keys in order.
pub(crate) fn parse_query(query: Option<&str>) -> Result<Vec<(String, String)>, ApiError> {
    serde_urlencoded::from_str(query.unwrap_or(""))
        .map_err(|e| ApiError::bad_request("malformed_query", format!("the query string is malformed: {e}")))
}

/// The first value of a query key.
pub(crate) fn first<'a>(query: &'a [(String, String)], key: &str) -> Option<&'a str> {
    query.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// Allowed origins as header values, for comparison.
pub(crate) fn origin_values(origins: &[String]) -> Vec<HeaderValue> {
    origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o.trim_end_matches('/')).ok())
        .collect()
}
