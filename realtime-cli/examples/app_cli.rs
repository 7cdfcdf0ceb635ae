//! An application's own `realtime` command line: `serve` and `schema` over the channels
//! declared in this binary, with a one-line `main`.
//!
//! ```sh
//! cargo run --example app_cli -- schema --format typescript   # the declarations of `Chat`
//! cargo run --example app_cli -- schema --out schema           # every format, as files
//! cargo run --example app_cli -- serve --dev                   # a gateway validating `chat:*`
//! cargo run --example app_cli -- schema check --lock realtime-cli/examples/app_cli.lock.json
//! ```
//!
//! The example commits its lock, `app_cli.lock.json` beside this file (written by
//! `schema lock --out realtime-cli/examples/app_cli.lock.json`); `tests/app_lock.rs` checks
//! the channels against it, so a change to `Chat` or its payloads fails CI until the lock
//! is written again, and a breaking one is refused.

use realtime::channel;
use serde::{Deserialize, Serialize};

/// A message posted to a room.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ChatPost {
    /// Who wrote it.
    pub author: String,
    /// What they wrote.
    pub text: String,
}

/// Someone is typing, or stopped.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Typing {
    /// Who.
    pub author: String,
    /// Whether they are typing now.
    pub active: bool,
}

/// The live feed of one chat room.
#[channel(name = "chat:<room>")]
pub struct Chat {
    /// The room.
    pub room: String,
    /// Posts, in order.
    #[topic]
    posts: ChatPost,
    /// Typing indicators; not checked at run time.
    #[topic(validate = false)]
    typing: Typing,
}

fn main() -> std::process::ExitCode {
    realtime_cli::main()
}
