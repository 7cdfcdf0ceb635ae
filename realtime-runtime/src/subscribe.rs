//! [`SubscribeBuilder`]: which topics, whether to validate, then open.

use std::future::IntoFuture;

use futures::future::BoxFuture;
use realtime_core::{Channel, TopicKey};

use crate::{Realtime, SubscribeError, Subscription};

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
}

impl<'a, C: Channel> SubscribeBuilder<'a, C> {
    pub(crate) fn new(realtime: &'a Realtime, channel: String) -> Self {
        SubscribeBuilder {
            realtime,
            channel,
            topics: C::Topic::all().to_vec(),
            validate: true,
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
}

impl<'a, C: Channel> IntoFuture for SubscribeBuilder<'a, C> {
    type Output = Result<Subscription<C>, SubscribeError>;
    type IntoFuture = BoxFuture<'a, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            if self.topics.is_empty() {
                return Err(SubscribeError::NoTopics);
            }
            let stream = self.realtime.transport().subscribe(&self.channel).await?;
            Ok(Subscription::new(
                self.channel,
                stream,
                self.topics,
                self.validate,
            ))
        })
    }
}
