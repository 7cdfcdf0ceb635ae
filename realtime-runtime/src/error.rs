//! Errors of the runtime, one enum per operation.

use realtime_core::{DecodeError, SchemaViolation};

use crate::ContinuityLost;

/// A transport could not do what was asked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The transport has been shut down.
    #[error("the transport is closed")]
    Closed,
    /// The back end failed (a lost connection, a refused command).
    #[error("the transport's back end failed: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// A publish that was refused. Nothing was sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PublishError {
    /// The serialized payload is larger than the configured limit.
    #[error("payload of {size} bytes is over the limit of {limit} bytes")]
    PayloadTooLarge {
        /// The payload's size as JSON, in bytes.
        size: usize,
        /// The limit in force.
        limit: usize,
    },
    /// The payload breaks its topic's JSON Schema.
    #[error(transparent)]
    SchemaViolation(#[from] SchemaViolation),
    /// A data stream's chunk is larger, as JSON, than the stream's
    /// [limit](crate::StreamLimits::max_chunk_bytes).
    #[error("stream chunk of {size} bytes is over the limit of {limit} bytes")]
    ChunkTooLarge {
        /// The chunk's size as JSON, in bytes.
        size: usize,
        /// The limit in force.
        limit: usize,
    },
    /// A data stream already has as many chunks as its [limit](crate::StreamLimits::max_chunks).
    #[error("the stream already has {limit} chunks, its limit")]
    TooManyChunks {
        /// The limit in force.
        limit: u64,
    },
    /// The concrete channel name holds characters channel names do not allow (a parameter
    /// whose text has a space, say).
    #[error(
        "channel name `{name}` holds a character outside A-Z a-z 0-9 and `{}`",
        realtime_core::NAME_PUNCTUATION
    )]
    InvalidChannelName {
        /// The name at fault.
        name: String,
    },
    /// The idempotency key is empty, longer than
    /// [`MAX_IDEMPOTENCY_KEY_BYTES`](crate::MAX_IDEMPOTENCY_KEY_BYTES), or holds a
    /// character outside visible ASCII (`!` to `~`).
    #[error("invalid idempotency key: {reason}")]
    InvalidIdempotencyKey {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The payload could not be serialized to JSON.
    #[error("the payload could not be serialized: {0}")]
    Serialize(#[source] serde_json::Error),
    /// The transport failed.
    #[error(transparent)]
    Transport(#[from] TransportError),
}

/// A subscription that could not be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SubscribeError {
    /// An empty set of topics was asked for.
    #[error("a subscription needs at least one topic")]
    NoTopics,
    /// The concrete channel name holds characters channel names do not allow (a parameter
    /// whose text has a space, say): nothing can ever be published to it, so subscribing
    /// is refused as publishing is ([`PublishError::InvalidChannelName`]).
    #[error(
        "channel name `{name}` holds a character outside A-Z a-z 0-9 and `{}`",
        realtime_core::NAME_PUNCTUATION
    )]
    InvalidChannelName {
        /// The name at fault.
        name: String,
    },
    /// The transport failed.
    #[error(transparent)]
    Transport(#[from] TransportError),
}

/// An error item in a subscription's stream. The stream goes on after it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecvError {
    /// Messages were lost for this subscriber: it resumed after an id older than the
    /// channel's history, or fell behind further than the history reaches (a subscriber
    /// that falls behind less recovers from history without a gap).
    #[error(transparent)]
    ContinuityLost(#[from] ContinuityLost),
    /// A message from the transport breaks its topic's schema; it is not delivered.
    #[error(transparent)]
    SchemaViolation(#[from] SchemaViolation),
    /// A message from the transport does not decode into its topic's payload type.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A message from the transport is not well formed (a data stream envelope without a
    /// stream id); it is not delivered.
    #[error("a malformed message: {reason}")]
    Malformed {
        /// What is wrong with it.
        reason: &'static str,
    },
}
