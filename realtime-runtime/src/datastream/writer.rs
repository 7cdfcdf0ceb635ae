//! Publishing a data stream: [`StreamWriter`] (typed) over [`RawStreamWriter`] (JSON).

use std::fmt;
use std::marker::PhantomData;

use realtime_core::{Channel, MessageId, MessageKind, Payload, StreamEnd, Topic, TopicSpec};
use serde_json::Value;

use super::{DEFAULT_MAX_CHUNKS, DEFAULT_MAX_CHUNK_BYTES};
use crate::publish::json_size_over;
use crate::{PublishError, PublishOptions, Realtime, RunScope};

/// The limits a stream's writer enforces: each refused chunk is a typed
/// [`PublishError`], and nothing is sent for it.
///
/// ```
/// use realtime_runtime::StreamLimits;
/// let limits = StreamLimits::default();
/// assert_eq!(limits.max_chunk_bytes, 64 * 1024);
/// assert_eq!(limits.max_chunks, 100_000);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamLimits {
    /// The most one chunk may be as JSON, in bytes ([`PublishError::ChunkTooLarge`]).
    pub max_chunk_bytes: usize,
    /// The most chunks one stream may have ([`PublishError::TooManyChunks`]).
    pub max_chunks: u64,
}

impl Default for StreamLimits {
    fn default() -> Self {
        StreamLimits {
            max_chunk_bytes: DEFAULT_MAX_CHUNK_BYTES,
            max_chunks: DEFAULT_MAX_CHUNKS,
        }
    }
}

impl Realtime {
    /// A data stream on `topic`: set a run id, function id or limits on the returned
    /// builder, then [`open`](StreamBuilder::open) it and write chunks of the topic's
    /// payload type.
    ///
    /// ```no_run
    /// # async fn demo<C: realtime_core::Channel>(rt: realtime_runtime::Realtime, answer: realtime_core::Topic<C, String>) -> Result<(), realtime_runtime::PublishError> {
    /// let mut stream = rt.stream(answer).open().await?;
    /// for token in ["Hello", ", ", "world"] {
    ///     stream.write(token.to_owned()).await?;
    /// }
    /// stream.finish().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn stream<C: Channel, T: Payload>(&self, topic: Topic<C, T>) -> StreamBuilder<C, T> {
        StreamBuilder {
            realtime: self.clone(),
            topic,
            options: PublishOptions::default(),
            limits: StreamLimits::default(),
        }
    }
}

impl<C: Channel> RunScope<C> {
    /// A data stream on `topic`, tagged with this run's id (and function id, if set).
    pub fn stream<T: Payload>(&self, topic: Topic<C, T>) -> StreamBuilder<C, T> {
        let builder = self.realtime().stream(topic).run_id(self.run_id());
        match self.fn_id_ref() {
            Some(fn_id) => builder.fn_id(fn_id),
            None => builder,
        }
    }
}

/// Builds a data stream; from [`Realtime::stream`].
#[must_use = "a stream builder does nothing until opened"]
pub struct StreamBuilder<C: Channel, T> {
    realtime: Realtime,
    topic: Topic<C, T>,
    options: PublishOptions,
    limits: StreamLimits,
}

impl<C: Channel, T: Payload> StreamBuilder<C, T> {
    /// Tags the stream's messages with the run that publishes them.
    pub fn run_id(mut self, run_id: impl Into<String>) -> Self {
        self.options.run_id = Some(run_id.into());
        self
    }

    /// Tags the stream's messages with the function that publishes them.
    pub fn fn_id(mut self, fn_id: impl Into<String>) -> Self {
        self.options.fn_id = Some(fn_id.into());
        self
    }

    /// The limits to enforce (default [`StreamLimits::default`]).
    pub fn limits(mut self, limits: StreamLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Publishes the `datastream-start` and gives the writer.
    pub async fn open(self) -> Result<StreamWriter<C, T>, PublishError> {
        let spec = self.topic.spec();
        let raw = RawStreamWriter::open(
            &self.realtime,
            self.topic.channel(),
            spec.name(),
            Some(spec),
            self.options,
            self.limits,
        )
        .await?;
        Ok(StreamWriter {
            raw,
            _payload: PhantomData,
        })
    }
}

/// Writes a data stream's chunks, each of the topic's payload type `T`; from
/// [`StreamBuilder::open`].
///
/// End it with [`finish`](Self::finish), or [`abort`](Self::abort) with a reason.
/// Dropped before either, it aborts the stream by itself (in the background, on the
/// current tokio runtime), so subscribers never wait for an end that will not come.
pub struct StreamWriter<C: Channel, T> {
    raw: RawStreamWriter,
    _payload: PhantomData<fn(T) -> C>,
}

impl<C: Channel, T: Payload> StreamWriter<C, T> {
    /// The stream's id.
    pub fn id(&self) -> &str {
        self.raw.id()
    }

    /// How many chunks were sent.
    pub fn chunks(&self) -> u64 {
        self.raw.chunks()
    }

    /// Sends one chunk: serialized, checked against the limits and the topic's schema.
    /// A refused chunk sends nothing and leaves the stream open.
    pub async fn write(&mut self, chunk: T) -> Result<MessageId, PublishError> {
        let data = serde_json::to_value(&chunk).map_err(PublishError::Serialize)?;
        self.raw.write(data).await
    }

    /// Ends the stream well: publishes its `datastream-end`.
    pub async fn finish(self) -> Result<MessageId, PublishError> {
        self.raw.finish().await
    }

    /// Ends the stream with an error: subscribers' streams end with
    /// [`StreamError::Aborted`](realtime_core::StreamError::Aborted) and `reason`.
    pub async fn abort(self, reason: impl fmt::Display) -> Result<MessageId, PublishError> {
        self.raw.abort(reason).await
    }
}

impl<C: Channel, T> fmt::Debug for StreamWriter<C, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.raw.fmt(f)
    }
}

/// A data stream's writer taking JSON chunks, for topics given by name (the gateway's
/// `text/stream` publishes). [`StreamWriter`] is the typed one.
pub struct RawStreamWriter {
    realtime: Realtime,
    channel: String,
    topic: String,
    spec: Option<&'static TopicSpec>,
    id: String,
    options: PublishOptions,
    limits: StreamLimits,
    chunks: u64,
    ended: bool,
}

impl RawStreamWriter {
    /// Publishes the `datastream-start` of a new stream on `channel`'s `topic`, tagged
    /// with `options`' run and function ids. With `spec`, chunks are validated against it.
    pub async fn open(
        realtime: &Realtime,
        channel: &str,
        topic: &str,
        spec: Option<&'static TopicSpec>,
        options: PublishOptions,
        limits: StreamLimits,
    ) -> Result<Self, PublishError> {
        let mut writer = RawStreamWriter {
            realtime: realtime.clone(),
            channel: channel.to_owned(),
            topic: topic.to_owned(),
            spec,
            id: uuid::Uuid::new_v4().simple().to_string(),
            options: PublishOptions {
                run_id: options.run_id,
                fn_id: options.fn_id,
                ..PublishOptions::default()
            },
            limits,
            chunks: 0,
            // Nothing to abort until the start is out.
            ended: true,
        };
        let id = Value::String(writer.id.clone());
        writer.send(MessageKind::DatastreamStart, id, None, None).await?;
        writer.ended = false;
        Ok(writer)
    }

    /// The stream's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// How many chunks were sent.
    pub fn chunks(&self) -> u64 {
        self.chunks
    }

    /// The limits in force.
    pub fn limits(&self) -> StreamLimits {
        self.limits
    }

    /// Sends one chunk, checked against the limits (and the schema, if any). A refused
    /// chunk sends nothing and leaves the stream open.
    pub async fn write(&mut self, data: Value) -> Result<MessageId, PublishError> {
        if self.chunks >= self.limits.max_chunks {
            return Err(PublishError::TooManyChunks {
                limit: self.limits.max_chunks,
            });
        }
        if let Some(size) = json_size_over(&data, self.limits.max_chunk_bytes) {
            return Err(PublishError::ChunkTooLarge {
                size,
                limit: self.limits.max_chunk_bytes,
            });
        }
        let id = self.send(MessageKind::Chunk, data, self.spec, None).await?;
        self.chunks += 1;
        Ok(id)
    }

    /// Ends the stream well.
    pub async fn finish(mut self) -> Result<MessageId, PublishError> {
        self.end(StreamEnd::finished(self.chunks)).await
    }

    /// Ends the stream with an error.
    pub async fn abort(mut self, reason: impl fmt::Display) -> Result<MessageId, PublishError> {
        self.end(StreamEnd::aborted(self.chunks, reason.to_string()))
            .await
    }

    /// Publishes the `datastream-end`: the stream id as its data, as for the start (and as
    /// on the reference server), and `end` in its `stream_end`.
    async fn end(&mut self, end: StreamEnd) -> Result<MessageId, PublishError> {
        let data = Value::String(self.id.clone());
        let id = self
            .send(MessageKind::DatastreamEnd, data, None, Some(end))
            .await?;
        self.ended = true;
        Ok(id)
    }

    async fn send(
        &self,
        kind: MessageKind,
        data: Value,
        spec: Option<&'static TopicSpec>,
        stream_end: Option<StreamEnd>,
    ) -> Result<MessageId, PublishError> {
        let options = PublishOptions {
            kind,
            stream_id: Some(self.id.clone()),
            stream_end,
            ..self.options.clone()
        };
        self.realtime
            .publish_json(&self.channel, &self.topic, data, spec, options)
            .await
    }
}

impl Drop for RawStreamWriter {
    fn drop(&mut self) {
        if self.ended {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::warn!(stream = %self.id, "a stream writer was dropped outside a tokio runtime; its stream is not ended");
            return;
        };
        let end = StreamEnd::aborted(self.chunks, "the writer was dropped before finishing");
        let data = Value::String(self.id.clone());
        let realtime = self.realtime.clone();
        let (channel, topic) = (self.channel.clone(), self.topic.clone());
        let options = PublishOptions {
            kind: MessageKind::DatastreamEnd,
            stream_id: Some(self.id.clone()),
            stream_end: Some(end),
            ..self.options.clone()
        };
        runtime.spawn(async move {
            if let Err(err) = realtime.publish_json(&channel, &topic, data, None, options).await {
                tracing::warn!(%err, "could not end a dropped stream writer's stream");
            }
        });
    }
}

impl fmt::Debug for RawStreamWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamWriter")
            .field("channel", &self.channel)
            .field("topic", &self.topic)
            .field("id", &self.id)
            .field("chunks", &self.chunks)
            .field("limits", &self.limits)
            .finish()
    }
}
