//! The one per-transport harness: each behaviour case is written once, against a
//! [`Factory`], and [`on_transports!`] runs it on every transport: the in-memory transport
//! and the Redis transport (a real Redis server, [`redis_support::url`]; each transport made
//! here has a key prefix of its own).
//!
//! Include with `#[path = "common/transports.rs"] #[macro_use] mod transports;`, write
//! each case as `async fn case(make: Factory)`, and list the cases in
//! `on_transports!(case, ...);`.

// Each test crate uses only some of these items.
#![allow(dead_code)]

#[path = "redis.rs"]
pub mod redis_support;

use std::sync::Arc;

use realtime::{HistoryLimits, MemoryTransport, Realtime, RedisTransport, Transport};

/// A subscriber buffer large enough for every case that does not test lag.
pub const CAPACITY: usize = 1024;

/// Which transport a case runs on; it makes as many transports of its kind as the case
/// needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Factory {
    /// The in-memory transport.
    Memory,
    /// The Redis transport on the test server.
    Redis,
}

impl Factory {
    /// A new transport with the default history and [`CAPACITY`].
    pub async fn transport(self) -> Arc<dyn Transport> {
        self.with(HistoryLimits::default(), CAPACITY).await
    }

    /// A new transport with these history limits and subscriber buffer: in memory, its own;
    /// on Redis, a new connection with a key prefix no other transport uses.
    pub async fn with(self, limits: HistoryLimits, capacity: usize) -> Arc<dyn Transport> {
        match self {
            Factory::Memory => Arc::new(
                MemoryTransport::builder()
                    .capacity(capacity)
                    .history(limits)
                    .build(),
            ),
            Factory::Redis => {
                Arc::new(redis_transport(&redis_support::unique_prefix(), limits, capacity).await)
            }
        }
    }
}

/// A Redis transport on the test server under `prefix`: transports with the same prefix
/// are nodes sharing the same channels.
pub async fn redis_transport(prefix: &str, limits: HistoryLimits, capacity: usize) -> RedisTransport {
    let url = redis_support::url();
    RedisTransport::builder(url.clone())
        .history(limits)
        .capacity(capacity)
        .key_prefix(prefix.to_owned())
        .connect()
        .await
        .unwrap_or_else(|e| panic!("no Redis at {url} ({e}): scripts/test starts one"))
}

/// A handle over `transport`.
pub fn handle(transport: Arc<dyn Transport>) -> Realtime {
    Realtime::builder().shared_transport(transport).build()
}

/// One `#[tokio::test]` per case and transport: `memory::case` and `redis::case`.
macro_rules! on_transports {
    ($($case:ident),* $(,)?) => {
        on_transports!(@one memory Memory [$($case),*]);
        on_transports!(@one redis Redis [$($case),*]);
    };
    (@one $module:ident $kind:ident [$($case:ident),*]) => {
        mod $module {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::$case(super::transports::Factory::$kind).await
                }
            )*
        }
    };
}
