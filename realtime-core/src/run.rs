//! Run lifecycle messages: what a `run` kind message carries.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The reserved topic name of run lifecycle messages.
///
/// A run message ([`MessageKind::Run`](crate::MessageKind::Run)) is published on this
/// topic with a [`RunUpdate`] as its data. `#[channel]` refuses a user topic of this name,
/// so it never collides with topic data.
///
/// ```
/// assert_eq!(realtime_core::RUN_TOPIC, "run");
/// ```
pub const RUN_TOPIC: &str = "run";

/// Where a run is in its lifecycle. Serialized in snake case: `started`, `completed`,
/// `failed`, `cancelled`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// The run has started.
    Started,
    /// The run finished, possibly with an output.
    Completed,
    /// The run failed, with an error.
    Failed,
    /// The run was cancelled.
    Cancelled,
}

impl RunStatus {
    /// Whether the run is over: completed, failed or cancelled.
    ///
    /// ```
    /// use realtime_core::RunStatus;
    /// assert!(!RunStatus::Started.is_terminal());
    /// assert!(RunStatus::Failed.is_terminal());
    /// ```
    pub fn is_terminal(self) -> bool {
        !matches!(self, RunStatus::Started)
    }

    /// The status's wire name: `started`, `completed`, `failed` or `cancelled`.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Started => "started",
            RunStatus::Completed => "completed",
            RunStatus::Failed => "failed",
            RunStatus::Cancelled => "cancelled",
        }
    }
}

impl std::fmt::Display for RunStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The data of a run lifecycle message: the status, and the output or error it ends with.
///
/// On the wire `output` and `error` are left out when absent:
///
/// ```
/// use realtime_core::{RunStatus, RunUpdate};
/// let done = RunUpdate::completed(serde_json::json!({"words": 42}));
/// assert_eq!(
///     serde_json::to_value(&done).unwrap(),
///     serde_json::json!({"status": "completed", "output": {"words": 42}})
/// );
/// let back: RunUpdate = serde_json::from_value(serde_json::json!({"status": "failed", "error": "boom"})).unwrap();
/// assert_eq!(back, RunUpdate::failed("boom"));
/// assert_eq!(back.status, RunStatus::Failed);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RunUpdate {
    /// Where the run is.
    pub status: RunStatus,
    /// What a completed run returned, if anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Value>,
    /// Why a failed run failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl RunUpdate {
    /// A `started` update.
    pub fn started() -> Self {
        RunUpdate::status(RunStatus::Started)
    }

    /// A `completed` update with `output` (`null` output is left out).
    pub fn completed(output: Value) -> Self {
        RunUpdate {
            output: (!output.is_null()).then_some(output),
            ..RunUpdate::status(RunStatus::Completed)
        }
    }

    /// A `failed` update with `error`.
    pub fn failed(error: impl Into<String>) -> Self {
        RunUpdate {
            error: Some(error.into()),
            ..RunUpdate::status(RunStatus::Failed)
        }
    }

    /// A `cancelled` update.
    pub fn cancelled() -> Self {
        RunUpdate::status(RunStatus::Cancelled)
    }

    fn status(status: RunStatus) -> Self {
        RunUpdate {
            status,
            output: None,
            error: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_serialize_in_snake_case() {
        for status in [
            RunStatus::Started,
            RunStatus::Completed,
            RunStatus::Failed,
            RunStatus::Cancelled,
        ] {
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
            assert_eq!(status.to_string(), status.as_str());
        }
    }

    #[test]
    fn updates_round_trip() {
        for update in [
            RunUpdate::started(),
            RunUpdate::completed(serde_json::json!([1])),
            RunUpdate::completed(Value::Null),
            RunUpdate::failed("boom"),
            RunUpdate::cancelled(),
        ] {
            let json = serde_json::to_value(&update).unwrap();
            assert_eq!(serde_json::from_value::<RunUpdate>(json).unwrap(), update);
        }
        assert_eq!(
            serde_json::to_value(RunUpdate::started()).unwrap(),
            serde_json::json!({"status": "started"})
        );
    }
}
