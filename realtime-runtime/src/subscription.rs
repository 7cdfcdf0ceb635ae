//! [`Subscription`]: a typed stream of one channel's messages.
//!
//! A subscription receives, in publish order, every message published to its channel's
//! chosen topics after it was opened (or, resuming, after a given id: those still in the
//! channel's history first). Its buffer is bounded: a subscriber that falls behind
//! recovers what it missed from the channel's history, and gets a
//! [`RecvError::ContinuityLost`] item only when history no longer holds it; the stream
//! goes on. A message that fails its topic's schema or does not decode is an error
//! item too; nothing is dropped silently.
//!
//! Run lifecycle messages ([`RunScope`](crate::RunScope)) on the channel arrive too,
//! whatever topics were chosen, as the `Run` variant of the message enum; they have no
//! topic schema and are not validated.
//!
//! A data stream ([`Realtime::stream`](crate::Realtime::stream)) on a chosen topic arrives
//! as one message, the `Stream` variant, holding a
//! [`DataStream`](realtime_core::DataStream) of its chunks (each validated and decoded
//! like a message of the topic). The stream can be read to its end without polling the
//! subscription meanwhile; messages that arrive in the meantime wait for the subscription.
//!
//! [`close`](Subscription::close), or dropping the subscription, frees what it holds and
//! ends its JSON and SSE views.

use std::fmt;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::Stream;
use realtime_core::{Channel, DataStream, Message, TopicKey, TopicSpec, RUN_TOPIC};
use tokio_util::sync::CancellationToken;

use crate::datastream::fold::{Fold, Source, Step};
use crate::datastream::stream_step;
use crate::{Delivery, RecvError, TransportStream};

/// A typed stream of messages: `Stream<Item = Result<Message<C::Message>, RecvError>>`.
pub struct Subscription<C: Channel> {
    channel: Arc<str>,
    fold: Option<Fold<Feed<C>>>,
    filter: TopicFilter,
    closed: CancellationToken,
}

/// What a subscription reads: the transport's feed, filtered and decoded.
struct Feed<C: Channel> {
    channel: Arc<str>,
    stream: TransportStream,
    filter: TopicFilter,
    _channel: PhantomData<fn() -> C>,
}

/// Which topics a subscription takes, and whether it checks their data.
#[derive(Clone)]
pub(crate) struct TopicFilter {
    topics: Arc<[&'static TopicSpec]>,
    validate: bool,
}

/// What a subscription takes a delivery as.
#[derive(Clone, Copy)]
pub(crate) enum Selected {
    /// Data of one of its topics, or part of a data stream on one.
    Topic(&'static TopicSpec),
    /// A run lifecycle message, taken whatever the topics.
    Run,
}

impl Selected {
    /// The wire name of the message's topic.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Selected::Topic(spec) => spec.name(),
            Selected::Run => RUN_TOPIC,
        }
    }
}

impl TopicFilter {
    /// How the subscription takes the delivery, if it does: a run message always, data
    /// and data streams when the subscription has their topic.
    pub(crate) fn select(&self, delivery: &Delivery) -> Option<Selected> {
        let envelope = delivery.envelope();
        if envelope.is_run() {
            return Some(Selected::Run);
        }
        let topic = envelope.topic.as_str();
        self.topics
            .iter()
            .copied()
            .find(|spec| spec.name() == topic)
            .map(Selected::Topic)
    }

    /// Checks a selected delivery's data, if this subscription validates. Run messages
    /// have no topic schema, and a data stream's start and end carry no topic data.
    pub(crate) fn check(&self, delivery: &Delivery, selected: Selected) -> Result<(), RecvError> {
        match selected {
            Selected::Topic(spec)
                if self.validate && spec.validates() && delivery.envelope().carries_topic_data() =>
            {
                Ok(delivery.check(spec)?)
            }
            _ => Ok(()),
        }
    }
}

impl<C: Channel> Subscription<C> {
    pub(crate) fn new(
        channel: String,
        stream: TransportStream,
        topics: Vec<C::Topic>,
        validate: bool,
    ) -> Self {
        let topics: Arc<[&'static TopicSpec]> = topics.into_iter().map(TopicKey::spec).collect();
        let channel: Arc<str> = channel.into();
        let filter = TopicFilter { topics, validate };
        let feed = Feed {
            channel: channel.clone(),
            stream,
            filter: filter.clone(),
            _channel: PhantomData,
        };
        Subscription {
            channel,
            fold: Some(Fold::new(feed)),
            filter,
            closed: CancellationToken::new(),
        }
    }

    /// The concrete channel name.
    pub fn channel(&self) -> &str {
        &self.channel
    }

    /// The wire names of the topics this subscription takes.
    pub fn topics(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.filter.topics.iter().map(|spec| spec.name())
    }

    /// The id of the newest message received (of any topic), to resume after with
    /// [`SubscribeBuilder::after`](crate::SubscribeBuilder::after) if this subscription
    /// is dropped and opened again. `None` once closed.
    pub fn last_id(&self) -> Option<realtime_core::MessageId> {
        self.fold
            .as_ref()?
            .with_source(|feed| feed.and_then(|feed| feed.stream.last_id()))
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.fold.is_none()
    }

    /// Closes the subscription: the stream and every view end, and what they held is
    /// freed. Data streams being read end with
    /// [`StreamError::Interrupted`](realtime_core::StreamError::Interrupted) once read.
    pub fn close(&mut self) {
        self.fold = None;
        self.closed.cancel();
    }

    /// A new feed of the same channel from now on, with the topic filter and the token
    /// that ends views; for the JSON and SSE views.
    pub(crate) fn view_parts(&self) -> Option<(TransportStream, TopicFilter, CancellationToken)> {
        let stream = self
            .fold
            .as_ref()?
            .with_source(|feed| feed.map(|feed| feed.stream.resubscribe()))?;
        Some((stream, self.filter.clone(), self.closed.clone()))
    }
}

impl<C: Channel> Feed<C> {
    fn decode(&self, delivery: &Delivery, selected: Selected) -> Result<Message<C::Message>, RecvError> {
        self.filter.check(delivery, selected)?;
        let envelope = delivery.envelope();
        let data = C::decode(selected.name(), &envelope.data)?;
        Ok(Message {
            id: envelope.id,
            channel: self.channel.clone(),
            topic: selected.name(),
            kind: envelope.kind,
            run_id: envelope.run_id.clone(),
            fn_id: envelope.fn_id.clone(),
            created_at: envelope.created_at,
            data,
        })
    }
}

impl<C: Channel> Source for Feed<C> {
    type Message = C::Message;
    type Error = RecvError;

    fn poll_step(&mut self, cx: &mut Context<'_>) -> Poll<Option<Step<C::Message, RecvError>>> {
        loop {
            let delivery = match Pin::new(&mut self.stream).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(gap))) => {
                    return Poll::Ready(Some(Step::Break(
                        RecvError::ContinuityLost(gap),
                        "messages of the channel were lost",
                    )))
                }
                Poll::Ready(Some(Ok(delivery))) => delivery,
            };
            let Some(selected) = self.filter.select(&delivery) else {
                continue;
            };
            let envelope = delivery.envelope();
            let step = match selected {
                Selected::Topic(spec) if envelope.is_stream() => {
                    match stream_step::<C>(&self.channel, envelope, spec, self.filter.validate) {
                        Ok(step) => Step::Stream(step),
                        Err(reason) => Step::Item(Err(RecvError::Malformed { reason })),
                    }
                }
                _ => Step::Item(self.decode(&delivery, selected)),
            };
            return Poll::Ready(Some(step));
        }
    }

    fn wrap(stream: DataStream<C::Message>) -> C::Message {
        C::stream_message(stream)
    }
}

impl<C: Channel> Stream for Subscription<C> {
    type Item = Result<Message<C::Message>, RecvError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let Some(fold) = self.fold.as_mut() else {
            return Poll::Ready(None);
        };
        match Pin::new(fold).poll_next(cx) {
            Poll::Ready(None) => {
                self.close();
                Poll::Ready(None)
            }
            other => other,
        }
    }
}

impl<C: Channel> Drop for Subscription<C> {
    fn drop(&mut self) {
        self.closed.cancel();
    }
}

impl<C: Channel> fmt::Debug for Subscription<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription")
            .field("channel", &self.channel)
            .field("topics", &self.topics().collect::<Vec<_>>())
            .field("validate", &self.filter.validate)
            .field("closed", &self.is_closed())
            .finish()
    }
}
