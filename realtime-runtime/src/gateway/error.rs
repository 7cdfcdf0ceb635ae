//! The gateway's error responses: an [`ErrorCode`], a sentence for people and details, as
//! a JSON body with the code's status.
//!
//! Turning an [`ApiError`] into a response also tags the response with the error's
//! [`Refusal`], which the router's one counting layer ([`super::metrics::count_refusals`])
//! reads: a refusal is counted where it becomes a response, once.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use realtime_core::TokenError;
use serde_json::{json, Value};

use super::code::ErrorCode;
use crate::PublishError;

/// An error answered to an HTTP request, as
/// `{"error": "<what went wrong>", "code": "<snake_case>", "status": <code>, "data": ...}`.
///
/// ```
/// use realtime_runtime::gateway::{ApiError, ErrorCode};
///
/// let error = ApiError::of(ErrorCode::MissingTopic, "the `topic` query parameter is required");
/// assert_eq!(error.status().as_u16(), 400);
/// assert_eq!(error.to_string(), "missing_topic: the `topic` query parameter is required");
/// ```
#[derive(Debug, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    /// A stable, machine-readable code such as [`ErrorCode::TokenExpired`].
    pub code: ErrorCode,
    /// A sentence for people.
    pub message: String,
    /// Details, e.g. the schema violations.
    pub data: Value,
    /// The metrics' `reason` label, when more precise than the code (which `unauthorized`
    /// was: a missing or a wrong key).
    reason: Option<&'static str>,
}

/// What a refusal is counted as: its code and the metrics' `reason` label. Carried as an
/// extension of the error's response to the layer that counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) code: ErrorCode,
    pub(crate) reason: &'static str,
}

impl ApiError {
    /// An error with `code` and no details.
    pub fn of(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            data: Value::Null,
            reason: None,
        }
    }

    /// An error of an application's own route, with its own `code` and `status`
    /// ([`ErrorCode::Application`]).
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self::of(ErrorCode::Application { code, status }, message)
    }

    /// No credentials, or wrong ones: 401.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::of(ErrorCode::Unauthorized, message)
    }

    /// A body over the size limit: 413.
    pub fn too_large(size: usize, limit: usize) -> Self {
        Self::of(
            ErrorCode::PayloadTooLarge,
            format!("the body of {size} bytes is over the limit of {limit} bytes"),
        )
    }

    /// The same error, with `data` as its details.
    pub fn with_data(mut self, data: Value) -> Self {
        self.data = data;
        self
    }

    /// The HTTP status, fixed by the code.
    pub fn status(&self) -> StatusCode {
        self.code.status()
    }

    /// The same error, counted under `reason` rather than its code.
    pub(crate) fn counted_as(mut self, reason: &'static str) -> Self {
        self.reason = Some(reason);
        self
    }

    /// What this error is counted as.
    pub(crate) fn refusal(&self) -> Refusal {
        Refusal {
            code: self.code,
            reason: self.reason.unwrap_or(self.code.as_str()),
        }
    }
}

impl From<TokenError> for ApiError {
    fn from(err: TokenError) -> Self {
        let code = match &err {
            TokenError::Malformed { .. } => ErrorCode::TokenMalformed,
            TokenError::AlgorithmNotAllowed { .. } => ErrorCode::TokenAlgorithmNotAllowed,
            TokenError::BadSignature => ErrorCode::TokenBadSignature,
            TokenError::Expired { .. } => ErrorCode::TokenExpired,
            TokenError::NotYetValid { .. } => ErrorCode::TokenNotYetValid,
            TokenError::WrongIssuer { .. } => ErrorCode::TokenWrongIssuer,
            TokenError::NoTopics => ErrorCode::TokenNoTopics,
            TokenError::WrongChannel { .. } => ErrorCode::TokenWrongChannel,
            TokenError::TopicNotGranted { .. } => ErrorCode::TokenTopicNotGranted,
            TokenError::MissingKid { .. } => ErrorCode::TokenMissingKid,
            TokenError::UnknownKey { .. } => ErrorCode::TokenUnknownKey,
            TokenError::KeyAlgorithmMismatch { .. } => ErrorCode::TokenKeyAlgorithmMismatch,
            _ => ErrorCode::TokenInvalid,
        };
        Self::of(code, err.to_string())
    }
}

impl From<PublishError> for ApiError {
    fn from(err: PublishError) -> Self {
        match err {
            PublishError::PayloadTooLarge { size, limit } => Self::too_large(size, limit),
            PublishError::SchemaViolation(violation) => {
                let data = json!({ "topic": violation.topic, "violations": violation.violations });
                Self::of(ErrorCode::SchemaViolation, violation.to_string()).with_data(data)
            }
            PublishError::InvalidChannelName { name } => Self::of(
                ErrorCode::InvalidChannelName,
                format!(
                    "channel name `{name}` holds a character outside A-Z a-z 0-9 and `{}`",
                    realtime_core::NAME_PUNCTUATION
                ),
            ),
            PublishError::InvalidIdempotencyKey { reason } => Self::of(
                ErrorCode::InvalidIdempotencyKey,
                format!("the `Idempotency-Key` header is invalid: {reason}"),
            ),
            err @ PublishError::ChunkTooLarge { .. } => Self::of(ErrorCode::ChunkTooLarge, err.to_string()),
            err @ PublishError::TooManyChunks { .. } => Self::of(ErrorCode::TooManyChunks, err.to_string()),
            other => Self::of(ErrorCode::TransportError, other.to_string()),
        }
    }
}

impl From<crate::TransportError> for ApiError {
    fn from(err: crate::TransportError) -> Self {
        Self::of(ErrorCode::TransportError, err.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let refusal = self.refusal();
        let body = json!({
            "error": self.message,
            "code": self.code,
            "status": status.as_u16(),
            "data": self.data,
        });
        let mut response = (status, Json(body)).into_response();
        response.extensions_mut().insert(refusal);
        response
    }
}
