//! Message ids of the in-memory transport.

use std::sync::Mutex;

use realtime_core::MessageId;

use super::now_ms;
/// Issues `<milliseconds>-<sequence>` ids that always increase.
#[derive(Default)]
pub(super) struct IdGenerator {
    last: Mutex<(u64, u64)>,
}

impl IdGenerator {
    /// The last id issued: every later one is greater.
    pub(super) fn current(&self) -> MessageId {
        let last = self.last.lock().expect("lock poisoned");
        MessageId::new(last.0, last.1)
    }

    /// The next id, now.
    pub(super) fn next(&self) -> MessageId {
        self.next_at(now_ms())
    }

    /// The next id, at `now` (milliseconds since the epoch) or later: an earlier `now`
    /// than the last id's takes the next sequence number of that millisecond.
    pub(super) fn next_at(&self, now: u64) -> MessageId {
        let mut last = self.last.lock().expect("lock poisoned");
        *last = if now > last.0 {
            (now, 0)
        } else {
            (last.0, last.1 + 1)
        };
        MessageId::new(last.0, last.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_always_increase() {
        let ids = IdGenerator::default();
        let mut prev = ids.next();
        for _ in 0..10_000 {
            let next = ids.next();
            assert!(next > prev);
            prev = next;
        }
    }
}
