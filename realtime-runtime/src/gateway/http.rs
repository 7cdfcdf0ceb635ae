//! The HTTP routes: mint a token, publish, health, metrics.

use std::sync::Arc;

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use realtime_core::TopicSpec;
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::{first, parse_query, PublishGrant};
use super::error::ApiError;
use super::GatewayState;
use crate::publish::check_idempotency_key;
use crate::PublishOptions;

/// The most a token request body may hold.
const MAX_TOKEN_REQUEST_BYTES: usize = 64 * 1024;

/// The request header making a publish idempotent.
const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// The response header of a publish that repeated an earlier one's idempotency key.
const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// One topic of a token request, as the reference SDKs send it.
#[derive(Debug, Deserialize)]
struct TokenRequestTopic {
    channel: String,
    name: String,
}

/// `POST /v1/realtime/token`: body `[{"channel": "...", "name": "<topic>", "kind": "run"}, ...]`,
/// authenticated by the signing key; answers `201 {"jwt": "..."}`.
pub(crate) async fn mint_token(
    State(state): State<Arc<GatewayState>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<impl IntoResponse, ApiError> {
    state.require_key(&headers)?;
    let query = parse_query(query.as_deref())?;
    let publish = first(&query, "publish").is_some_and(|v| v == "true" || v == "1");
    let body = read_body(&state, &headers, body, MAX_TOKEN_REQUEST_BYTES).await?;
    let topics: Vec<TokenRequestTopic> = serde_json::from_slice(&body).map_err(|e| {
        state.metrics.rejected("malformed_json");
        ApiError::bad_request(
            "invalid_token_request",
            format!("the body must be a JSON list of {{\"channel\", \"name\"}} topics: {e}"),
        )
    })?;
    let Some(channel) = topics.first().map(|t| t.channel.clone()) else {
        state.metrics.rejected("no_topics");
        return Err(ApiError::bad_request(
            "no_topics",
            "a token needs at least one topic",
        ));
    };
    if let Some(other) = topics.iter().find(|t| t.channel != channel) {
        state.metrics.rejected("several_channels");
        return Err(ApiError::bad_request(
            "several_channels",
            format!(
                "a token covers one channel; the request names `{channel}` and `{}`",
                other.channel
            ),
        ));
    }
    if !realtime_core::is_valid_channel_name(&channel) {
        // A token for a name no publish can reach would subscribe to nothing, silently.
        state.metrics.rejected("invalid_channel_name");
        return Err(crate::PublishError::InvalidChannelName { name: channel }.into());
    }
    for topic in &topics {
        state.topic_spec(&channel, &topic.name)?;
    }
    let token = state
        .tokens
        .mint_names(&channel, topics.iter().map(|t| t.name.as_str()), publish)
        .map_err(ApiError::from)?;
    Ok((StatusCode::CREATED, Json(json!({ "jwt": token.jwt }))))
}

/// `POST /v1/realtime/publish?channel=&topic=[&run_id=][&fn_id=]` with the JSON payload as
/// the body, authenticated by the signing key or a publish token. Answers `200 {"id": "..."}`.
///
/// With `Content-Type: text/stream`, the body is published as a data stream of text chunks
/// as it arrives instead (see [`text_stream::publish`](super::text_stream::publish)).
///
/// With an `Idempotency-Key` header, the publish is sent at most once per key on the
/// channel ([`Transport::publish_once`](crate::Transport::publish_once)): a repeat answers
/// `200` with the first message's id and `Idempotent-Replayed: true`, and sends nothing,
/// whatever its body (once valid). A key that is not 1 to 255 visible ASCII characters,
/// or several such headers, is `400 invalid_idempotency_key`.
pub(crate) async fn publish(
    State(state): State<Arc<GatewayState>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let grant = state.authorize_publish(&headers)?;
    let query = parse_query(query.as_deref())?;
    let channel = first(&query, "channel")
        .filter(|c| !c.is_empty())
        .ok_or_else(|| {
            state.metrics.rejected("missing_channel");
            ApiError::bad_request("missing_channel", "the `channel` query parameter is required")
        })?;
    let topic = first(&query, "topic").filter(|t| !t.is_empty()).ok_or_else(|| {
        state.metrics.rejected("missing_topic");
        ApiError::bad_request("missing_topic", "the `topic` query parameter is required")
    })?;
    if let PublishGrant::Token(claims) = &grant {
        claims.authorize(channel, [topic]).map_err(|err| {
            let api = ApiError::from(err);
            state.metrics.auth_failure(api.code);
            api
        })?;
    }
    let idempotency_key = idempotency_key(&state, &headers)?;
    let options = PublishOptions {
        run_id: first(&query, "run_id")
            .filter(|v| !v.is_empty())
            .map(str::to_owned),
        fn_id: first(&query, "fn_id")
            .filter(|v| !v.is_empty())
            .map(str::to_owned),
        idempotency_key,
        ..PublishOptions::default()
    };
    let is_stream = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("text/stream"));
    if is_stream {
        if options.idempotency_key.is_some() {
            state.metrics.rejected("invalid_idempotency_key");
            return Err(ApiError::bad_request(
                "invalid_idempotency_key",
                "a `text/stream` publish cannot take an `Idempotency-Key`: a stream is not one message",
            ));
        }
        let spec = state.topic_spec(channel, topic)?;
        return super::text_stream::publish(&state, channel, topic, spec, options, body).await;
    }
    let limit = state.realtime.max_payload_bytes();
    let body = read_body(&state, &headers, body, limit).await?;
    let data: Value = match serde_json::from_slice(&body) {
        Ok(data) => data,
        // The reference JS SDK sends a string payload raw, unquoted (`publish(topic, "a
        // line")`, and nothing for `undefined`), and the reference server takes a body
        // that is not JSON as a string. Do the same for that SDK (it names itself in
        // `x-inngest-sdk`); everyone else still gets 400 for malformed JSON.
        Err(_) if headers.contains_key("x-inngest-sdk") && std::str::from_utf8(&body).is_ok() => {
            Value::String(String::from_utf8_lossy(&body).into_owned())
        }
        Err(e) => {
            state.metrics.rejected("malformed_json");
            return Err(ApiError::bad_request(
                "malformed_json",
                format!("the body is not valid JSON: {e}"),
            ));
        }
    };
    let spec = state.topic_spec(channel, topic)?;
    let published = state
        .realtime
        .publish_json_outcome(channel, topic, data, spec, options)
        .await
        .map_err(|err| {
            let api = ApiError::from(err);
            match api.code {
                "schema_violation" => state.metrics.validation_failure(),
                code => state.metrics.rejected(code),
            }
            api
        })?;
    let mut response = Json(json!({ "id": published.id })).into_response();
    if published.duplicate {
        response
            .headers_mut()
            .insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
    } else {
        state.metrics.published();
    }
    Ok(response)
}

/// The `Idempotency-Key` header's value, if there is one, checked.
fn idempotency_key(state: &GatewayState, headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let refuse = |reason: &str| {
        state.metrics.rejected("invalid_idempotency_key");
        ApiError::bad_request(
            "invalid_idempotency_key",
            format!("the `Idempotency-Key` header is invalid: {reason}"),
        )
    };
    let mut values = headers.get_all(IDEMPOTENCY_KEY).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(refuse("it is given more than once"));
    }
    let key = value
        .to_str()
        .map_err(|_| refuse("it holds a character outside visible ASCII (`!` to `~`)"))?;
    match check_idempotency_key(key) {
        Ok(()) => Ok(Some(key.to_owned())),
        Err(crate::PublishError::InvalidIdempotencyKey { reason }) => Err(refuse(reason)),
        Err(other) => Err(other.into()),
    }
}

/// `GET /healthz`.
pub(crate) async fn healthz(State(state): State<Arc<GatewayState>>) -> Json<Value> {
    Json(json!({
        "status": if state.shutdown.is_cancelled() { "closing" } else { "ok" },
        "transport": state.realtime.transport().kind(),
        "connections": state.max_connections - state.permits.available_permits(),
    }))
}

/// `GET /metrics`, in the Prometheus text format.
pub(crate) async fn metrics(State(state): State<Arc<GatewayState>>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
}

/// Reads a body of at most `limit` bytes; over it, 413 and nothing is read further.
async fn read_body(
    state: &GatewayState,
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<Bytes, ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if let Some(size) = declared.filter(|size| *size > limit) {
        state.metrics.rejected("payload_too_large");
        return Err(ApiError::too_large(size, limit));
    }
    to_bytes(body, limit).await.map_err(|_| {
        state.metrics.rejected("payload_too_large");
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the body is over the limit of {limit} bytes"),
        )
    })
}

impl GatewayState {
    /// The spec to validate a topic against: `Some` for a registered channel, `None` for
    /// an unknown one (unless strict); an unknown topic of a known channel is refused.
    pub(crate) fn topic_spec(
        &self,
        channel: &str,
        topic: &str,
    ) -> Result<Option<&'static TopicSpec>, ApiError> {
        match self.registry.find(channel) {
            Some(descriptor) => descriptor.topic(topic).map(Some).ok_or_else(|| {
                self.metrics.rejected("unknown_topic");
                ApiError::new(
                    StatusCode::NOT_FOUND,
                    "unknown_topic",
                    format!(
                        "channel `{channel}` ({}) has no topic `{topic}`",
                        descriptor.pattern
                    ),
                )
            }),
            None if self.strict => {
                self.metrics.rejected("unknown_channel");
                Err(ApiError::new(
                    StatusCode::NOT_FOUND,
                    "unknown_channel",
                    format!("no registered channel matches `{channel}` (the server runs with --strict)"),
                ))
            }
            None => Ok(None),
        }
    }
}
