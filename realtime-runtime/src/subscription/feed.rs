//! [`Feed`]: what a subscription reads, the transport's deliveries filtered by topic,
//! checked and decoded into the channel's messages, in one of two [`Form`]s.

use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::Stream;
use realtime_core::{Channel, DataStream, Envelope, Message, TopicSpec, RUN_TOPIC};

use crate::datastream::fold::{Source, Step};
use crate::datastream::stream_step;
use crate::{Delivery, RecvError, TransportStream};

/// The transport's feed of one channel, filtered and decoded.
pub(crate) struct Feed<C: Channel, F> {
    pub(crate) channel: Arc<str>,
    pub(crate) stream: TransportStream,
    pub(crate) filter: TopicFilter,
    _form: PhantomData<fn() -> (C, F)>,
}

/// Which topics a subscription takes, and whether it checks their data.
#[derive(Clone)]
pub(crate) struct TopicFilter {
    pub(crate) topics: Arc<[&'static TopicSpec]>,
    pub(crate) validate: bool,
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
    #[inline]
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
    #[inline]
    pub(crate) fn select(&self, delivery: &Delivery) -> Option<Selected> {
        let envelope = delivery.envelope();
        if envelope.is_run() {
            return Some(Selected::Run);
        }
        // Published in this process through a typed topic: found by pointer, without
        // comparing names (a channel's topics have distinct names).
        if let Some(spec) = delivery.published_spec() {
            if self.topics.iter().any(|&topic| std::ptr::eq(topic, spec)) {
                return Some(Selected::Topic(spec));
            }
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
    #[inline]
    pub(crate) fn check(&self, delivery: &Delivery, selected: Selected) -> Result<(), RecvError> {
        match selected {
            // Data the publisher checked against this spec passed: nothing to check.
            Selected::Topic(spec) if self.validate && !delivery.passed(spec) => check_data(delivery, spec),
            _ => Ok(()),
        }
    }
}

/// Checks a delivery's data against `spec` if the topic validates and the delivery
/// carries topic data (cached on the delivery).
fn check_data(delivery: &Delivery, spec: &'static TopicSpec) -> Result<(), RecvError> {
    if spec.validates() && delivery.envelope().carries_topic_data() {
        delivery.check(spec)?;
    }
    Ok(())
}

/// How a subscription hands out its messages.
pub(crate) trait Form<C: Channel>: Send + 'static {
    /// The subscription's item, as the layers of the subscription pass it on.
    type Item: Send + 'static;

    /// The item of a message (or error) made outside [`decode`](Self::decode).
    fn item(item: Result<Message<C::Message>, Box<RecvError>>) -> Self::Item;

    /// The item of a selected delivery: its data checked and decoded.
    fn decode(feed: &Feed<C, Self>, delivery: &Delivery, selected: Selected) -> Self::Item
    where
        Self: Sized;
}

/// Each subscriber decodes its own [`Message`].
pub(crate) struct Owned;

/// Subscribers of one channel share one decoded message per delivery, behind an `Arc`.
pub(crate) struct Shared;

impl<C: Channel> Form<C> for Owned {
    type Item = Result<Message<C::Message>, RecvError>;

    fn item(item: Result<Message<C::Message>, Box<RecvError>>) -> Self::Item {
        item.map_err(|error| *error)
    }

    fn decode(feed: &Feed<C, Self>, delivery: &Delivery, selected: Selected) -> Self::Item {
        feed.filter.check(delivery, selected)?;
        feed.decode(delivery, selected)
    }
}

impl<C: Channel> Form<C> for Shared
where
    C::Message: Sync,
{
    /// The error boxed: the item is two words, cheap to pass through the layers (the
    /// subscription unboxes it).
    type Item = Result<Arc<Message<C::Message>>, Box<RecvError>>;

    fn item(item: Result<Message<C::Message>, Box<RecvError>>) -> Self::Item {
        item.map(Arc::new)
    }

    #[inline]
    fn decode(feed: &Feed<C, Self>, delivery: &Delivery, selected: Selected) -> Self::Item {
        // Checked by each subscriber (once per message and schema, on the delivery):
        // another subscription that shares the decoded message may not validate.
        feed.filter.check(delivery, selected)?;
        delivery.decoded(|| Ok(Arc::new(feed.decode(delivery, selected)?)))
    }
}

impl<C: Channel, F> Feed<C, F> {
    pub(crate) fn new(channel: Arc<str>, stream: TransportStream, filter: TopicFilter) -> Self {
        Feed {
            channel,
            stream,
            filter,
            _form: PhantomData,
        }
    }

    /// The delivery's data decoded into a message of the channel (not checked).
    fn decode(&self, delivery: &Delivery, selected: Selected) -> Result<Message<C::Message>, RecvError> {
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

impl<C: Channel, F: Form<C>> Feed<C, F> {
    /// The step of a data stream envelope on `spec`'s topic (out of line: streams are
    /// rare, and every delivery pays for the code around it).
    #[inline(never)]
    fn stream_step(
        &self,
        envelope: &Envelope,
        spec: &'static TopicSpec,
    ) -> Step<C::Message, Box<RecvError>, F::Item> {
        match stream_step::<C>(&self.channel, envelope, spec, self.filter.validate) {
            Ok(step) => Step::Stream(Box::new(step)),
            Err(reason) => Step::Item(F::item(Err(Box::new(RecvError::Malformed { reason })))),
        }
    }
}

impl<C: Channel, F: Form<C>> Source for Feed<C, F> {
    type Message = C::Message;
    /// Boxed: a step is moved through every layer, and errors are rare.
    type Error = Box<RecvError>;
    type Item = F::Item;

    /// Inlined into the subscription's poll: this is every delivery's path.
    #[inline]
    fn poll_step(&mut self, cx: &mut Context<'_>) -> Poll<Option<Step<C::Message, Box<RecvError>, F::Item>>> {
        loop {
            let delivery = match Pin::new(&mut self.stream).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(gap))) => {
                    return Poll::Ready(Some(Step::Break(
                        Box::new(RecvError::ContinuityLost(gap)),
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
                Selected::Topic(spec) if envelope.is_stream() => self.stream_step(envelope, spec),
                _ => Step::Item(F::decode(self, &delivery, selected)),
            };
            return Poll::Ready(Some(step));
        }
    }

    fn item(item: Result<Message<C::Message>, Box<RecvError>>) -> F::Item {
        F::item(item)
    }

    fn wrap(stream: DataStream<C::Message>) -> C::Message {
        C::stream_message(stream)
    }
}
