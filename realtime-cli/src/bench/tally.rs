//! What subscribers received: counts, sequence checks and the latency histogram.
//!
//! Each subscriber expects its channel's `seq` 0, 1, 2, … exactly once and in order. A
//! `seq` past the next expected one counts the skipped ones as lost; one before it (seen
//! already) counts as duplicated; what never arrived by the end is lost too.

use serde::{Deserialize, Serialize};

/// Width of a latency bucket, in nanoseconds (10 µs).
const BUCKET_NS: u64 = 10_000;
/// Buckets kept: latencies up to 5 s; longer ones land in the last.
const BUCKETS: usize = 500_000;

/// One subscriber's sequence check.
#[derive(Debug, Default, Clone, Copy)]
pub struct SeqCheck {
    next: u64,
    /// Messages received in order or after a gap.
    pub received: u64,
    /// Messages skipped over.
    pub lost: u64,
    /// Messages received again (or out of order).
    pub duplicated: u64,
}

impl SeqCheck {
    /// Records message `seq`.
    pub fn record(&mut self, seq: u64) {
        if seq >= self.next {
            self.lost += seq - self.next;
            self.next = seq + 1;
            self.received += 1;
        } else {
            self.duplicated += 1;
        }
    }

    /// Closes the check once `expected` messages were published: the missing tail is lost.
    pub fn finish(&mut self, expected: u64) {
        self.lost += expected.saturating_sub(self.next);
        self.next = self.next.max(expected);
    }
}

/// A latency histogram in 10 µs buckets, with the exact maximum.
#[derive(Debug, Clone)]
pub struct Latencies {
    buckets: Vec<u64>,
    max_ns: u64,
    count: u64,
}

impl Default for Latencies {
    fn default() -> Self {
        Latencies {
            buckets: vec![0; BUCKETS],
            max_ns: 0,
            count: 0,
        }
    }
}

/// A [`Latencies`] as sent between processes: only the buckets in use.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SparseLatencies {
    /// `(bucket, count)` pairs.
    pub buckets: Vec<(u32, u64)>,
    /// The largest latency, in nanoseconds.
    pub max_ns: u64,
}

impl Latencies {
    /// Records one latency.
    pub fn record(&mut self, ns: u64) {
        let bucket = ((ns / BUCKET_NS) as usize).min(BUCKETS - 1);
        self.buckets[bucket] += 1;
        self.max_ns = self.max_ns.max(ns);
        self.count += 1;
    }

    /// How many latencies were recorded.
    #[cfg(test)]
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The latency at quantile `q` (0 to 1), in milliseconds (the upper edge of its bucket).
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        let rank = ((self.count as f64) * q).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, n) in self.buckets.iter().enumerate() {
            seen += n;
            if seen >= rank {
                let edge = (i as u64 + 1) * BUCKET_NS;
                return edge.min(self.max_ns) as f64 / 1e6;
            }
        }
        self.max_ns as f64 / 1e6
    }

    /// The maximum, in milliseconds.
    pub fn max_ms(&self) -> f64 {
        self.max_ns as f64 / 1e6
    }

    /// Adds another histogram's counts.
    pub fn merge(&mut self, other: &SparseLatencies) {
        for &(bucket, n) in &other.buckets {
            if let Some(slot) = self.buckets.get_mut(bucket as usize) {
                *slot += n;
                self.count += n;
            }
        }
        self.max_ns = self.max_ns.max(other.max_ns);
    }

    /// The buckets in use, to send to another process.
    pub fn sparse(&self) -> SparseLatencies {
        SparseLatencies {
            buckets: self
                .buckets
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(i, n)| (i as u32, *n))
                .collect(),
            max_ns: self.max_ns,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_are_lost_and_repeats_duplicated() {
        let mut check = SeqCheck::default();
        for seq in [0, 1, 3, 3, 4] {
            check.record(seq);
        }
        check.finish(7);
        assert_eq!((check.received, check.lost, check.duplicated), (4, 3, 1));
    }

    #[test]
    fn quantiles_come_from_the_buckets() {
        let mut lat = Latencies::default();
        for ms in 1..=100u64 {
            lat.record(ms * 1_000_000);
        }
        assert!((lat.quantile_ms(0.5) - 50.0).abs() < 0.02);
        assert!((lat.quantile_ms(0.99) - 99.0).abs() < 0.02);
        assert_eq!(lat.max_ms(), 100.0);
        let mut merged = Latencies::default();
        merged.merge(&lat.sparse());
        assert_eq!(merged.count(), 100);
    }
}
