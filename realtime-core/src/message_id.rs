//! Message ids: `<milliseconds>-<sequence>`, ordered within a channel.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The id of a published message, assigned by the transport.
///
/// Written `<milliseconds>-<sequence>` (the form of Redis stream ids), ids order by time
/// first, then by sequence within one millisecond, so the messages of a channel can be
/// sorted and resumed from by id.
///
/// ```
/// use realtime_core::MessageId;
/// let id: MessageId = "1700000000000-3".parse().unwrap();
/// assert_eq!(id.millis(), 1_700_000_000_000);
/// assert_eq!(id.sequence(), 3);
/// assert!(id < MessageId::new(1_700_000_000_000, 4));
/// assert_eq!(id.to_string(), "1700000000000-3");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct MessageId {
    millis: u64,
    sequence: u64,
}

impl MessageId {
    /// The id before every other.
    pub const ZERO: MessageId = MessageId {
        millis: 0,
        sequence: 0,
    };

    /// An id from its two parts.
    pub const fn new(millis: u64, sequence: u64) -> Self {
        MessageId { millis, sequence }
    }

    /// Milliseconds since the Unix epoch when the transport assigned the id.
    pub const fn millis(self) -> u64 {
        self.millis
    }

    /// The sequence number within that millisecond.
    pub const fn sequence(self) -> u64 {
        self.sequence
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.millis, self.sequence)
    }
}

/// Text that is not a message id of the form `<milliseconds>-<sequence>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a message id: expected `<milliseconds>-<sequence>`")]
pub struct ParseMessageIdError(pub String);

impl FromStr for MessageId {
    type Err = ParseMessageIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseMessageIdError(s.to_owned());
        let (millis, sequence) = s.split_once('-').ok_or_else(err)?;
        Ok(MessageId {
            millis: millis.parse().map_err(|_| err())?,
            sequence: sequence.parse().map_err(|_| err())?,
        })
    }
}

impl Serialize for MessageId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for MessageId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_malformed_ids() {
        for bad in ["", "12", "a-1", "1-b", "1-2-3", "-1"] {
            assert!(bad.parse::<MessageId>().is_err(), "{bad} parsed");
        }
    }

    #[test]
    fn round_trips_through_json() {
        let id = MessageId::new(5, 7);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, "\"5-7\"");
        assert_eq!(serde_json::from_str::<MessageId>(&json).unwrap(), id);
    }
}
