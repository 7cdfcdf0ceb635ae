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
///
/// How the stream ended is in the envelope's `stream_end`. An end without one is read as
/// the wire had it before (a [`StreamEnd`] as its `data`, as messages kept in a
/// transport's history from then may be), or else, with the stream id as its data, as a
/// reference server's end, which says only that the stream is over: finished.
fn end_error(envelope: &Envelope) -> Option<StreamError> {
    let end = match &envelope.stream_end {
        Some(end) => end.clone(),
        None if envelope.data.is_string() => return None,
        None => match serde_json::from_value::<StreamEnd>(envelope.data.clone()) {
            Ok(end) => end,
            Err(err) => {
                return Some(StreamError::Interrupted {
                    reason: format!("the stream's `datastream-end` could not be read: {err}"),
                })
            }
        },
    };
    match end {
        StreamEnd {
            status: StreamStatus::Finished,
            ..
        } => None,
        StreamEnd { error, .. } => Some(StreamError::Aborted {
            reason: error.unwrap_or_else(|| "aborted".to_owned()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn end(data: serde_json::Value, stream_end: Option<StreamEnd>) -> Envelope {
        let mut envelope = Envelope::new("a:b", "t", data);
        envelope.kind = MessageKind::DatastreamEnd;
        envelope.stream_id = Some("s1".into());
        envelope.stream_end = stream_end;
        envelope
    }

    fn reason(error: Option<StreamError>) -> Option<String> {
        error.map(|e| e.to_string())
    }

    #[test]
    fn the_end_is_read_from_stream_end() {
        assert!(end_error(&end(json!("s1"), Some(StreamEnd::finished(2)))).is_none());
        assert_eq!(
            reason(end_error(&end(json!("s1"), Some(StreamEnd::aborted(1, "gone"))))),
            Some("the stream was aborted: gone".to_owned())
        );
    }

    #[test]
    fn an_end_without_stream_end_is_read_as_the_reference_or_the_former_wire_has_it() {
        // A reference server's end: the stream id, nothing more. The stream is over.
        assert!(end_error(&end(json!("s1"), None)).is_none());
        // The wire before: how it ended as the data (kept in a transport's history).
        let former = serde_json::to_value(StreamEnd::aborted(0, "old")).unwrap();
        assert_eq!(
            reason(end_error(&end(former, None))),
            Some("the stream was aborted: old".to_owned())
        );
        let former = serde_json::to_value(StreamEnd::finished(3)).unwrap();
        assert!(end_error(&end(former, None)).is_none());
        // Neither.
        let unreadable = end_error(&end(json!({"status": "done"}), None));
        assert!(
            matches!(&unreadable, Some(StreamError::Interrupted { reason }) if reason.contains("could not be read")),
            "{unreadable:?}"
        );
    }
}
