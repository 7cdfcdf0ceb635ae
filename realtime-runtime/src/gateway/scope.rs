//! What one subscriber connection receives: channels, their granted topics, and how each
//! delivery becomes a frame.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use realtime_core::TokenClaims;
use serde_json::json;
use tokio_stream::StreamMap;

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
