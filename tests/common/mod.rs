//! Channels and payloads shared by the behaviour tests.

// Each test crate uses only some of these items.
#![allow(dead_code)]

mod hang_guard;

#[allow(unused_imports)] // Not every test crate waits.
pub use hang_guard::within;
use realtime::channel;
use serde::{Deserialize, Serialize};

/// A status update of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Status {
    pub message: String,
    pub step: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Token {
    pub text: String,
}

/// How far a run is, with schema constraints beyond what the Rust types say.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Progress {
    #[schemars(range(min = 0, max = 100))]
    pub percent: u8,
    #[schemars(length(max = 5))]
    pub label: String,
}

#[channel(name = "pipeline:<run_id>")]
#[derive(Clone)]
pub struct Pipeline {
    pub run_id: String,
    /// Progress of the run.
    #[topic]
    status: Status,
    #[topic(name = "llm_tokens")]
    tokens: Token,
    /// Percent done.
    /// Checked against its schema.
    #[topic]
    progress: Progress,
    /// Percent done, not checked at run time.
    #[topic(validate = false)]
    progress_unchecked: Progress,
}

pub fn status(message: &str) -> Status {
    Status {
        message: message.to_owned(),
        step: None,
    }
}

pub fn token(text: &str) -> Token {
    Token {
        text: text.to_owned(),
    }
}
