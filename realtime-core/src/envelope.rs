//! The envelope: what travels between publishers and subscribers.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{MessageId, StreamEnd};

/// What a message is: plain topic data, a run lifecycle update, or part of a data stream.
///
/// Serialized in kebab case: `data`, `run`, `datastream-start`, `chunk`, `datastream-end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MessageKind {
    /// A payload published to a topic. Most messages are of this kind.
    #[default]
    Data,
    /// A run lifecycle update (started, completed, failed, cancelled).
    Run,
    /// The start of a data stream on a topic.
    DatastreamStart,
    /// One chunk of a data stream.
    Chunk,
    /// The end of a data stream.
    DatastreamEnd,
}

/// A message as it travels: its topic, channel, JSON data and metadata.
///
/// The JSON shape, which is also the gateway's wire format:
///
/// ```json
/// {
///   "id": "1700000000000-0",
///   "channel": "pipeline:abc123",
///   "topic": "status",
///   "data": { "message": "Starting", "step": null },
///   "kind": "data",
///   "run_id": "01HX...",
///   "fn_id": "generate",
///   "created_at": "2026-11-23T08:00:00.000Z"
/// }
/// ```
///
/// `run_id` and `fn_id` are left out when unknown; `stream_id` is there only on the
/// envelopes of a data stream, and `stream_end` only on a `datastream-end` (see
/// [`DataStream`](crate::DataStream) for a stream's envelopes). `id` is assigned by the
/// transport when the message is published.
///
/// ```
/// use realtime_core::{Envelope, MessageKind};
/// let env = Envelope::new("pipeline:abc123", "status", serde_json::json!({"message": "hi"}));
/// assert_eq!(env.kind, MessageKind::Data);
/// let json = serde_json::to_value(&env).unwrap();
/// assert_eq!(json["channel"], "pipeline:abc123");
/// assert!(json.get("run_id").is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// The id, ordered within the channel; assigned by the transport.
    #[serde(default)]
    pub id: MessageId,
    /// The concrete channel name.
    pub channel: String,
    /// The topic's wire name.
    pub topic: String,
    /// The payload, as JSON.
    pub data: Value,
    /// What the message is.
    #[serde(default)]
    pub kind: MessageKind,
    /// The run that published it, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    /// The function that published it, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fn_id: Option<String>,
    /// The data stream it belongs to: set on `datastream-start`, `chunk` and
    /// `datastream-end` envelopes (see [`DataStream`](crate::DataStream)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_id: Option<String>,
    /// How the data stream ended: set on `datastream-end` envelopes, whose `data` is the
    /// stream id (as on the reference server, whose SDK reads nothing else), so the end's
    /// status, chunk count and error travel beside it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_end: Option<StreamEnd>,
    /// When the publisher created it.
    pub created_at: DateTime<Utc>,
}

impl Envelope {
    /// A `data` envelope created now, with no run or function id and a zero id.
    pub fn new(channel: impl Into<String>, topic: impl Into<String>, data: Value) -> Self {
        Envelope {
            id: MessageId::ZERO,
            channel: channel.into(),
            topic: topic.into(),
            data,
            kind: MessageKind::Data,
            run_id: None,
            fn_id: None,
            stream_id: None,
            stream_end: None,
            created_at: Utc::now(),
        }
    }

    /// Whether this is a run lifecycle message ([`MessageKind::Run`]): its data is a
    /// [`RunUpdate`](crate::RunUpdate), on the reserved [`RUN_TOPIC`](crate::RUN_TOPIC).
    #[inline]
    pub fn is_run(&self) -> bool {
        self.kind == MessageKind::Run
    }

    /// Whether the data is a payload of the topic, to be checked against its schema: a
    /// `data` message or a stream's `chunk`. A run update and a stream's start and end
    /// (whose data is the stream id) are not.
    #[inline]
    pub fn carries_topic_data(&self) -> bool {
        matches!(self.kind, MessageKind::Data | MessageKind::Chunk)
    }

    /// Whether this envelope is part of a data stream: a `datastream-start`, `chunk` or
    /// `datastream-end`.
    #[inline]
    pub fn is_stream(&self) -> bool {
        matches!(
            self.kind,
            MessageKind::DatastreamStart | MessageKind::Chunk | MessageKind::DatastreamEnd
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_serialize_in_kebab_case() {
        let names: Vec<String> = [
            MessageKind::Data,
            MessageKind::Run,
            MessageKind::DatastreamStart,
            MessageKind::Chunk,
            MessageKind::DatastreamEnd,
        ]
        .iter()
        .map(|k| serde_json::to_value(k).unwrap().as_str().unwrap().to_owned())
        .collect();
        assert_eq!(
            names,
            ["data", "run", "datastream-start", "chunk", "datastream-end"]
        );
    }

    #[test]
    fn envelope_round_trips() {
        let mut env = Envelope::new("a:b", "t", serde_json::json!([1, 2]));
        env.run_id = Some("r".into());
        env.id = MessageId::new(9, 1);
        let json = serde_json::to_string(&env).unwrap();
        let back: Envelope = serde_json::from_str(&json).unwrap();
        assert_eq!(back, env);
    }

    #[test]
    fn a_stream_end_carries_the_stream_id_as_data_and_the_end_beside_it() {
        let mut env = Envelope::new("a:b", "t", serde_json::json!("s1"));
        env.kind = MessageKind::DatastreamEnd;
        env.stream_id = Some("s1".into());
        env.stream_end = Some(StreamEnd::aborted(2, "gone"));
        let json = serde_json::to_value(&env).unwrap();
        assert_eq!(json["data"], "s1");
        assert_eq!(json["stream_id"], "s1");
        assert_eq!(
            json["stream_end"],
            serde_json::json!({"status": "aborted", "chunks": 2, "error": "gone"})
        );
        let back: Envelope = serde_json::from_value(json).unwrap();
        assert_eq!(back, env);
        // Only an end has it.
        let plain = serde_json::to_value(Envelope::new("a:b", "t", serde_json::json!(1))).unwrap();
        assert!(plain.get("stream_end").is_none());
    }
}
