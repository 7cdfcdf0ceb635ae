//! What one subscriber connection receives: channels, their granted topics, and how each
//! delivery becomes a frame.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use realtime_core::TokenClaims;
use serde_json::json;
use tokio_stream::StreamMap;

use axum::http::{HeaderMap, StatusCode};
use tokio::sync::OwnedSemaphorePermit;

use super::auth::{parse_query, subscriber_token};
use super::error::ApiError;
use super::GatewayState;
use crate::{Delivery, TransportError, TransportStream};

/// The channels and topics a connection is subscribed to.
#[derive(Default)]
pub(crate) struct ConnectionScope {
    pub(crate) topics: HashMap<String, BTreeSet<String>>,
    pub(crate) streams: StreamMap<String, TransportStream>,
}

/// What to do with one item from the transport.
pub(crate) enum Outgoing {
    /// Write this delivery.
    Deliver(Arc<Delivery>),
    /// Write this notice (a JSON object).
    Notice(serde_json::Value),
    /// Nothing: the topic is not granted.
    Skip,
}

impl ConnectionScope {
    /// Opens a subscriber connection: checks the origin and the token (`?token=` or
    /// `Authorization: Bearer`), takes a connection slot and subscribes to the token's
    /// channel, all before any upgrade or response, so a refusal is a plain HTTP error.
    pub(crate) async fn open(
        state: &GatewayState,
        headers: &HeaderMap,
        query: Option<&str>,
    ) -> Result<(ConnectionScope, OwnedSemaphorePermit), ApiError> {
        state.check_origin(headers)?;
        let query = parse_query(query)?;
        let Some(jwt) = subscriber_token(headers, &query) else {
            state.metrics.auth_failure("missing_credentials");
            return Err(ApiError::unauthorized(
                "a subscription token is required: `?token=<jwt>`",
            ));
        };
        let claims = state.verify_token(jwt)?;
        let permit = state.acquire_connection()?;
        let mut scope = ConnectionScope::default();
        scope
            .add(state, &claims)
            .await
            .map_err(|e| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "transport_error", e.to_string()))?;
        Ok((scope, permit))
    }

    /// Adds the channel and topics of verified claims, subscribing to a new channel.
    pub(crate) async fn add(
        &mut self,
        state: &GatewayState,
        claims: &TokenClaims,
    ) -> Result<(), TransportError> {
        if !self.streams.contains_key(&claims.channel) {
            let stream = state.realtime.transport().subscribe(&claims.channel).await?;
            self.streams.insert(claims.channel.clone(), stream);
        }
        self.topics
            .entry(claims.channel.clone())
            .or_default()
            .extend(claims.topic_names().map(str::to_owned));
        Ok(())
    }

    /// Removes topics; a channel left with none is unsubscribed.
    pub(crate) fn remove(&mut self, channel: &str, topics: &[String]) {
        if let Some(granted) = self.topics.get_mut(channel) {
            for topic in topics {
                granted.remove(topic);
            }
            if granted.is_empty() {
                self.topics.remove(channel);
                self.streams.remove(channel);
            }
        }
    }

    /// Decides what an item from channel `channel` becomes.
    pub(crate) fn outgoing(
        &self,
        state: &GatewayState,
        channel: &str,
        item: Result<Arc<Delivery>, u64>,
    ) -> Outgoing {
        let delivery = match item {
            Ok(delivery) => delivery,
            Err(missed) => {
                return Outgoing::Notice(json!({
                    "kind": "lagged",
                    "channel": channel,
                    "data": { "missed": missed },
                }))
            }
        };
        let envelope = delivery.envelope();
        if !self
            .topics
            .get(channel)
            .is_some_and(|t| t.contains(&envelope.topic))
        {
            return Outgoing::Skip;
        }
        if let Some(spec) = state
            .registry
            .find(channel)
            .and_then(|d| d.topic(&envelope.topic))
        {
            if let Err(violation) = delivery.check(spec) {
                state.metrics.validation_failure();
                return Outgoing::Notice(json!({
                    "kind": "error",
                    "channel": channel,
                    "topic": envelope.topic,
                    "data": { "code": "schema_violation", "error": violation.to_string(), "id": envelope.id },
                }));
            }
        }
        Outgoing::Deliver(delivery)
    }

    /// The scope as `{channel: [topics]}`, for replies.
    pub(crate) fn describe(&self) -> serde_json::Value {
        json!(self.topics)
    }
}
