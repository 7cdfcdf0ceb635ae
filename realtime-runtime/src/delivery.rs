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
            checked: OnceLock::new(),
            json: OnceLock::new(),
            sse: OnceLock::new(),
            decoded: OnceLock::new(),
        }
    }

    /// A delivery whose data the publisher in this process has already checked against
    /// `spec`, so subscribers of the same channel type need not check it again.
    pub fn checked_against(envelope: Envelope, spec: &'static TopicSpec) -> Self {
        let delivery = Delivery::new(envelope);
        let _ = delivery.checked.set((spec_key(spec), Ok(())));
        delivery
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
    pub fn decoded<T, E>(&self, decode: impl FnOnce() -> Result<Arc<T>, E>) -> Result<Arc<T>, E>
    where
        T: Any + Send + Sync,
    {
        if let Some(kept) = self.decoded.get() {
            if let Ok(value) = kept.clone().downcast::<T>() {
                return Ok(value);
            }
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
