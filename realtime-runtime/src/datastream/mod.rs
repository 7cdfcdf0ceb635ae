//! Data streams: publish a long output as chunks ([`StreamWriter`]), receive it as one
//! message holding a [`DataStream`](realtime_core::DataStream) of the chunks.
//!
//! A stream is three kinds of envelopes on one topic, all with the same `stream_id`:
//! `datastream-start`, `chunk`… and `datastream-end` (see `realtime_core::DataStream`).
//! They ride the transports like any message, so history, resume and every node see
//! them. Subscriptions fold them back into one message per stream ([`fold`]).

pub(crate) mod fold;
mod writer;

use std::sync::Arc;

use realtime_core::{
    Channel, Envelope, Message, MessageKind, StreamEnd, StreamError, StreamStatus, TopicSpec,
};

pub use writer::{RawStreamWriter, StreamBuilder, StreamLimits, StreamWriter};

use fold::{StreamEvent, StreamStep};

/// The default limit on one chunk's size as JSON: 64 KiB.
///
/// ```
/// assert_eq!(realtime_runtime::DEFAULT_MAX_CHUNK_BYTES, 64 * 1024);
/// ```
pub const DEFAULT_MAX_CHUNK_BYTES: usize = 64 * 1024;

/// The default limit on the number of chunks in one stream: 100,000.
///
/// ```
/// assert_eq!(realtime_runtime::DEFAULT_MAX_CHUNKS, 100_000);
/// ```
pub const DEFAULT_MAX_CHUNKS: u64 = 100_000;

/// How long a subscriber's [`DataStream`](realtime_core::DataStream) waits for its next
/// chunk, while it is read, before it ends with
/// [`StreamError::Interrupted`](realtime_core::StreamError::Interrupted): a writer whose
/// process died sends no end, and its readers must not wait forever. Set per subscription
/// with [`SubscribeBuilder::stream_idle_timeout`](crate::SubscribeBuilder::stream_idle_timeout).
///
/// ```
/// use std::time::Duration;
/// assert_eq!(realtime_runtime::DEFAULT_STREAM_IDLE_TIMEOUT, Duration::from_secs(300));
/// ```
pub const DEFAULT_STREAM_IDLE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

/// Decodes a data stream envelope on `spec`'s topic for a subscription of `C`. `Err` with
/// the reason when the envelope has no stream id.
pub(crate) fn stream_step<C: Channel>(
    channel: &Arc<str>,
    envelope: &Envelope,
    spec: &'static TopicSpec,
    validate: bool,
) -> Result<StreamStep<C::Message>, &'static str> {
    let Some(id) = envelope.stream_id.as_deref() else {
        return Err("a data stream envelope without a `stream_id`");
    };
    let event = match envelope.kind {
        MessageKind::DatastreamStart => StreamEvent::Start,
        MessageKind::Chunk => StreamEvent::Chunk(chunk::<C>(envelope, spec, validate)),
        _ => StreamEvent::End(end_error(envelope)),
    };
    let head = Message {
        id: envelope.id,
        channel: channel.clone(),
        topic: spec.name(),
        kind: envelope.kind,
        run_id: envelope.run_id.clone(),
        fn_id: envelope.fn_id.clone(),
        created_at: envelope.created_at,
        data: (),
    };
    Ok(StreamStep {
        id: Arc::from(id),
        head,
        event,
    })
}

fn chunk<C: Channel>(
    envelope: &Envelope,
    spec: &'static TopicSpec,
    validate: bool,
) -> Result<C::Message, StreamError> {
    if validate && spec.validates() {
        spec.check(&envelope.data)?;
    }
    Ok(C::decode(spec.name(), &envelope.data)?)
}

/// The error a `datastream-end` envelope ends its stream with, if any.
fn end_error(envelope: &Envelope) -> Option<StreamError> {
    match serde_json::from_value::<StreamEnd>(envelope.data.clone()) {
        Ok(StreamEnd {
            status: StreamStatus::Finished,
            ..
        }) => None,
        Ok(StreamEnd { error, .. }) => Some(StreamError::Aborted {
            reason: error.unwrap_or_else(|| "aborted".to_owned()),
        }),
        Err(err) => Some(StreamError::Interrupted {
            reason: format!("the stream's `datastream-end` could not be read: {err}"),
        }),
    }
}
