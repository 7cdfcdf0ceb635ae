//! Running one behaviour test on every transport: the in-memory transport and the Redis
//! transport (a real Redis server: `REALTIME_TEST_REDIS_URL`, default
//! `redis://127.0.0.1:6379`; each test uses its own key prefix).
//!
//! Include with `#[path = "common/transports.rs"] #[macro_use] mod transports;`, write
//! each case once as `async fn case(make: Factory)`, and list the cases in
//! `on_transports!(memory, redis: [case, ...]);`.

// Each test crate uses only some of these items.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use futures::future::BoxFuture;
use realtime::{MemoryTransport, Realtime, Transport};
use realtime_runtime::RedisTransport;

/// Makes a transport.
pub type Factory = fn() -> BoxFuture<'static, Arc<dyn Transport>>;

/// A new in-memory transport.
pub fn memory() -> BoxFuture<'static, Arc<dyn Transport>> {
    Box::pin(async { Arc::new(MemoryTransport::new()) as Arc<dyn Transport> })
}

/// A Redis transport on the test server, with a key prefix of its own.
pub fn redis() -> BoxFuture<'static, Arc<dyn Transport>> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    Box::pin(async move {
        let url =
            std::env::var("REALTIME_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let prefix = format!(
            "transports:{}:{}:{nanos}:",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let transport = RedisTransport::builder(url.clone())
            .key_prefix(prefix)
            .connect()
            .await
            .unwrap_or_else(|e| panic!("no Redis at {url} ({e}): scripts/test starts one"));
        Arc::new(transport) as Arc<dyn Transport>
    })
}

/// A handle over `transport`.
pub fn handle(transport: Arc<dyn Transport>) -> Realtime {
    Realtime::builder().shared_transport(transport).build()
}

/// One `#[tokio::test]` per case and transport, in a module per transport.
macro_rules! on_transports {
    ($($transport:ident),*: $cases:tt) => {
        $(on_transports!(@one $transport $cases);)*
    };
    (@one $transport:ident [$($case:ident),* $(,)?]) => {
        mod $transport {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::$case(super::transports::$transport).await
                }
            )*
        }
    };
}
