//! Typed publishing: [`Publish`], the future returned by [`Realtime::publish`].

use std::future::{Future, IntoFuture};
use std::io;

use futures::future::BoxFuture;
use realtime_core::{Channel, MessageId, MessageKind, Payload, Topic};
use serde_json::Value;

use crate::{PublishError, Realtime};

/// Metadata a publish may carry besides the data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishOptions {
    /// The message kind (default `data`).
    pub kind: MessageKind,
    /// The run that publishes.
    pub run_id: Option<String>,
    /// The function that publishes.
    pub fn_id: Option<String>,
}

/// A typed publish, ready to be awaited.
///
/// ```no_run
/// # async fn demo<C: realtime_core::Channel>(rt: realtime_runtime::Realtime, topic: realtime_core::Topic<C, String>) {
/// let id = rt.publish(topic, "hello".to_owned()).run_id("run-1").fn_id("generate").await;
/// # }
/// ```
#[must_use = "a publish does nothing until it is awaited"]
pub struct Publish<'a, C: Channel, T> {
    realtime: &'a Realtime,
    topic: Topic<C, T>,
    data: T,
    options: PublishOptions,
}

impl<'a, C: Channel, T: Payload> Publish<'a, C, T> {
    pub(crate) fn new(realtime: &'a Realtime, topic: Topic<C, T>, data: T) -> Self {
        Publish {
            realtime,
            topic,
            data,
            options: PublishOptions::default(),
        }
    }

    /// Tags the message with the run that publishes it.
    pub fn run_id(mut self, run_id: impl Into<String>) -> Self {
        self.options.run_id = Some(run_id.into());
        self
    }

    /// Tags the message with the function that publishes it.
    pub fn fn_id(mut self, fn_id: impl Into<String>) -> Self {
        self.options.fn_id = Some(fn_id.into());
        self
    }
}

impl<'a, C: Channel, T: Payload> IntoFuture for Publish<'a, C, T> {
    type Output = Result<MessageId, PublishError>;
    type IntoFuture = BoxFuture<'a, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        let Publish {
            realtime,
            topic,
            data,
            options,
        } = self;
        Box::pin(publish_typed(realtime, topic, data, options))
    }
}

fn publish_typed<'a, C: Channel, T: Payload>(
    realtime: &'a Realtime,
    topic: Topic<C, T>,
    data: T,
    options: PublishOptions,
) -> impl Future<Output = Result<MessageId, PublishError>> + Send + 'a {
    let data = serde_json::to_value(&data).map_err(PublishError::Serialize);
    async move {
        let spec = topic.spec();
        realtime
            .publish_json(topic.channel(), spec.name(), data?, Some(spec), options)
            .await
    }
}

/// The size of `value` as compact JSON, in bytes, without keeping the encoding.
pub(crate) fn json_size(value: &Value) -> usize {
    struct Count(usize);
    impl io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    serde_json::to_writer(&mut count, value).expect("writing JSON to a counter cannot fail");
    count.0
}

#[cfg(test)]
mod tests {
    #[test]
    fn json_size_counts_compact_bytes() {
        let value = serde_json::json!({"a": [1, 2, "x"]});
        assert_eq!(
            super::json_size(&value),
            serde_json::to_vec(&value).unwrap().len()
        );
    }
}
