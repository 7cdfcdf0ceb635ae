//! The runtime of realtime-rs: transports, the [`Realtime`] handle, subscriptions.
//!
//! - [`Transport`] is the one seam between the runtime and a message back end. The
//!   in-memory transport ([`MemoryTransport`]) is the embedded default.
//! - [`Realtime`] publishes typed payloads (size limit, schema validation, then the
//!   transport) and opens typed [`Subscription`]s.
//! - A publish with an idempotency key ([`Publish::idempotency_key`],
//!   [`Transport::publish_once`]) is sent at most once per key and channel, across
//!   retries, crashes and nodes: the durable publish of a job.
//!
//! Features (none by default; the `realtime` facade passes its own through):
//!
//! | feature | module |
//! | --- | --- |
//! | `gateway` | `gateway`: the HTTP, WebSocket and SSE server |
//! | `client` | `client`: the Rust client of a gateway |
//! | `redis` | `redis`: the Redis transport, `RedisTransport` |
//!
//! They are modules of this crate rather than crates of their own because each is built on
//! the runtime's internals (the shared [`Delivery`], the resumable [`TransportStream`], the
//! subscription's fold of data streams), which would otherwise become public API.
//!
//! Users normally reach all of this through the `realtime` facade crate (package
//! `typed-realtime`).
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
#[path = "fuzzing.rs"]
pub mod __fuzz;
#[cfg(feature = "client")]
pub mod client;
mod datastream;
mod delivery;
mod error;
#[cfg(feature = "gateway")]
pub mod gateway;
mod memory;
mod publish;
mod realtime;
#[cfg(feature = "redis")]
pub mod redis;
mod resume;
mod run;
mod subscription;
mod transport;

pub use datastream::{
    RawStreamWriter, StreamBuilder, StreamLimits, StreamWriter, DEFAULT_MAX_CHUNKS, DEFAULT_MAX_CHUNK_BYTES,
    DEFAULT_STREAM_IDLE_TIMEOUT,
};
pub use delivery::Delivery;
pub use error::{PublishError, RecvError, SubscribeError, TransportError};
pub use memory::{MemoryTransport, MemoryTransportBuilder};
pub use publish::{Publish, PublishOptions, MAX_IDEMPOTENCY_KEY_BYTES};
pub use realtime::{Realtime, RealtimeBuilder, DEFAULT_IDEMPOTENCY_TTL, DEFAULT_MAX_PAYLOAD_BYTES};
#[cfg(feature = "redis")]
pub use redis::{RedisTransport, RedisTransportBuilder};
pub use resume::{ContinuityLost, FeedItem, GapCause, History, HistoryLimits, StartAt};
pub use run::RunScope;
pub use subscription::SubscriptionHandle;
pub use subscription::{ConnectionStatus, SubscriberState, DEFAULT_HISTORY_LIMIT};
pub use subscription::{SharedSubscribeBuilder, SubscribeBuilder};
pub use subscription::{SharedSubscription, Subscription};
pub use transport::{LiveFeed, Published, SubscriptionGuard, Transport, TransportStream};
