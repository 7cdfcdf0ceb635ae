//! The gateway's error responses: a status code and a JSON body naming the problem.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use realtime_core::TokenError;
use serde_json::{json, Value};

use crate::PublishError;

/// An error answered to an HTTP request, as
/// `{"error": "<what went wrong>", "code": "<snake_case>", "status": <code>, "data": ...}`.
#[derive(Debug)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// A stable, machine-readable code such as `token_expired`.
    pub code: &'static str,
    /// A sentence for people.
    pub message: String,
    /// Details, e.g. the schema violations.
    pub data: Value,
}

impl ApiError {
    /// An error with no details.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            data: Value::Null,
        }
    }

    /// No credentials, or wrong ones: 401.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// Malformed input: 400.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// A body over the size limit: 413.
    pub fn too_large(size: usize, limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the body of {size} bytes is over the limit of {limit} bytes"),
        )
    }
}

impl From<TokenError> for ApiError {
    fn from(err: TokenError) -> Self {
        let (status, code) = match &err {
            TokenError::Malformed { .. } => (StatusCode::UNAUTHORIZED, "token_malformed"),
            TokenError::AlgorithmNotAllowed { .. } => {
                (StatusCode::UNAUTHORIZED, "token_algorithm_not_allowed")
            }
            TokenError::BadSignature => (StatusCode::UNAUTHORIZED, "token_bad_signature"),
            TokenError::Expired { .. } => (StatusCode::UNAUTHORIZED, "token_expired"),
            TokenError::NotYetValid { .. } => (StatusCode::UNAUTHORIZED, "token_not_yet_valid"),
            TokenError::WrongIssuer { .. } => (StatusCode::UNAUTHORIZED, "token_wrong_issuer"),
            TokenError::NoTopics => (StatusCode::UNAUTHORIZED, "token_no_topics"),
            TokenError::WrongChannel { .. } => (StatusCode::FORBIDDEN, "token_wrong_channel"),
            TokenError::TopicNotGranted { .. } => (StatusCode::FORBIDDEN, "token_topic_not_granted"),
            _ => (StatusCode::UNAUTHORIZED, "token_invalid"),
        };
        Self::new(status, code, err.to_string())
    }
}

impl From<PublishError> for ApiError {
    fn from(err: PublishError) -> Self {
        match err {
            PublishError::PayloadTooLarge { size, limit } => Self::too_large(size, limit),
            PublishError::SchemaViolation(violation) => ApiError {
                status: StatusCode::BAD_REQUEST,
                code: "schema_violation",
                message: violation.to_string(),
                data: json!({ "topic": violation.topic, "violations": violation.violations }),
            },
            PublishError::InvalidChannelName { name } => Self::bad_request(
                "invalid_channel_name",
                format!("channel name `{name}` holds a character outside A-Z a-z 0-9 and `_-.:/@=`"),
            ),
            PublishError::InvalidIdempotencyKey { reason } => Self::bad_request(
                "invalid_idempotency_key",
                format!("the `Idempotency-Key` header is invalid: {reason}"),
            ),
            err @ PublishError::ChunkTooLarge { .. } => {
                Self::new(StatusCode::PAYLOAD_TOO_LARGE, "chunk_too_large", err.to_string())
            }
            err @ PublishError::TooManyChunks { .. } => {
                Self::new(StatusCode::PAYLOAD_TOO_LARGE, "too_many_chunks", err.to_string())
            }
            other => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "transport_error",
                other.to_string(),
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({
            "error": self.message,
            "code": self.code,
            "status": self.status.as_u16(),
            "data": self.data,
        });
        (self.status, Json(body)).into_response()
    }
}
