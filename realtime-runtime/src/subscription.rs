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
//! [`close`](Subscription::close), or dropping the subscription, frees what it holds and
//! ends its JSON and SSE views.

use std::fmt;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::Stream;
use realtime_core::{Channel, Message, TopicKey, TopicSpec, RUN_TOPIC};
use tokio_util::sync::CancellationToken;

use crate::{Delivery, RecvError, TransportStream};

/// A typed stream of messages: `Stream<Item = Result<Message<C::Message>, RecvError>>`.
pub struct Subscription<C: Channel> {
    channel: Arc<str>,
    stream: Option<TransportStream>,
    filter: TopicFilter,
    closed: CancellationToken,
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
    /// Data of one of its topics.
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
    /// when the subscription has its topic.
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
    /// have no topic schema.
    pub(crate) fn check(&self, delivery: &Delivery, selected: Selected) -> Result<(), RecvError> {
        match selected {
            Selected::Topic(spec) if self.validate && spec.validates() => Ok(delivery.check(spec)?),
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
        Subscription {
            channel: channel.into(),
            stream: Some(stream),
            filter: TopicFilter { topics, validate },
            closed: CancellationToken::new(),
            _channel: PhantomData,
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
        self.stream.as_ref().and_then(TransportStream::last_id)
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.stream.is_none()
    }

    /// Closes the subscription: the stream and every view end, and what they held is freed.
    pub fn close(&mut self) {
        self.stream = None;
        self.closed.cancel();
    }

    pub(crate) fn parts(&self) -> Option<(&TransportStream, &TopicFilter, &CancellationToken)> {
        self.stream
            .as_ref()
            .map(|stream| (stream, &self.filter, &self.closed))
    }

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

impl<C: Channel> Stream for Subscription<C> {
    type Item = Result<Message<C::Message>, RecvError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            let Some(stream) = self.stream.as_mut() else {
                return Poll::Ready(None);
            };
            let delivery = match Pin::new(stream).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => {
                    self.close();
                    return Poll::Ready(None);
                }
                Poll::Ready(Some(Err(gap))) => return Poll::Ready(Some(Err(RecvError::ContinuityLost(gap)))),
                Poll::Ready(Some(Ok(delivery))) => delivery,
            };
            if let Some(selected) = self.filter.select(&delivery) {
                return Poll::Ready(Some(self.decode(&delivery, selected)));
            }
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
