//! `POST /v1/realtime/publish`: a message (or a `text/stream` data stream) published on a
//! channel's topic by a caller holding the signing key or a publish token.

use std::sync::Arc;

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use realtime_core::TopicSpec;
use serde_json::{json, Value};

use crate::gateway::auth::PublishGrant;
use crate::gateway::code::ErrorCode;
use crate::gateway::error::ApiError;
use crate::gateway::extract::{Bearer, BodyFormat, BodyHeaders, IdempotencyKey, PublishParams, Query};
use crate::gateway::GatewayState;
use crate::PublishOptions;

/// The response header of a publish that repeated an earlier one's idempotency key.
const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

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
///
/// Refusals come in this order: credentials, the query, the token's scope, the
/// idempotency key, the body.
pub(crate) async fn publish(
    State(state): State<Arc<GatewayState>>,
    bearer: Bearer,
    query: Result<Query<PublishParams>, ApiError>,
    idempotency_key: Result<IdempotencyKey, ApiError>,
    headers: BodyHeaders,
    body: Body,
) -> Result<Response, ApiError> {
    let grant = state.authorize_publish(&bearer).await?;
    let Query(params) = query?;
    let (channel, topic) = (params.channel()?, params.topic()?);
    if let PublishGrant::Token(claims) = &grant {
        claims.authorize(channel, [topic])?;
    }
    let options = PublishOptions {
        run_id: params.run_id(),
        fn_id: params.fn_id(),
        idempotency_key: idempotency_key?.0,
        ..PublishOptions::default()
    };
    if headers.format == BodyFormat::TextStream {
        if options.idempotency_key.is_some() {
            return Err(ApiError::of(
                ErrorCode::InvalidIdempotencyKey,
                "a `text/stream` publish cannot take an `Idempotency-Key`: a stream is not one message",
            ));
        }
        let spec = state.topic_spec(channel, topic)?;
        return super::text_stream::publish(&state, channel, topic, spec, options, body).await;
    }
    let limit = state.realtime.max_payload_bytes();
    let body = read_body(headers.declared_length, body, limit).await?;
    let data: Value = match serde_json::from_slice(&body) {
        Ok(data) => data,
        // The reference JS SDK sends a string payload raw, unquoted (`publish(topic, "a
        // line")`, and nothing for `undefined`), and the reference server takes a body
        // that is not JSON as a string. Do the same for that SDK; everyone else still gets
        // 400 for malformed JSON.
        Err(_) if headers.format == BodyFormat::JsonOrText && std::str::from_utf8(&body).is_ok() => {
            Value::String(String::from_utf8_lossy(&body).into_owned())
        }
        Err(e) => {
            return Err(ApiError::of(
                ErrorCode::MalformedJson,
                format!("the body is not valid JSON: {e}"),
            ))
        }
    };
    let spec = state.topic_spec(channel, topic)?;
    let published = state
        .realtime
        .publish_json_outcome(channel, topic, data, spec, options)
        .await?;
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

/// Reads a body of at most `limit` bytes; over it (or over it by its declared length),
/// 413 and nothing is read further.
pub(crate) async fn read_body(declared: Option<usize>, body: Body, limit: usize) -> Result<Bytes, ApiError> {
    if let Some(size) = declared.filter(|size| *size > limit) {
        return Err(ApiError::too_large(size, limit));
    }
    to_bytes(body, limit).await.map_err(|_| {
        ApiError::of(
            ErrorCode::PayloadTooLarge,
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
                ApiError::of(
                    ErrorCode::UnknownTopic,
                    format!(
                        "channel `{channel}` ({}) has no topic `{topic}`",
                        descriptor.pattern
                    ),
                )
            }),
            None if self.strict => Err(ApiError::of(
                ErrorCode::UnknownChannel,
                format!("no registered channel matches `{channel}` (the server runs with --strict)"),
            )),
            None => Ok(None),
        }
    }
}
