//! [`SharedSubscription`]: a subscription whose messages are decoded once per message for
//! all the shared subscriptions of the channel in this process, and handed out behind an
//! [`Arc`].

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::Stream;
use realtime_core::{Channel, Message, MessageId};

use super::feed::Shared;
use super::{Inner, Options};
use crate::{RecvError, TransportStream};

/// A typed stream of shared messages:
/// `Stream<Item = Result<Arc<Message<C::Message>>, RecvError>>`. Opened with
/// [`SubscribeBuilder::shared`](crate::SubscribeBuilder::shared).
///
/// It receives what a [`Subscription`](crate::Subscription) with the same options
/// receives, in the same order, with the same error items. The difference is the cost
/// of many subscribers in one process: a [`Subscription`](crate::Subscription) decodes
/// each message's JSON into its own typed message, while the shared subscriptions of a
/// channel decode a message once (the first to receive it) and each gets a clone of the
/// same `Arc`. Each subscription still checks the schema if it validates (once per
/// message and schema for the whole process, as for every subscription).
///
/// A data stream's message (the `Stream` variant) is this subscription's own: its `Arc`
/// is not shared, so [`Arc::into_inner`] (or [`Arc::get_mut`]) always gives the message,
/// and with it the [`DataStream`](realtime_core::DataStream) to read.
///
/// A decoded message lives as long as the channel's history holds its delivery (or a
/// subscriber holds the `Arc`), which is the price of decoding it only once.
///
/// README.md ("Many subscribers in one process") has a runnable example.
pub struct SharedSubscription<C: Channel>
where
    C::Message: Sync,
{
    inner: Inner<C, Shared>,
}

impl<C: Channel> SharedSubscription<C>
where
    C::Message: Sync,
{
    pub(crate) fn new(
        channel: String,
        stream: TransportStream,
        topics: Vec<C::Topic>,
        options: Options,
    ) -> Self {
        SharedSubscription {
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

    /// The id of the newest message received (of any topic), to resume after; `None`
    /// once closed. See [`Subscription::last_id`](crate::Subscription::last_id).
    pub fn last_id(&self) -> Option<MessageId> {
        self.inner.last_id()
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// Closes the subscription: the stream ends and what it held is freed.
    pub fn close(&mut self) {
        self.inner.close();
    }
}

impl<C: Channel> Stream for SharedSubscription<C>
where
    C::Message: Sync,
{
    type Item = Result<Arc<Message<C::Message>>, RecvError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner
            .poll_next(cx)
            .map(|item| item.map(|item| item.map_err(|error| *error)))
    }
}

impl<C: Channel> fmt::Debug for SharedSubscription<C>
where
    C::Message: Sync,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.debug("SharedSubscription", f)
    }
}
