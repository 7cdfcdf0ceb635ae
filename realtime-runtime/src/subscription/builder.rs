//! [`SubscribeBuilder`]: which topics, whether to validate, then open.

use std::future::IntoFuture;
use std::time::Duration;

use futures::future::BoxFuture;
use realtime_core::{Channel, MessageId, TopicKey};

use crate::subscription::Options;
use crate::{
    Realtime, SharedSubscription, StartAt, SubscribeError, Subscription, TransportStream,
    DEFAULT_STREAM_IDLE_TIMEOUT,
};

/// Options of a subscription being opened; await it to open it.
///
/// By default a subscription covers every topic of the channel and validates incoming
/// data against each topic's schema.
#[must_use = "a subscription is opened only when the builder is awaited"]
pub struct SubscribeBuilder<'a, C: Channel> {
    realtime: &'a Realtime,
    channel: String,
    topics: Vec<C::Topic>,
    validate: bool,
    stream_idle: Option<Duration>,
    start: StartAt,
}

impl<'a, C: Channel> SubscribeBuilder<'a, C> {
    pub(crate) fn new(realtime: &'a Realtime, channel: String) -> Self {
        SubscribeBuilder {
            realtime,
            channel,
            topics: C::Topic::all().to_vec(),
            validate: true,
            stream_idle: Some(DEFAULT_STREAM_IDLE_TIMEOUT),
            start: StartAt::Live,
        }
    }

    /// Only these topics. A key of another channel's topic has another type and does not
    /// compile.
    pub fn topics(mut self, topics: impl IntoIterator<Item = C::Topic>) -> Self {
        // Keeps the first occurrence of each key: `Vec::dedup` would only drop adjacent repeats.
        self.topics.clear();
        for topic in topics {
            if !self.topics.contains(&topic) {
                self.topics.push(topic);
            }
        }
        self
    }

    /// Whether to check incoming data against the topics' schemas (default `true`).
    ///
    /// Messages published through a `Realtime` handle in this process were checked when
    /// published and are not checked twice; the check matters for messages that arrive
    /// from elsewhere through a shared transport.
    pub fn validate(mut self, validate: bool) -> Self {
        self.validate = validate;
        self
    }

    /// How long a data stream's reader waits for its next chunk before the stream ends
    /// with [`StreamError::Interrupted`](realtime_core::StreamError::Interrupted); `None`
    /// waits for ever. Default [`DEFAULT_STREAM_IDLE_TIMEOUT`] (5 minutes): a writer whose
    /// process died sends no end.
    pub fn stream_idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.stream_idle = timeout;
        self
    }

    /// The options the subscription is made with.
    fn options(&self) -> Options {
        Options {
            validate: self.validate,
            stream_idle: self.stream_idle,
        }
    }

    /// Resumes after `id`, the last message id this subscriber saw (see
    /// [`Subscription::last_id`]): the messages after it still in the channel's history
    /// come first, in order, then live ones, each once. If history no longer reaches back
    /// to `id`, the first item is [`RecvError::ContinuityLost`](crate::RecvError::ContinuityLost).
    pub fn after(self, id: MessageId) -> Self {
        self.start(StartAt::After(id))
    }

    /// Where to start: live (the default) or after an id.
    pub fn start(mut self, start: StartAt) -> Self {
        self.start = start;
        self
    }

    /// Opens a [`SharedSubscription`] instead, the last call before awaiting: each message
    /// is decoded once for all the shared subscriptions of the channel in this process
    /// and handed out behind an `Arc`, for many subscribers in one process.
    pub fn shared(self) -> SharedSubscribeBuilder<'a, C>
    where
        C::Message: Sync,
    {
        SharedSubscribeBuilder { options: self }
    }

    /// The transport's feed, opened where the options say.
    async fn open(&self) -> Result<TransportStream, SubscribeError> {
        if self.topics.is_empty() {
            return Err(SubscribeError::NoTopics);
        }
        if !realtime_core::is_valid_channel_name(&self.channel) {
            return Err(SubscribeError::InvalidChannelName {
                name: self.channel.clone(),
            });
        }
        Ok(TransportStream::open(self.realtime.transport().clone(), &self.channel, self.start).await?)
    }
}

/// A [`SubscribeBuilder`] that opens a [`SharedSubscription`]; await it.
#[must_use = "a subscription is opened only when the builder is awaited"]
pub struct SharedSubscribeBuilder<'a, C: Channel> {
    options: SubscribeBuilder<'a, C>,
}

impl<'a, C: Channel> IntoFuture for SharedSubscribeBuilder<'a, C>
where
    C::Message: Sync,
{
    type Output = Result<SharedSubscription<C>, SubscribeError>;
    type IntoFuture = BoxFuture<'a, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        let options = self.options;
        Box::pin(async move {
            let stream = options.open().await?;
            let settings = options.options();
            Ok(SharedSubscription::new(
                options.channel,
                stream,
                options.topics,
                settings,
            ))
        })
    }
}

impl<'a, C: Channel> IntoFuture for SubscribeBuilder<'a, C> {
    type Output = Result<Subscription<C>, SubscribeError>;
    type IntoFuture = BoxFuture<'a, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let stream = self.open().await?;
            let settings = self.options();
            Ok(Subscription::new(self.channel, stream, self.topics, settings))
        })
    }
}
