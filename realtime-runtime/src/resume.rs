//! Resumable delivery: where a subscription starts, what a channel's history holds, and
//! the typed notice a subscriber gets when messages were lost for it.
//!
//! Every transport keeps a bounded history per channel ([`HistoryLimits`]: by default the
//! last 1,000 messages of the last 5 minutes). A subscription opened with
//! [`StartAt::After`] first gets every message of the history after that id, in order,
//! then the live ones, with no gap and no duplicate at the seam. A subscriber whose
//! buffer overflows recovers the same way, from history. When history no longer holds
//! everything that was missed, the subscriber gets a [`ContinuityLost`] notice, never
//! silence.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use realtime_core::MessageId;
use serde::{Deserialize, Serialize};

use crate::Delivery;

/// Where a subscription starts.
///
/// ```
/// use realtime_runtime::StartAt;
/// assert_eq!(StartAt::default(), StartAt::Live);
/// let resume = StartAt::After("1700000000000-3".parse().unwrap());
/// assert_eq!(resume.after().unwrap().sequence(), 3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum StartAt {
    /// With the messages published from now on.
    #[default]
    Live,
    /// With the messages published after this id (the last one the subscriber saw):
    /// those still in the channel's history first, then the live ones.
    After(MessageId),
}

impl StartAt {
    /// The id to resume after, if any.
    pub fn after(self) -> Option<MessageId> {
        match self {
            StartAt::Live => None,
            StartAt::After(id) => Some(id),
        }
    }
}

impl From<Option<MessageId>> for StartAt {
    fn from(id: Option<MessageId>) -> Self {
        id.map_or(StartAt::Live, StartAt::After)
    }
}

/// How much history each channel keeps: at most `max_len` messages, none older than
/// `max_age`. Whichever bound is reached first drops the oldest messages.
///
/// ```
/// use std::time::Duration;
/// use realtime_runtime::HistoryLimits;
/// let limits = HistoryLimits::default();
/// assert_eq!(limits.max_len, 1_000);
/// assert_eq!(limits.max_age, Duration::from_secs(300));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryLimits {
    /// The most messages kept per channel (0 keeps none: resuming always reports lost
    /// continuity if anything was published meanwhile).
    pub max_len: usize,
    /// The oldest a kept message may be.
    pub max_age: Duration,
}

impl HistoryLimits {
    /// 1,000 messages per channel.
    pub const DEFAULT_MAX_LEN: usize = 1_000;
    /// Five minutes.
    pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(300);
}

impl Default for HistoryLimits {
    fn default() -> Self {
        HistoryLimits {
            max_len: Self::DEFAULT_MAX_LEN,
            max_age: Self::DEFAULT_MAX_AGE,
        }
    }
}

/// What a transport's history holds after an id: [`Transport::history`](crate::Transport::history).
#[derive(Debug, Clone, Default)]
pub struct History {
    /// The messages after the id, oldest first.
    pub deliveries: Vec<Arc<Delivery>>,
    /// Whether these are all the messages published after the id. `false` when some of
    /// them were already dropped from history (too old, too many) or the transport cannot
    /// tell (the id is older than anything it knows of).
    pub complete: bool,
}

/// Why a subscriber lost continuity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum GapCause {
    /// It resumed after an id older than the channel's history reaches back.
    HistoryExpired,
    /// Its buffer overflowed and history no longer held what it missed.
    Lagged,
    /// The transport's back end was unreachable for longer than history reaches back.
    BackendInterrupted,
}

impl fmt::Display for GapCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GapCause::HistoryExpired => "the resume point is older than the channel's history",
            GapCause::Lagged => "the subscriber fell behind further than the channel's history",
            GapCause::BackendInterrupted => "the back end was unreachable for longer than the history",
        })
    }
}

/// A notice that messages were lost for this subscriber: what came before it and what
/// comes after it are not contiguous. Delivery goes on after it.
///
/// On the wire (gateway WebSocket frames and SSE `event: continuity_lost`) it is
/// `{"kind": "continuity_lost", "channel": "...", "data": {"cause": "...", "last_seen": "<id>"|null, "missed": n|null}}`.
///
/// ```
/// use realtime_runtime::{ContinuityLost, GapCause};
/// let gap = ContinuityLost { cause: GapCause::Lagged, last_seen: None, missed: Some(3) };
/// assert_eq!(
///     serde_json::to_value(&gap).unwrap(),
///     serde_json::json!({ "cause": "lagged", "last_seen": null, "missed": 3 }),
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[error("continuity lost ({cause}){}{}",
    last_seen.map(|id| format!(" after message {id}")).unwrap_or_default(),
    missed.map(|n| format!(": at least {n} messages missed")).unwrap_or_default())]
pub struct ContinuityLost {
    /// Why.
    pub cause: GapCause,
    /// The last message id the subscriber got before the gap, if it got one.
    pub last_seen: Option<MessageId>,
    /// How many messages were lost, when known.
    pub missed: Option<u64>,
}

/// One item of a transport's live feed: a message, or a gap the transport itself
/// detected (a back end that was away too long).
pub type FeedItem = Result<Arc<Delivery>, ContinuityLost>;
