//! Data streams: a long output (LLM tokens, a log) published as chunks on one topic, and
//! received as one message holding a nested stream of those chunks.
//!
//! On the wire a stream is a sequence of envelopes on its topic, all carrying the same
//! `stream_id`: one [`MessageKind::DatastreamStart`](crate::MessageKind::DatastreamStart)
//! (data: the stream id), any number of [`MessageKind::Chunk`](crate::MessageKind::Chunk)
//! (data: one chunk, of the topic's payload type and validated against its schema) and one
//! [`MessageKind::DatastreamEnd`](crate::MessageKind::DatastreamEnd) (data: the stream id
//! again, and how the stream ended, a [`StreamEnd`], in the envelope's `stream_end`).
//! The start and end carry the stream id as `data` as the reference server does, so its
//! SDK, which reads nothing else of them, can pair them; the `stream_end` field is ours.
//! They are ordinary messages to transports, so history and resume cover them.
//!
//! ```json
//! {"kind": "datastream-start", "channel": "pipeline:run-1", "topic": "llm_tokens",
//!  "data": "4f1c…", "stream_id": "4f1c…", ...}
//! {"kind": "chunk", "channel": "pipeline:run-1", "topic": "llm_tokens",
//!  "data": "Hello", "stream_id": "4f1c…", ...}
//! {"kind": "datastream-end", "channel": "pipeline:run-1", "topic": "llm_tokens",
//!  "data": "4f1c…", "stream_id": "4f1c…",
//!  "stream_end": {"status": "finished", "chunks": 1}, ...}
//! ```

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_core::Stream;
use serde::{Deserialize, Serialize};
use sync_wrapper::SyncWrapper;

use crate::{DecodeError, SchemaViolation};

/// How a data stream ended and how many chunks it sent: the `stream_end` field of its
/// `datastream-end` envelope (whose `data` is the stream id).
///
/// ```
/// use realtime_core::{Envelope, MessageKind, StreamEnd};
/// assert_eq!(
///     serde_json::to_value(StreamEnd::finished(3)).unwrap(),
///     serde_json::json!({"status": "finished", "chunks": 3})
/// );
/// let aborted = StreamEnd::aborted(1, "the model timed out");
/// assert_eq!(
///     serde_json::to_value(&aborted).unwrap(),
///     serde_json::json!({"status": "aborted", "chunks": 1, "error": "the model timed out"})
/// );
///
/// // On the wire: the stream id as `data`, the end beside it.
/// let mut end = Envelope::new("pipeline:run-1", "llm_tokens", serde_json::json!("s1"));
/// end.kind = MessageKind::DatastreamEnd;
/// end.stream_id = Some("s1".into());
/// end.stream_end = Some(StreamEnd::finished(3));
/// let json = serde_json::to_value(&end).unwrap();
/// assert_eq!(json["data"], "s1");
/// assert_eq!(json["stream_end"], serde_json::json!({"status": "finished", "chunks": 3}));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StreamEnd {
    /// Whether the writer finished or the stream was aborted.
    pub status: StreamStatus,
    /// How many chunks the writer sent.
    pub chunks: u64,
    /// Why an aborted stream was aborted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl StreamEnd {
    /// A stream that finished after `chunks` chunks.
    pub fn finished(chunks: u64) -> Self {
        StreamEnd {
            status: StreamStatus::Finished,
            chunks,
            error: None,
        }
    }

    /// A stream aborted after `chunks` chunks, because of `error`.
    pub fn aborted(chunks: u64, error: impl Into<String>) -> Self {
        StreamEnd {
            status: StreamStatus::Aborted,
            chunks,
            error: Some(error.into()),
        }
    }
}

/// How a data stream ended. Serialized in snake case: `finished`, `aborted`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StreamStatus {
    /// The writer finished it.
    Finished,
    /// The writer aborted it, or was dropped before finishing.
    Aborted,
}

/// Why a data stream did not end well: the error item a [`DataStream`] ends with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StreamError {
    /// The writer aborted the stream, or was dropped (or its HTTP body broke off) before
    /// finishing it.
    #[error("the stream was aborted: {reason}")]
    Aborted {
        /// The writer's reason.
        reason: String,
    },
    /// The subscription lost messages, ended or was closed while the stream was open, so
    /// chunks may be missing.
    #[error("the stream was interrupted: {reason}")]
    Interrupted {
        /// What happened to the subscription.
        reason: String,
    },
    /// A chunk breaks its topic's schema; it is not delivered. The stream goes on.
    #[error(transparent)]
    SchemaViolation(#[from] SchemaViolation),
    /// A chunk does not decode into its topic's payload type. The stream goes on.
    #[error(transparent)]
    Decode(#[from] DecodeError),
}

impl StreamError {
    /// Whether this error ends the stream (an abort or an interruption), rather than being
    /// one bad chunk.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            StreamError::Aborted { .. } | StreamError::Interrupted { .. }
        )
    }
}

/// The chunks of a data stream, as its subscription delivers them.
type Chunks<M> = Pin<Box<dyn Stream<Item = Result<M, StreamError>> + Send>>;

/// A data stream as a subscriber receives it: `Stream<Item = Result<M, StreamError>>`,
/// yielding its chunks in order, each decoded into the channel's message enum (the
/// variant of the stream's topic).
///
/// It ends after the last chunk when the writer finished; with one
/// [`StreamError::Aborted`] item when the writer aborted or was dropped; with one
/// [`StreamError::Interrupted`] item when the subscription could not see the rest. It
/// never waits for an end that cannot come from its subscription.
///
/// A subscription opened (or resumed) after a stream started sees it from the first
/// chunk it receives, marked [`is_partial`](DataStream::is_partial).
pub struct DataStream<M> {
    id: Arc<str>,
    topic: &'static str,
    partial: bool,
    // Only ever polled through `&mut self`, so the stream need not be `Sync` for the
    // `DataStream` to be: a message holding one can be shared behind an `Arc`.
    chunks: SyncWrapper<Chunks<M>>,
}

impl<M> DataStream<M> {
    /// A data stream over `chunks`; for subscriptions, which build it.
    pub fn new(
        id: Arc<str>,
        topic: &'static str,
        partial: bool,
        chunks: impl Stream<Item = Result<M, StreamError>> + Send + 'static,
    ) -> Self {
        DataStream {
            id,
            topic,
            partial,
            chunks: SyncWrapper::new(Box::pin(chunks)),
        }
    }

    /// The stream's id, unique per stream.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The wire name of the topic the stream is on.
    pub fn topic(&self) -> &'static str {
        self.topic
    }

    /// Whether the subscription joined the stream after it started, so its first chunks
    /// are not here.
    pub fn is_partial(&self) -> bool {
        self.partial
    }
}

impl<M> Stream for DataStream<M> {
    type Item = Result<M, StreamError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.chunks.get_mut().as_mut().poll_next(cx)
    }
}

impl<M> fmt::Debug for DataStream<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataStream")
            .field("id", &self.id)
            .field("topic", &self.topic)
            .field("partial", &self.partial)
            .finish_non_exhaustive()
    }
}
