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
//!
//! The parts, one file each: `builder` (the options, awaited to open), `feed` (the
//! transport's items turned into typed ones), `shared` (one decode for many subscribers),
//! `views` (the JSON and SSE views), `callback` (a subscription driven by a callback),
//! `state` (a subscriber's folded state: connection, run status, messages by topic).

mod builder;
mod callback;
mod feed;
mod shared;
mod state;
mod views;

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::Stream;
use realtime_core::{Channel, Message, TopicKey};
use tokio_util::sync::CancellationToken;

use crate::datastream::fold::Fold;
use crate::{RecvError, TransportStream};
use feed::{Feed, Form, Owned};

pub use builder::{SharedSubscribeBuilder, SubscribeBuilder};
pub use callback::SubscriptionHandle;
pub(crate) use feed::TopicFilter;
pub use shared::SharedSubscription;
pub use state::{ConnectionStatus, SubscriberState, DEFAULT_HISTORY_LIMIT};

/// A typed stream of messages: `Stream<Item = Result<Message<C::Message>, RecvError>>`.
pub struct Subscription<C: Channel> {
    inner: Inner<C, Owned>,
}

/// How a subscription treats what it receives.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Options {
    /// Check data against the topics' schemas.
    pub(crate) validate: bool,
    /// How long a data stream's reader waits for a chunk.
    pub(crate) stream_idle: Option<std::time::Duration>,
}

/// A subscription's state, whatever form its messages take.
pub(crate) struct Inner<C: Channel, F: Form<C>> {
    channel: Arc<str>,
    fold: Option<Fold<Feed<C, F>>>,
    filter: TopicFilter,
    closed: CancellationToken,
}

impl<C: Channel, F: Form<C>> Inner<C, F> {
    pub(crate) fn new(
        channel: String,
        stream: TransportStream,
        topics: Vec<C::Topic>,
        options: Options,
    ) -> Self {
        let Options {
            validate,
            stream_idle,
        } = options;
        let topics = topics.into_iter().map(TopicKey::spec).collect();
        let channel: Arc<str> = channel.into();
        let filter = TopicFilter { topics, validate };
        let feed = Feed::new(channel.clone(), stream, filter.clone());
        Inner {
            channel,
            fold: Some(Fold::new(feed, stream_idle)),
            filter,
            closed: CancellationToken::new(),
        }
    }

    pub(crate) fn channel(&self) -> &str {
        &self.channel
    }

    pub(crate) fn topics(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.filter.topics.iter().map(|spec| spec.name())
    }

    pub(crate) fn last_id(&self) -> Option<realtime_core::MessageId> {
        self.fold
            .as_ref()?
            .with_source(|feed| feed.and_then(|feed| feed.stream.last_id()))
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.fold.is_none()
    }

    pub(crate) fn close(&mut self) {
        self.fold = None;
        self.closed.cancel();
    }

    pub(crate) fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<F::Item>> {
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

    pub(crate) fn debug(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(name)
            .field("channel", &self.channel)
            .field("topics", &self.topics().collect::<Vec<_>>())
            .field("validate", &self.filter.validate)
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl<C: Channel, F: Form<C>> Drop for Inner<C, F> {
    fn drop(&mut self) {
        self.closed.cancel();
    }
}

impl<C: Channel> Subscription<C> {
    pub(crate) fn new(
        channel: String,
        stream: TransportStream,
        topics: Vec<C::Topic>,
        options: Options,
    ) -> Self {
        Subscription {
            inner: Inner::new(channel, stream, topics, options),
        }
    }

    /// The concrete channel name.
    pub fn channel(&self) -> &str {
        self.inner.channel()
    }

    /// The wire names of the topics this subscription takes.
    pub fn topics(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.inner.topics()
    }

    /// The id of the newest message received (of any topic), to resume after with
    /// [`SubscribeBuilder::after`](crate::SubscribeBuilder::after) if this subscription
    /// is dropped and opened again. `None` once closed.
    pub fn last_id(&self) -> Option<realtime_core::MessageId> {
        self.inner.last_id()
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// Closes the subscription: the stream and every view end, and what they held is
    /// freed. Data streams being read end with
    /// [`StreamError::Interrupted`](realtime_core::StreamError::Interrupted) once read.
    pub fn close(&mut self) {
        self.inner.close();
    }

    /// A new feed of the same channel from now on, with the topic filter and the token
    /// that ends views; for the JSON and SSE views.
    pub(crate) fn view_parts(&self) -> Option<(TransportStream, TopicFilter, CancellationToken)> {
        let inner = &self.inner;
        let stream = inner
            .fold
            .as_ref()?
            .with_source(|feed| feed.map(|feed| feed.stream.resubscribe()))?;
        Some((stream, inner.filter.clone(), inner.closed.clone()))
    }
}

impl<C: Channel> Stream for Subscription<C> {
    type Item = Result<Message<C::Message>, RecvError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next(cx)
    }
}

impl<C: Channel> fmt::Debug for Subscription<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.debug("Subscription", f)
    }
}
