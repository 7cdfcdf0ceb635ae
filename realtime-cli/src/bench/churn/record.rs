//! What one churning subscriber saw, and the figures of all of them together.
//!
//! Messages are told apart by their payload's `seq` (0, 1, 2, … per channel, in publish
//! order). A subscriber records each `seq` once: one seen again is a duplicate, one older
//! than the newest seen (and new) is a reordering. After each reconnection it also records
//! how long it took to have every message published before the reconnection (its
//! catch-up).

use std::time::{Duration, Instant};

use serde::Serialize;

/// One subscriber's record.
#[derive(Debug, Default)]
pub struct Record {
    seen: Vec<bool>,
    /// Messages received, each counted once.
    pub distinct: u64,
    /// Messages received again.
    pub duplicates: u64,
    /// Messages received after a newer one.
    pub reorderings: u64,
    newest: Option<u64>,
    /// Every `seq` below this was received.
    pub prefix: u64,
    /// Catch-up times, one per reconnection that caught up.
    pub catch_ups: Vec<Duration>,
    /// Reconnections that had not caught up when the connection dropped again or the run
    /// ended.
    pub not_caught_up: u64,
    /// Connections opened after the first.
    pub reconnects: u64,
    /// Connection attempts that failed.
    pub connect_errors: u64,
    /// `continuity_lost` notices: loss the gateway told of.
    pub gaps: u64,
    /// A reconnection catching up: when it started, and how many messages it must have.
    pending: Option<(Instant, u64)>,
}

impl Record {
    /// A message with `seq` arrived.
    pub fn message(&mut self, seq: u64) {
        let at = seq as usize;
        if self.seen.len() <= at {
            self.seen.resize(at + 1, false);
        }
        if self.seen[at] {
            self.duplicates += 1;
            return;
        }
        self.seen[at] = true;
        self.distinct += 1;
        if self.newest.is_some_and(|newest| seq < newest) {
            self.reorderings += 1;
        }
        self.newest = Some(self.newest.map_or(seq, |n| n.max(seq)));
        while self.seen.get(self.prefix as usize).copied().unwrap_or(false) {
            self.prefix += 1;
        }
        self.check_caught_up();
    }

    /// A reconnection starts now; `published` messages were published before it.
    pub fn reconnecting(&mut self, published: u64) {
        if self.pending.take().is_some() {
            self.not_caught_up += 1;
        }
        self.reconnects += 1;
        self.pending = Some((Instant::now(), published));
    }

    /// The connection is open (a reconnection with nothing to catch up is done now).
    pub fn connected(&mut self) {
        self.check_caught_up();
    }

    /// The run is over.
    pub fn finish(&mut self) {
        if self.pending.take().is_some() {
            self.not_caught_up += 1;
        }
    }

    fn check_caught_up(&mut self) {
        if let Some((since, needed)) = self.pending {
            if self.prefix >= needed {
                self.catch_ups.push(since.elapsed());
                self.pending = None;
            }
        }
    }
}

/// The figures of one system's subscribers together.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// `realtime` or `socket.io`.
    pub system: String,
    /// How it resumes: `since` (the gateway) or `connectionStateRecovery` (Socket.IO).
    pub resume: String,
    /// Subscribers.
    pub subscribers: usize,
    /// Messages published (on one channel).
    pub published: u64,
    /// Messages per second published.
    pub achieved_rate: f64,
    /// Distinct messages received over all subscribers.
    pub delivered: u64,
    /// `subscribers × published`.
    pub expected: u64,
    /// `delivered / expected`, in percent.
    pub delivered_pct: f64,
    /// Subscribers that missed at least one message.
    pub subscribers_missing: usize,
    /// Messages received twice or more (the extra receipts).
    pub duplicates: u64,
    /// Messages received after a newer one.
    pub reorderings: u64,
    /// Connections opened after the first ones.
    pub reconnects: u64,
    /// Connection attempts that failed (and were retried).
    pub connect_errors: u64,
    /// `continuity_lost` notices received (loss told, not silent).
    pub gaps: u64,
    /// Catch-up after a reconnection, median, ms.
    pub catch_up_p50_ms: f64,
    /// 99th percentile, ms.
    pub catch_up_p99_ms: f64,
    /// Maximum, ms.
    pub catch_up_max_ms: f64,
    /// Reconnections that never caught up (before the next drop or the end).
    pub not_caught_up: u64,
    /// CPU seconds of the server process during the run.
    pub server_cpu_s: f64,
    /// What went wrong, if the run failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Summary {
    /// Adds up `records`, for `published` messages.
    pub fn of(mut self, records: &[Record], published: u64) -> Summary {
        let mut catch_ups: Vec<Duration> = Vec::new();
        self.subscribers = records.len();
        self.published = published;
        self.expected = published * records.len() as u64;
        for record in records {
            self.delivered += record.distinct.min(published);
            self.subscribers_missing += usize::from(record.prefix < published);
            self.duplicates += record.duplicates;
            self.reorderings += record.reorderings;
            self.reconnects += record.reconnects;
            self.connect_errors += record.connect_errors;
            self.gaps += record.gaps;
            self.not_caught_up += record.not_caught_up;
            catch_ups.extend(&record.catch_ups);
        }
        self.delivered_pct = if self.expected == 0 {
            0.0
        } else {
            self.delivered as f64 * 100.0 / self.expected as f64
        };
        catch_ups.sort_unstable();
        let quantile = |q: f64| -> f64 {
            if catch_ups.is_empty() {
                return 0.0;
            }
            let at = ((catch_ups.len() - 1) as f64 * q).round() as usize;
            catch_ups[at].as_secs_f64() * 1000.0
        };
        self.catch_up_p50_ms = quantile(0.5);
        self.catch_up_p99_ms = quantile(0.99);
        self.catch_up_max_ms = quantile(1.0);
        self
    }

    /// Every message delivered to every subscriber, once, in order.
    pub fn clean(&self) -> bool {
        self.error.is_none()
            && self.published > 0
            && self.delivered == self.expected
            && self.duplicates == 0
            && self.reorderings == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_reorderings_and_catch_up() {
        let mut record = Record::default();
        record.message(0);
        record.reconnecting(3);
        record.connected();
        assert!(record.catch_ups.is_empty(), "two messages still missing");
        record.message(2);
        record.message(1);
        record.message(1);
        assert_eq!(
            (
                record.distinct,
                record.duplicates,
                record.reorderings,
                record.prefix
            ),
            (3, 1, 1, 3)
        );
        assert_eq!(record.catch_ups.len(), 1);
        record.reconnecting(10);
        record.reconnecting(10);
        record.finish();
        assert_eq!(record.not_caught_up, 2);
        let summary = Summary::default().of(&[record], 4);
        assert_eq!(
            (summary.delivered, summary.expected, summary.subscribers_missing),
            (3, 4, 1)
        );
        assert!(!summary.clean());
    }
}
