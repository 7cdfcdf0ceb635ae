//! The [`Realtime`] handle: publish typed payloads, open typed subscriptions.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use realtime_core::{is_valid_channel_name, Channel, Envelope, MessageId, Payload, Topic, TopicSpec};
use serde_json::Value;

use crate::publish::{check_idempotency_key, json_size_over, Publish, PublishOptions};
use crate::{Delivery, MemoryTransport, PublishError, Published, SubscribeBuilder, Transport};

/// The default limit on a payload's size as JSON: 512 KiB.
pub const DEFAULT_MAX_PAYLOAD_BYTES: usize = 512 * 1024;

/// How long an idempotency key is remembered by default: 24 hours from the first publish
/// with it.
///
/// ```
/// use std::time::Duration;
/// assert_eq!(realtime_runtime::DEFAULT_IDEMPOTENCY_TTL, Duration::from_secs(24 * 60 * 60));
/// ```
pub const DEFAULT_IDEMPOTENCY_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// A handle to publish and subscribe over one transport. Cheap to clone.
///
/// ```
/// # use realtime_runtime::Realtime;
/// let rt = Realtime::in_memory();
/// assert_eq!(rt.transport().kind(), "memory");
/// let small = Realtime::builder().max_payload_bytes(1024).build();
/// assert_eq!(small.max_payload_bytes(), 1024);
/// assert_eq!(small.idempotency_ttl(), realtime_runtime::DEFAULT_IDEMPOTENCY_TTL);
/// ```
#[derive(Clone)]
pub struct Realtime {
    inner: Arc<Inner>,
}

struct Inner {
    transport: Arc<dyn Transport>,
    max_payload_bytes: usize,
    idempotency_ttl: Duration,
}

impl Realtime {
    /// A handle over a new in-memory transport, with default settings.
    pub fn in_memory() -> Self {
        Self::builder().build()
    }

    /// A handle over `transport`, with default settings.
    pub fn new(transport: impl Transport) -> Self {
        Self::builder().transport(transport).build()
    }

    /// A builder to choose the transport and the limits.
    pub fn builder() -> RealtimeBuilder {
        RealtimeBuilder {
            transport: None,
            max_payload_bytes: DEFAULT_MAX_PAYLOAD_BYTES,
            idempotency_ttl: DEFAULT_IDEMPOTENCY_TTL,
        }
    }

    /// The transport in use.
    pub fn transport(&self) -> &Arc<dyn Transport> {
        &self.inner.transport
    }

    /// The limit on a payload's size as JSON, in bytes.
    pub fn max_payload_bytes(&self) -> usize {
        self.inner.max_payload_bytes
    }

    /// How long an idempotency key is remembered when a publish does not say.
    pub fn idempotency_ttl(&self) -> Duration {
        self.inner.idempotency_ttl
    }

    /// Publishes `data` to `topic`: serializes it, enforces the size limit, validates it
    /// against the topic's schema, then sends it. Await the returned [`Publish`] (after
    /// setting a run id or function id if wanted) to get the message id.
    ///
    /// A payload of another type than the topic's does not compile.
    pub fn publish<C: Channel, T: Payload>(&self, topic: Topic<C, T>, data: T) -> Publish<'_, C, T> {
        Publish::new(self, topic, data)
    }

    /// Publishes JSON data to a topic given by name, as the gateway does for HTTP
    /// publishes. With `spec`, the data is validated against it; without, it is sent as
    /// is. The size limit always applies. With [`PublishOptions::idempotency_key`], it is
    /// sent at most once per key on the channel (see [`Publish::idempotency_key`]), and a
    /// duplicate returns the first message's id.
    pub async fn publish_json(
        &self,
        channel: &str,
        topic: &str,
        data: Value,
        spec: Option<&'static TopicSpec>,
        options: PublishOptions,
    ) -> Result<MessageId, PublishError> {
        Ok(self
            .publish_json_outcome(channel, topic, data, spec, options)
            .await?
            .id)
    }

    /// [`Realtime::publish_json`], telling whether the message was sent now or, for a
    /// duplicate of an earlier publish with the same idempotency key, before.
    pub async fn publish_json_outcome(
        &self,
        channel: &str,
        topic: &str,
        data: Value,
        spec: Option<&'static TopicSpec>,
        options: PublishOptions,
    ) -> Result<Published, PublishError> {
        let (delivery, key, ttl) = self.prepare(channel, topic, data, spec, options)?;
        Ok(match key {
            None => Published::sent(self.inner.transport.publish(delivery).await?),
            Some(key) => self.inner.transport.publish_once(delivery, &key, ttl).await?,
        })
    }

    /// Checks a publish and builds its delivery; its idempotency key, if any, and the key's
    /// time to live.
    fn prepare(
        &self,
        channel: &str,
        topic: &str,
        data: Value,
        spec: Option<&'static TopicSpec>,
        options: PublishOptions,
    ) -> Result<(Delivery, Option<String>, Duration), PublishError> {
        if let Some(key) = &options.idempotency_key {
            check_idempotency_key(key)?;
        }
        if !is_valid_channel_name(channel) {
            return Err(PublishError::InvalidChannelName {
                name: channel.to_owned(),
            });
        }
        if let Some(size) = json_size_over(&data, self.inner.max_payload_bytes) {
            return Err(PublishError::PayloadTooLarge {
                size,
                limit: self.inner.max_payload_bytes,
            });
        }
        if let Some(spec) = spec {
            spec.check(&data)?;
        }
        let mut envelope = Envelope::new(channel, topic, data);
        envelope.kind = options.kind;
        envelope.run_id = options.run_id;
        envelope.fn_id = options.fn_id;
        envelope.stream_id = options.stream_id;
        envelope.stream_end = options.stream_end;
        let delivery = match spec {
            Some(spec) => Delivery::checked_against(envelope, spec),
            None => Delivery::new(envelope),
        };
        let ttl = options.idempotency_ttl.unwrap_or(self.inner.idempotency_ttl);
        Ok((delivery, options.idempotency_key, ttl))
    }

    /// Opens a subscription to `channel`. Choose topics and options on the returned
    /// builder, then await it.
    pub fn subscribe<C: Channel>(&self, channel: &C) -> SubscribeBuilder<'_, C> {
        SubscribeBuilder::new(self, channel.name())
    }
}

impl fmt::Debug for Realtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Realtime")
            .field("transport", &self.inner.transport.kind())
            .field("max_payload_bytes", &self.inner.max_payload_bytes)
            .field("idempotency_ttl", &self.inner.idempotency_ttl)
            .finish()
    }
}

/// Builds a [`Realtime`] handle.
#[must_use]
pub struct RealtimeBuilder {
    transport: Option<Arc<dyn Transport>>,
    max_payload_bytes: usize,
    idempotency_ttl: Duration,
}

impl RealtimeBuilder {
    /// The transport to use (default: a new [`MemoryTransport`]).
    pub fn transport(mut self, transport: impl Transport) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// A transport already shared with other handles.
    pub fn shared_transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// The limit on a payload's size as JSON (default 512 KiB).
    pub fn max_payload_bytes(mut self, limit: usize) -> Self {
        self.max_payload_bytes = limit;
        self
    }

    /// How long an idempotency key ([`Publish::idempotency_key`]) is remembered, counted
    /// from the first publish with it, when the publish does not say (default 24 hours).
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = realtime_runtime::Realtime::builder().idempotency_ttl(Duration::from_secs(3600)).build();
    /// assert_eq!(rt.idempotency_ttl(), Duration::from_secs(3600));
    /// ```
    pub fn idempotency_ttl(mut self, ttl: Duration) -> Self {
        self.idempotency_ttl = ttl;
        self
    }

    /// The handle.
    pub fn build(self) -> Realtime {
        Realtime {
            inner: Arc::new(Inner {
                transport: self.transport.unwrap_or_else(|| Arc::new(MemoryTransport::new())),
                max_payload_bytes: self.max_payload_bytes,
                idempotency_ttl: self.idempotency_ttl,
            }),
        }
    }
}
