//! `POST /v1/realtime/revoke`: revocations over HTTP, for callers holding the signing key.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::Json;

use super::publish::read_body;
use crate::gateway::code::ErrorCode;
use crate::gateway::error::ApiError;
use crate::gateway::extract::{Bearer, BodyHeaders};
use crate::gateway::{GatewayState, RevocationError, RevocationTarget};

/// The most a revocation request body may hold.
const MAX_REVOKE_REQUEST_BYTES: usize = 4 * 1024;

/// `POST /v1/realtime/revoke` with body `{"jti": "..."}`, `{"sub": "..."}` or
/// `{"channel": "..."}`, authenticated by the signing key; answers
/// `200 {"target": {...}, "revoked_at": <unix secs>}` once the revocation is applied here
/// and published to the other nodes.
pub(crate) async fn revoke(
    State(state): State<Arc<GatewayState>>,
    bearer: Bearer,
    headers: BodyHeaders,
    body: Body,
) -> Result<impl IntoResponse, ApiError> {
    state.require_key(&bearer)?;
    let body = read_body(headers.declared_length, body, MAX_REVOKE_REQUEST_BYTES).await?;
    let target: RevocationTarget = serde_json::from_slice(&body).map_err(|e| {
        ApiError::of(
            ErrorCode::InvalidRevocation,
            format!("the body must be one of {{\"jti\"}}, {{\"sub\"}} or {{\"channel\"}} with a string: {e}"),
        )
    })?;
    let revocation = state.revoke(target).await.map_err(|error| match error {
        RevocationError::Transport(error) => ApiError::from(error),
        other => ApiError::of(ErrorCode::InvalidRevocation, other.to_string()),
    })?;
    Ok(Json(revocation))
}
