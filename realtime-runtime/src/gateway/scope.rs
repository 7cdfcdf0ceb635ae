//! What one subscriber connection receives: channels, their granted topics, and how each
//! delivery becomes a frame.

use std::collections::{BTreeSet, HashMap};
use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use realtime_core::TokenClaims;
use serde_json::json;
use tokio_stream::StreamMap;

use tokio::sync::OwnedSemaphorePermit;

use super::auth::missing_credentials;
use super::error::ApiError;
use super::extract::{invalid_since, Bearer, LastEventId, Origin, Query, SubscribeParams};
use super::position::{ChannelFeed, ChannelItem};
use super::session::Session;
use super::GatewayState;
use crate::{Delivery, StartAt, TransportError, TransportStream};
use realtime_core::MessageId;

/// The channels and topics a connection is subscribed to.
pub(crate) struct ConnectionScope {
    pub(crate) topics: HashMap<String, BTreeSet<String>>,
    pub(crate) streams: StreamMap<String, ChannelFeed>,
    /// How long the connection lives: see [`super::session`].
    pub(crate) session: Session,
}

/// What a subscription request brings, from the route's typed extractors. The query and
/// `Last-Event-ID` are kept as results so each is refused in its turn: the query after the
/// origin, `Last-Event-ID` after the token and only when `?since=` does not override it.
pub(crate) struct SubscribeRequest {
    pub(crate) origin: Origin,
    pub(crate) bearer: Bearer,
    pub(crate) query: Result<SubscribeParams, ApiError>,
    pub(crate) last_event_id: Result<LastEventId, ApiError>,
}

/// The WebSocket and SSE routes take the request whole; nothing is refused while
/// extracting it (each refusal waits for its turn in [`ConnectionScope::open`]).
impl<S: Sync> FromRequestParts<S> for SubscribeRequest {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Infallible> {
        Ok(SubscribeRequest {
            origin: Origin::from_request_parts(parts, state).await?,
            bearer: Bearer::from_request_parts(parts, state).await?,
            query: Query::<SubscribeParams>::from_request_parts(parts, state)
                .await
                .map(|Query(params)| params),
            last_event_id: LastEventId::from_request_parts(parts, state).await,
        })
    }
}

/// What to do with one item from the transport.
pub(crate) enum Outgoing {
    /// Write this delivery.
    Deliver(Arc<Delivery>),
    /// Write this notice (a JSON object).
    Notice(serde_json::Value),
    /// Write the channel's `position` notice: resume after this id.
    Position(MessageId),
    /// Nothing: the topic is not granted (run lifecycle messages are always delivered).
    Skip,
}

impl ConnectionScope {
    /// An empty scope with room for one channel, what nearly every connection has (a
    /// `StreamMap` would otherwise grow to four entries on its first insert).
    fn new(state: &GatewayState) -> Self {
        ConnectionScope {
            topics: HashMap::new(),
            streams: StreamMap::with_capacity(1),
            session: Session::new(state.max_session, state.tokens.leeway()),
        }
    }

    /// Opens a subscriber connection: checks the origin and the token (`?token=` or
    /// `Authorization: Bearer`), takes a connection slot and subscribes to the token's
    /// channel, all before any upgrade or response, so a refusal is a plain HTTP error.
    ///
    /// The subscription resumes after the id in `?since=` or, failing that, the
    /// `Last-Event-ID` header (what a browser's `EventSource` sends when it reconnects).
    pub(crate) async fn open(
        state: &GatewayState,
        request: SubscribeRequest,
    ) -> Result<(ConnectionScope, OwnedSemaphorePermit), ApiError> {
        state.check_origin(&request.origin)?;
        let query = request.query?;
        let Some(jwt) = query.token().or(request.bearer.0.as_deref()) else {
            return Err(missing_credentials(
                "a subscription token is required: `?token=<jwt>`",
            ));
        };
        let claims = state.verify_token(jwt).await?;
        let start = resume_point(&query, request.last_event_id)?;
        let permit = state.acquire_connection()?;
        let mut scope = ConnectionScope::new(state);
        scope.add(state, &claims, start).await?;
        Ok((scope, permit))
    }

    /// Adds the channel and topics of verified claims, subscribing to a new channel from
    /// `start`. Either way the channel's position is announced before its next message.
    pub(crate) async fn add(
        &mut self,
        state: &GatewayState,
        claims: &TokenClaims,
        start: StartAt,
    ) -> Result<(), TransportError> {
        let subscribed = self.streams.iter_mut().find(|entry| entry.0 == claims.channel);
        if let Some((_, feed)) = subscribed {
            feed.announce();
        } else {
            let stream =
                TransportStream::open(state.realtime.transport().clone(), &claims.channel, start).await?;
            self.streams
                .insert(claims.channel.clone(), ChannelFeed::new(stream));
        }
        self.topics
            .entry(claims.channel.clone())
            .or_default()
            .extend(claims.topic_names().map(str::to_owned));
        self.session.hold(claims);
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
                self.session.release(channel);
            }
        }
    }

    /// Decides what an item from channel `channel` becomes.
    pub(crate) fn outgoing(&self, state: &GatewayState, channel: &str, item: ChannelItem) -> Outgoing {
        let delivery = match item {
            ChannelItem::Position(id) => return Outgoing::Position(id),
            ChannelItem::Message(Ok(delivery)) => delivery,
            ChannelItem::Message(Err(gap)) => {
                state.metrics.continuity_lost();
                return Outgoing::Notice(json!({
                    "kind": "continuity_lost",
                    "channel": channel,
                    "data": gap,
                }));
            }
        };
        let envelope = delivery.envelope();
        let Some(granted) = self.topics.get(channel) else {
            return Outgoing::Skip;
        };
        // Run lifecycle messages carry the run's status, not topic data: every subscriber
        // of the channel gets them, whatever topics its token grants. They have no schema.
        if envelope.is_run() {
            return Outgoing::Deliver(delivery);
        }
        if !granted.contains(&envelope.topic) {
            return Outgoing::Skip;
        }
        if let Some(spec) = state
            .registry
            .find(channel)
            .and_then(|d| d.topic(&envelope.topic))
            .filter(|_| envelope.carries_topic_data())
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

/// Where a new connection starts: after `?since=<id>`, else after `Last-Event-ID`, else live.
fn resume_point(
    query: &SubscribeParams,
    last_event_id: Result<LastEventId, ApiError>,
) -> Result<StartAt, ApiError> {
    let (source, text) = match query.since() {
        Some(since) => ("`since`", since.to_owned()),
        None => match last_event_id?.0 {
            Some(value) => ("`Last-Event-ID`", value),
            None => return Ok(StartAt::Live),
        },
    };
    let text = text.trim();
    if text.is_empty() {
        return Ok(StartAt::Live);
    }
    text.parse::<MessageId>()
        .map(StartAt::After)
        .map_err(|_| invalid_since(source, text))
}
