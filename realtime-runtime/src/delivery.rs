//! A published envelope as transports carry it, with work shared by all its subscribers.

use std::any::Any;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use realtime_core::{Envelope, MessageId, SchemaViolation, TopicSpec};

/// An envelope on its way to subscribers, shared behind an `Arc`.
///
/// Work that is the same for every subscriber is done once per message and cached here:
/// the schema check (keyed by the topic spec it was checked against), the JSON
/// encoding used by the JSON and SSE views and by the gateway, and the typed message
/// of [shared subscriptions](crate::SharedSubscription).
#[derive(Debug)]
pub struct Delivery {
    envelope: Envelope,
    /// The spec of the envelope's topic, when the publisher in this process checked the
    /// data against it: subscribers find their topic by this pointer, and need not check.
    published: Option<&'static TopicSpec>,
    checked: OnceLock<(usize, Result<(), SchemaViolation>)>,
    json: OnceLock<Bytes>,
    sse: OnceLock<Bytes>,
    /// The message decoded once for shared subscriptions (the first type asked for).
    decoded: OnceLock<Arc<dyn Any + Send + Sync>>,
}

impl Delivery {
    /// A delivery whose data has not been checked.
    pub fn new(envelope: Envelope) -> Self {
        Delivery {
            envelope,
            published: None,
            checked: OnceLock::new(),
            json: OnceLock::new(),
            sse: OnceLock::new(),
            decoded: OnceLock::new(),
        }
    }

    /// A delivery whose data the publisher in this process has already checked against
    /// `spec`, so subscribers of the same channel type need not check it again.
    pub fn checked_against(envelope: Envelope, spec: &'static TopicSpec) -> Self {
        let mut delivery = Delivery::new(envelope);
        if delivery.envelope.topic == spec.name() {
            delivery.published = Some(spec);
        }
        let _ = delivery.checked.set((spec_key(spec), Ok(())));
        delivery
    }

    /// The spec of the envelope's topic (its name is the topic's), if the publisher in this
    /// process checked the data against it and it passed.
    #[inline]
    pub(crate) fn published_spec(&self) -> Option<&'static TopicSpec> {
        self.published
    }

    /// Whether the publisher in this process checked the data against `spec` and it passed:
    /// [`check`](Self::check) with `spec` is `Ok` at no cost.
    #[inline]
    pub(crate) fn passed(&self, spec: &'static TopicSpec) -> bool {
        self.published.is_some_and(|own| std::ptr::eq(own, spec))
    }

    /// The envelope.
    #[inline]
    pub fn envelope(&self) -> &Envelope {
        &self.envelope
    }

    /// Sets the id; for transports, before the delivery is shared.
    pub fn set_id(&mut self, id: MessageId) {
        self.envelope.id = id;
    }

    /// Checks the data against `spec`, once per message for a given spec.
    #[inline]
    pub fn check(&self, spec: &'static TopicSpec) -> Result<(), SchemaViolation> {
        if self.passed(spec) {
            return Ok(());
        }
        self.check_once(spec)
    }

    /// [`check`](Self::check) through the cache of one result.
    fn check_once(&self, spec: &'static TopicSpec) -> Result<(), SchemaViolation> {
        let key = spec_key(spec);
        let (checked_key, result) = self
            .checked
            .get_or_init(|| (key, spec.check(&self.envelope.data)));
        if *checked_key == key {
            result.clone()
        } else {
            spec.check(&self.envelope.data)
        }
    }

    /// The message decoded by `decode`, once per delivery: the first caller decodes and
    /// keeps the result, later callers (asking for the same type) get the same `Arc`. A
    /// caller asking for another type, or whose decode failed, decodes for itself.
    #[inline]
    pub fn decoded<T, E>(&self, decode: impl FnOnce() -> Result<Arc<T>, E>) -> Result<Arc<T>, E>
    where
        T: Any + Send + Sync,
    {
        if let Some(value) = self.kept::<T>() {
            return Ok(value);
        }
        self.decode_and_keep(decode)
    }

    /// The message an earlier [`decoded`](Self::decoded) kept, if it is a `T`.
    #[inline]
    fn kept<T: Any + Send + Sync>(&self) -> Option<Arc<T>> {
        self.decoded.get()?.clone().downcast::<T>().ok()
    }

    /// [`decoded`](Self::decoded) when nothing of type `T` is kept: decodes, and keeps the
    /// value if nothing was kept yet.
    fn decode_and_keep<T, E>(&self, decode: impl FnOnce() -> Result<Arc<T>, E>) -> Result<Arc<T>, E>
    where
        T: Any + Send + Sync,
    {
        if self.decoded.get().is_some() {
            // Another type was kept: decode for this caller alone.
            return decode();
        }
        let value = decode()?;
        // Two first callers at once both decode; the value kept is the one set first.
        let kept = self
            .decoded
            .get_or_init(|| value.clone() as Arc<dyn Any + Send + Sync>);
        Ok(kept.clone().downcast::<T>().unwrap_or(value))
    }

    /// The envelope as JSON bytes, encoded once.
    pub fn json(&self) -> &Bytes {
        self.json.get_or_init(|| {
            Bytes::from(serde_json::to_vec(&self.envelope).expect("an envelope always serializes"))
        })
    }
}

impl Delivery {
    /// The message as one Server-Sent Event, encoded once:
    /// `id: <message id>\ndata: <envelope JSON>\n\n`.
    pub fn sse_frame(&self) -> &Bytes {
        self.sse.get_or_init(|| {
            let json = self.json();
            let mut frame = Vec::with_capacity(json.len() + 48);
            frame.extend_from_slice(format!("id: {}\ndata: ", self.envelope.id).as_bytes());
            frame.extend_from_slice(json);
            frame.extend_from_slice(b"\n\n");
            Bytes::from(frame)
        })
    }
}

fn spec_key(spec: &'static TopicSpec) -> usize {
    spec as *const TopicSpec as usize
}
