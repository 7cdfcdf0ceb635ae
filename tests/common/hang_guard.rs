//! The one hang guard of the behaviour tests: a wait that takes longer than [`HANG_GUARD`]
//! fails the test, naming what it waited for. It guards against hangs only: nothing is
//! timed, and no assertion depends on how long anything took.

// Each test crate uses only some of these items.
#![allow(dead_code)]

use std::future::IntoFuture;
use std::time::Duration;

/// The longest any single wait may take before the test fails as hung.
pub const HANG_GUARD: Duration = Duration::from_secs(30);

/// Awaits `future`, failing the test with `what` if it takes longer than [`HANG_GUARD`].
pub async fn guard<F: IntoFuture>(what: &str, future: F) -> F::Output {
    match tokio::time::timeout(HANG_GUARD, future.into_future()).await {
        Ok(output) => output,
        Err(_) => panic!("hang guard: {what} took longer than {HANG_GUARD:?}"),
    }
}

/// Awaits `future` under the hang guard, for waits that need no name.
pub async fn within<F: IntoFuture>(future: F) -> F::Output {
    guard("a wait", future).await
}
