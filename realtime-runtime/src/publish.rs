//! Typed publishing: [`Publish`], the future returned by [`Realtime::publish`].

use std::future::{Future, IntoFuture};
use std::io;
use std::time::Duration;

use futures::future::BoxFuture;
use realtime_core::{Channel, MessageId, MessageKind, Payload, StreamEnd, Topic};
use serde_json::Value;

use crate::{PublishError, Published, Realtime};

/// The longest an idempotency key may be, in bytes.
///
/// ```
/// assert_eq!(realtime_runtime::MAX_IDEMPOTENCY_KEY_BYTES, 255);
/// ```
pub const MAX_IDEMPOTENCY_KEY_BYTES: usize = 255;

/// Metadata a publish may carry besides the data, and how to publish it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishOptions {
    /// The message kind (default `data`).
    pub kind: MessageKind,
    /// The run that publishes.
    pub run_id: Option<String>,
    /// The function that publishes.
    pub fn_id: Option<String>,
    /// Publish at most once per this key on the channel ([`Publish::idempotency_key`]):
    /// 1 to 255 visible ASCII characters (`!` to `~`).
    pub idempotency_key: Option<String>,
    /// How long the key is remembered, if not the handle's
    /// ([`RealtimeBuilder::idempotency_ttl`](crate::RealtimeBuilder::idempotency_ttl)).
    pub idempotency_ttl: Option<Duration>,
    /// The data stream the message is part of; set by [`StreamWriter`](crate::StreamWriter).
    pub stream_id: Option<String>,
    /// How the data stream ended, on its `datastream-end`; set by
    /// [`StreamWriter`](crate::StreamWriter).
    pub stream_end: Option<StreamEnd>,
}

/// Checks an idempotency key: 1 to [`MAX_IDEMPOTENCY_KEY_BYTES`] visible ASCII characters.
pub(crate) fn check_idempotency_key(key: &str) -> Result<(), PublishError> {
    let reason = if key.is_empty() {
        "it is empty"
    } else if key.len() > MAX_IDEMPOTENCY_KEY_BYTES {
        "it is longer than 255 bytes"
    } else if !key.bytes().all(|b| b.is_ascii_graphic()) {
        "it holds a character outside visible ASCII (`!` to `~`)"
    } else {
        return Ok(());
    };
    Err(PublishError::InvalidIdempotencyKey { reason })
}

/// A typed publish, ready to be awaited.
///
/// Awaiting it gives the message's id. With an [idempotency key](Publish::idempotency_key),
/// [`Publish::outcome`] also tells whether the message was sent now or by an earlier
/// publish with the same key.
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

    /// Publishes at most once per `key` on this channel: the durable publish of a job
    /// that may be retried (a key such as `<run id>:<step id>`).
    ///
    /// The first publish with a key sends the message; while the key is remembered
    /// ([`Publish::idempotency_ttl`], by default the handle's, 24 hours), another publish
    /// with it on the same channel — a retry, in this process or another sharing the
    /// transport — sends nothing and returns the first message's id. Only the key is
    /// compared: a retry with other data or another topic is still a duplicate. Keys are
    /// 1 to 255 visible ASCII characters (`!` to `~`); another refuses the publish with
    /// [`PublishError::InvalidIdempotencyKey`].
    ///
    /// ```no_run
    /// # async fn demo<C: realtime_core::Channel>(rt: realtime_runtime::Realtime, topic: realtime_core::Topic<C, String>) -> Result<(), realtime_runtime::PublishError> {
    /// let first = rt.publish(topic.clone(), "done".to_owned()).idempotency_key("run-1:done").await?;
    /// let again = rt.publish(topic, "done".to_owned()).idempotency_key("run-1:done").await?;
    /// assert_eq!(first, again); // sent once
    /// # Ok(())
    /// # }
    /// ```
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.options.idempotency_key = Some(key.into());
        self
    }

    /// How long this publish's idempotency key is remembered, counted from the first
    /// publish with it (default: the handle's,
    /// [`RealtimeBuilder::idempotency_ttl`](crate::RealtimeBuilder::idempotency_ttl)).
    pub fn idempotency_ttl(mut self, ttl: Duration) -> Self {
        self.options.idempotency_ttl = Some(ttl);
        self
    }

    /// Publishes, and tells whether the message was sent now or, for a duplicate of an
    /// earlier publish with the same [idempotency key](Publish::idempotency_key), before.
    ///
    /// ```no_run
    /// # async fn demo<C: realtime_core::Channel>(rt: realtime_runtime::Realtime, topic: realtime_core::Topic<C, String>) -> Result<(), realtime_runtime::PublishError> {
    /// let outcome = rt.publish(topic, "done".to_owned()).idempotency_key("run-1:done").outcome().await?;
    /// if outcome.duplicate {
    ///     println!("already published as {}", outcome.id);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn outcome(self) -> BoxFuture<'a, Result<Published, PublishError>> {
        let Publish {
            realtime,
            topic,
            data,
            options,
        } = self;
        let data = serde_json::to_value(&data).map_err(PublishError::Serialize);
        Box::pin(async move {
            let spec = topic.spec();
            realtime
                .publish_json_outcome(topic.channel(), spec.name(), data?, Some(spec), options)
                .await
        })
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
    let mut count = Count(0);
    serde_json::to_writer(&mut count, value).expect("writing JSON to a counter cannot fail");
    count.0
}

/// The size of `value` as compact JSON if it is over `limit` bytes, else `None`.
///
/// Counting the exact size means encoding the value, which costs more than its schema
/// check; nearly every payload is far below the limit, so a bound that only adds up
/// lengths is tried first, and the exact size is counted only when the bound is over.
pub(crate) fn json_size_over(value: &Value, limit: usize) -> Option<usize> {
    if json_size_bound(value, limit) <= limit {
        return None;
    }
    let size = json_size(value);
    (size > limit).then_some(size)
}

/// A size `value` as compact JSON does not exceed, or any size over `limit` once the
/// bound passes it. A string's bytes may each be escaped as `\u00XX`: 6 bytes.
fn json_size_bound(value: &Value, limit: usize) -> usize {
    match value {
        Value::Null => 4,
        Value::Bool(_) => 5,
        // Exact and cheap: no allocation, and right whatever the number's representation.
        Value::Number(n) => {
            let mut count = Count(0);
            serde_json::to_writer(&mut count, n).expect("writing JSON to a counter cannot fail");
            count.0
        }
        Value::String(s) => string_bound(s),
        Value::Array(items) => {
            let mut total = 2usize;
            for item in items {
                total = total.saturating_add(json_size_bound(item, limit) + 1);
                if total > limit {
                    break;
                }
            }
            total
        }
        Value::Object(map) => {
            let mut total = 2usize;
            for (key, item) in map {
                total = total
                    .saturating_add(string_bound(key))
                    .saturating_add(json_size_bound(item, limit) + 2);
                if total > limit {
                    break;
                }
            }
            total
        }
    }
}

fn string_bound(s: &str) -> usize {
    s.len().saturating_mul(6).saturating_add(2)
}

/// An `io::Write` that only counts bytes.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idempotency_keys_are_checked() {
        for good in ["k", "run-1:done", "~!\"#", &"x".repeat(255)] {
            assert!(check_idempotency_key(good).is_ok(), "{good}");
        }
        for bad in ["", " ", "a b", "é", "tab\t", &"x".repeat(256)] {
            assert!(
                matches!(
                    check_idempotency_key(bad),
                    Err(PublishError::InvalidIdempotencyKey { .. })
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn json_size_counts_compact_bytes() {
        let value = serde_json::json!({"a": [1, 2, "x"]});
        assert_eq!(
            super::json_size(&value),
            serde_json::to_vec(&value).unwrap().len()
        );
    }

    #[test]
    fn json_size_over_is_exact_at_the_limit() {
        let values = [
            serde_json::json!(null),
            serde_json::json!(-1.5e300),
            serde_json::json!("\u{1}\"\\é plain"),
            serde_json::json!({"a": [1, true, null, "x\n"], "b": {"c": -7}, "é": []}),
            serde_json::json!([[], {}, "", 18446744073709551615u64]),
        ];
        for value in values {
            let size = serde_json::to_vec(&value).unwrap().len();
            for limit in [0, size - 1, size, size + 1, 6 * size] {
                let expected = (size > limit).then_some(size);
                assert_eq!(
                    super::json_size_over(&value, limit),
                    expected,
                    "{value} at {limit}"
                );
            }
        }
    }
}
