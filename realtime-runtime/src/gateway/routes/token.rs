//! `POST /v1/realtime/token`: tokens minted over HTTP for callers holding the signing key.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use super::publish::read_body;
use crate::gateway::code::ErrorCode;
use crate::gateway::error::ApiError;
use crate::gateway::extract::{Bearer, BodyHeaders, Query, TokenParams};
use crate::gateway::GatewayState;

/// The most a token request body may hold.
const MAX_TOKEN_REQUEST_BYTES: usize = 64 * 1024;

/// One topic of a token request, as the reference SDKs send it.
#[derive(Debug, Deserialize)]
struct TokenRequestTopic {
    channel: String,
    name: String,
}

/// `POST /v1/realtime/token[?publish=true][&sub=<subject>]`: body
/// `[{"channel": "...", "name": "<topic>", "kind": "run"}, ...]`, authenticated by the
/// signing key; answers `201 {"jwt": "..."}`.
pub(crate) async fn mint_token(
    State(state): State<Arc<GatewayState>>,
    bearer: Bearer,
    query: Result<Query<TokenParams>, ApiError>,
    headers: BodyHeaders,
    body: Body,
) -> Result<impl IntoResponse, ApiError> {
    state.require_key(&bearer)?;
    let Query(params) = query?;
    let body = read_body(headers.declared_length, body, MAX_TOKEN_REQUEST_BYTES).await?;
    let topics: Vec<TokenRequestTopic> = serde_json::from_slice(&body).map_err(|e| {
        ApiError::of(
            ErrorCode::InvalidTokenRequest,
            format!("the body must be a JSON list of {{\"channel\", \"name\"}} topics: {e}"),
        )
    })?;
    let Some(channel) = topics.first().map(|t| t.channel.clone()) else {
        return Err(ApiError::of(
            ErrorCode::NoTopics,
            "a token needs at least one topic",
        ));
    };
    if let Some(other) = topics.iter().find(|t| t.channel != channel) {
        return Err(ApiError::of(
            ErrorCode::SeveralChannels,
            format!(
                "a token covers one channel; the request names `{channel}` and `{}`",
                other.channel
            ),
        ));
    }
    if !realtime_core::is_valid_channel_name(&channel) {
        // A token for a name no publish can reach would subscribe to nothing, silently.
        return Err(crate::PublishError::InvalidChannelName { name: channel }.into());
    }
    for topic in &topics {
        state.topic_spec(&channel, &topic.name)?;
    }
    let names = topics.iter().map(|t| t.name.as_str());
    let token = match params.subject() {
        Some(subject) => state
            .tokens
            .mint_names_for(subject, &channel, names, params.publish()),
        None => state.tokens.mint_names(&channel, names, params.publish()),
    }
    .map_err(ApiError::from)?;
    Ok((StatusCode::CREATED, Json(json!({ "jwt": token.jwt }))))
}
