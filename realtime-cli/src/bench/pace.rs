//! Publishing at a set rate for a set time: message `k` is due at `start + k / rate`. A
//! publisher that falls behind sends back to back until it catches up, so the achieved rate
//! is reported, not assumed.

use std::time::Duration;

use tokio::time::Instant;

/// The schedule of one publisher.
pub struct Pace {
    start: Instant,
    rate: f64,
    end: Instant,
}

impl Pace {
    /// `rate` messages per second for `seconds`, starting now.
    pub fn new(rate: f64, seconds: f64) -> Self {
        let start = Instant::now();
        Pace {
            start,
            rate: rate.max(0.001),
            end: start + Duration::from_secs_f64(seconds),
        }
    }

    /// Waits until message `k` is due; `false` once the time is up.
    pub async fn due(&self, k: u64) -> bool {
        let at = self.start + Duration::from_secs_f64(k as f64 / self.rate);
        if at >= self.end {
            return false;
        }
        tokio::time::sleep_until(at).await;
        true
    }

    /// Seconds since the start.
    pub fn elapsed(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }
}
