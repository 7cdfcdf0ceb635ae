//! The [`Realtime`] handle: publish typed payloads, open typed subscriptions.

use std::fmt;
use std::sync::Arc;

use realtime_core::{is_valid_channel_name, Channel, Envelope, MessageId, Payload, Topic, TopicSpec};
use serde_json::Value;

use crate::publish::{json_size, Publish, PublishOptions};
use crate::{Delivery, MemoryTransport, PublishError, SubscribeBuilder, Transport};

/// The default limit on a payload's size as JSON: 512 KiB.
pub const DEFAULT_MAX_PAYLOAD_BYTES: usize = 512 * 1024;

/// A handle to publish and subscribe over one transport. Cheap to clone.
///
/// ```
/// # use realtime_runtime::Realtime;
/// let rt = Realtime::in_memory();
/// assert_eq!(rt.transport().kind(), "memory");
/// let small = Realtime::builder().max_payload_bytes(1024).build();
/// assert_eq!(small.max_payload_bytes(), 1024);
/// ```
#[derive(Clone)]
pub struct Realtime {
    inner: Arc<Inner>,
}

struct Inner {
    transport: Arc<dyn Transport>,
    max_payload_bytes: usize,
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
    /// is. The size limit always applies.
    pub async fn publish_json(
        &self,
        channel: &str,
        topic: &str,
        data: Value,
        spec: Option<&'static TopicSpec>,
        options: PublishOptions,
    ) -> Result<MessageId, PublishError> {
        if !is_valid_channel_name(channel) {
            return Err(PublishError::InvalidChannelName {
                name: channel.to_owned(),
            });
        }
        let size = json_size(&data);
        if size > self.inner.max_payload_bytes {
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
        let delivery = match spec {
            Some(spec) => Delivery::checked_against(envelope, spec),
            None => Delivery::new(envelope),
        };
        Ok(self.inner.transport.publish(delivery).await?)
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
            .finish()
    }
}

/// Builds a [`Realtime`] handle.
#[must_use]
pub struct RealtimeBuilder {
    transport: Option<Arc<dyn Transport>>,
    max_payload_bytes: usize,
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

    /// The handle.
    pub fn build(self) -> Realtime {
        Realtime {
            inner: Arc::new(Inner {
                transport: self.transport.unwrap_or_else(|| Arc::new(MemoryTransport::new())),
                max_payload_bytes: self.max_payload_bytes,
            }),
        }
    }
}
