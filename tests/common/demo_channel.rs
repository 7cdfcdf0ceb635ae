//! A channel of the demo's shape (`demo:<run_id>`: `log`, `status`, `summary`), for the tests
//! of exported documents. The demo itself belongs to the `realtime` binary, so no library
//! test can link it; `tests/js` checks the binary's own export against the demo page.

use realtime::channel;
use serde::{Deserialize, Serialize};

/// Where a demo run is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DemoStatus {
    /// The stage the run is in, for people.
    pub stage: String,
    /// Percent done.
    #[schemars(range(max = 100))]
    pub percent: u8,
}

/// One line of a demo run's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DemoLog {
    /// The line.
    pub line: String,
}

/// The channel of one demo run.
#[channel(name = "demo:<run_id>")]
pub struct Demo {
    /// The run.
    pub run_id: String,
    /// The stage and percent, after each step.
    #[topic]
    status: DemoStatus,
    /// What happened, one line per step.
    #[topic]
    log: DemoLog,
    /// The summary the run writes, streamed word by word.
    #[topic]
    summary: String,
}
