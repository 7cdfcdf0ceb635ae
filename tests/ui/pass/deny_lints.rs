//! A public channel in a crate that denies the lints a careful library denies, even
//! pedantic ones (as thiserror's `tests/test_lints.rs`): the code `#[channel]` generates
//! adds no warning, and every public item it adds has a doc comment.
#![forbid(unsafe_code)]
#![deny(
    warnings,
    future_incompatible,
    nonstandard_style,
    rust_2018_idioms,
    missing_docs,
    missing_debug_implementations,
    unreachable_pub,
    unused,
    unused_qualifications,
    unused_results,
    unused_import_braces,
    unused_lifetimes,
    single_use_lifetimes,
    trivial_casts,
    trivial_numeric_casts,
    elided_lifetimes_in_paths,
    explicit_outlives_requirements,
    let_underscore_drop,
    variant_size_differences,
    clippy::all,
    clippy::pedantic,
    clippy::nursery
)]

use realtime::channel;
use serde::{Deserialize, Serialize};

/// Progress of a run.
#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Status {
    /// What the run is doing.
    pub message: String,
}

/// A large payload, so the message enum's variants differ much in size.
#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Snapshot {
    /// The state, in full.
    pub state: [u64; 32],
}

/// The progress of one pipeline run.
#[channel(name = "pipeline:<run_id>/attempt:<attempt>")]
pub struct Pipeline {
    /// The run.
    pub run_id: String,
    /// The attempt, counted from one.
    pub attempt: u32,
    /// Progress of the run.
    #[topic]
    status: Status,
    #[topic(name = "snapshot.v1", validate = false)]
    snapshot: Snapshot,
}

/// Announcements to everyone: a channel without parameters.
#[channel(name = "announcements")]
pub struct Announcements {
    /// A posted announcement.
    #[topic]
    posted: Status,
}

// `unreachable_pub` asks for `pub(crate)` here, nursery's `redundant_pub_crate` for `pub`.
#[allow(clippy::redundant_pub_crate)]
mod inner {
    use realtime::channel;

    use super::Status;

    /// A channel visible in its crate only, whose parameter is called `name`.
    #[channel(name = "room:<name>")]
    pub(crate) struct Room {
        pub(crate) name: String,
        #[topic]
        said: Status,
    }
}

fn main() {
    let pipeline = Pipeline::new("abc", 2_u32);
    assert_eq!(pipeline.name(), "pipeline:abc/attempt:2");
    assert_eq!(pipeline.status().name(), "status");
    assert_eq!(pipeline.snapshot().name(), "snapshot.v1");
    assert!(Announcements::from_name("announcements").is_ok());
    let room = inner::Room::new("lobby");
    assert_eq!(room.name, "lobby");
    assert_eq!(room.said().channel(), "room:lobby");
}
