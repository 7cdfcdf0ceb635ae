//! A channel's history as its Redis stream holds it: decoding entries into deliveries,
//! and telling whether they are everything published after an id.

use std::sync::Arc;

use realtime_core::{Envelope, MessageId};

use crate::{Delivery, History};

/// A channel's stream, as [`STREAM_STATE`](super::scripts) reads it at one instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct StreamState {
    /// The entries asked for: ids and envelope JSON, oldest first.
    pub(super) entries: Vec<(MessageId, Vec<u8>)>,
    /// The id of the newest entry ever added to this stream.
    pub(super) last_generated: MessageId,
    /// The greatest id trimmed from it, `0-0` if none was (`None` before Redis 7).
    /// Recorded by the publish script.
    pub(super) max_deleted: Option<MessageId>,
    /// The id of its oldest entry, `0-0` if it is empty (`None` before Redis 7).
    pub(super) first_recorded: Option<MessageId>,
    /// The id of its oldest entry, if it has one.
    pub(super) first_entry: Option<MessageId>,
}

impl StreamState {
    /// The newest id of the channel: every later message exceeds it. `None` for a stream
    /// that never had an entry.
    ///
    /// This is the newest entry's id, or, for a stream emptied by trimming, the id of the
    /// last entry trimmed: both are the last generated id (the transport never deletes
    /// entries other than by trimming the oldest).
    pub(super) fn newest(&self) -> Option<MessageId> {
        (self.last_generated > MessageId::ZERO).then_some(self.last_generated)
    }
}

/// The channel's newest id, from its stream's state (`None` if it has no stream).
pub(super) fn newest(state: Option<&StreamState>) -> Option<MessageId> {
    state.and_then(StreamState::newest)
}

/// Whether the stream still holds every message ever published to the channel after
/// `after`.
///
/// Redis trims a stream from its oldest end only, so what it still holds after an id is
/// complete iff nothing after that id was trimmed: iff `after` is at least the greatest
/// trimmed id (`max-deleted-entry-id`, Redis 7, which the publish script keeps up to date
/// as it trims).
///
/// That is not enough when nothing was ever trimmed (`max-deleted-entry-id` is `0-0`):
/// the stream may be a new instance of the channel's stream, the previous one having
/// expired (a channel idle for longer than the history's age) or been lost (a Redis
/// restart without persistence, a flush). Ids of a previous instance are older than the
/// first entry of the current one, which holds nothing of what came after them: so the
/// history after `after` is complete only if `after` is `0-0` (the subscriber had seen
/// nothing) or at least the first entry's id (an id of this instance). Once something
/// was trimmed, `after >= max-deleted-entry-id` already rules out older instances.
///
/// A channel without a stream has had nothing published for longer than the history's
/// age, or lost its stream: complete only after `0-0`.
///
/// Redis before 7 reports neither the greatest trimmed id nor the first one ever added;
/// then the history is complete iff `after` is at least the oldest entry's id, or, for an
/// empty stream, the last generated id: safe, but a subscriber that had seen nothing of a
/// channel whose stream was trimmed is told it lost continuity.
pub(super) fn is_complete(state: Option<&StreamState>, after: MessageId) -> bool {
    let Some(state) = state else {
        return after == MessageId::ZERO;
    };
    match state.max_deleted {
        Some(max_deleted) => {
            let first = state
                .first_recorded
                .or(state.first_entry)
                .unwrap_or(MessageId::ZERO);
            after >= max_deleted
                && (max_deleted > MessageId::ZERO || after == MessageId::ZERO || after >= first)
        }
        None => match state.first_entry {
            Some(first) => after >= first,
            None => after >= state.last_generated,
        },
    }
}

/// The history after `after` that a stream state read from it holds.
pub(super) fn history(state: Option<StreamState>, after: MessageId, channel: &str) -> History {
    let complete = is_complete(state.as_ref(), after);
    let deliveries = state
        .map(|state| {
            state
                .entries
                .into_iter()
                .filter(|(id, _)| *id > after)
                .filter_map(|(id, json)| decode(channel, id, &json).map(Arc::new))
                .collect()
        })
        .unwrap_or_default();
    History { deliveries, complete }
}

/// A stored or announced envelope as a delivery, with its id set from Redis. `None`,
/// logged, if it does not decode: it is skipped.
pub(super) fn decode(channel: &str, id: MessageId, json: &[u8]) -> Option<Delivery> {
    match serde_json::from_slice::<Envelope>(json) {
        Ok(envelope) => {
            let mut delivery = Delivery::new(envelope);
            delivery.set_id(id);
            Some(delivery)
        }
        Err(err) => {
            tracing::warn!(channel, %id, error = %err, "skipping a message whose envelope does not decode");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(ms: u64, seq: u64) -> MessageId {
        MessageId::new(ms, seq)
    }

    fn state(max_deleted: Option<MessageId>, first: Option<MessageId>, last: MessageId) -> StreamState {
        StreamState {
            entries: Vec::new(),
            last_generated: last,
            max_deleted,
            first_recorded: max_deleted.map(|_| first.unwrap_or(MessageId::ZERO)),
            first_entry: first,
        }
    }

    #[test]
    fn missing_stream_is_complete_only_from_the_start() {
        assert!(is_complete(None, MessageId::ZERO));
        assert!(!is_complete(None, id(5, 0)));
    }

    #[test]
    fn untrimmed_stream() {
        let s = state(Some(MessageId::ZERO), Some(id(10, 0)), id(20, 0));
        assert!(is_complete(Some(&s), MessageId::ZERO));
        assert!(is_complete(Some(&s), id(10, 0)));
        assert!(is_complete(Some(&s), id(15, 0)));
        assert!(is_complete(Some(&s), id(30, 0)));
        // An id of an earlier, expired instance of the stream.
        assert!(!is_complete(Some(&s), id(9, 0)));
    }

    #[test]
    fn trimmed_stream() {
        let s = state(Some(id(12, 0)), Some(id(13, 0)), id(20, 0));
        assert!(!is_complete(Some(&s), MessageId::ZERO));
        assert!(!is_complete(Some(&s), id(11, 0)));
        assert!(is_complete(Some(&s), id(12, 0)));
        assert!(is_complete(Some(&s), id(19, 0)));
        // Emptied by trimming.
        let empty = state(Some(id(20, 0)), None, id(20, 0));
        assert!(is_complete(Some(&empty), id(20, 0)));
        assert!(!is_complete(Some(&empty), id(19, 0)));
        assert_eq!(empty.newest(), Some(id(20, 0)));
    }

    #[test]
    fn before_redis_7() {
        let s = state(None, Some(id(13, 0)), id(20, 0));
        assert!(is_complete(Some(&s), id(13, 0)));
        assert!(!is_complete(Some(&s), id(12, 0)));
        let empty = state(None, None, id(20, 0));
        assert!(is_complete(Some(&empty), id(20, 0)));
        assert!(!is_complete(Some(&empty), id(19, 0)));
    }

    #[test]
    fn decodes_with_the_redis_id() {
        let envelope = Envelope::new("c", "t", serde_json::json!(1));
        let json = serde_json::to_vec(&envelope).unwrap();
        let delivery = decode("c", id(7, 3), &json).unwrap();
        assert_eq!(delivery.envelope().id, id(7, 3));
        assert!(decode("c", id(7, 4), b"not json").is_none());
    }
}
