//! [`Backoff`]: how long to wait before each reconnection attempt.
//!
//! The wait before attempt `n` (counting from 1) is drawn uniformly from zero to
//! `min(max, initial × 2^(n-1))` ("full jitter"), so clients dropped together by a restarting
//! gateway spread their reconnections out instead of arriving at once. The count starts
//! over once a connection succeeds. Without jitter, the wait is the ceiling itself.

use std::time::Duration;

use rand::Rng;

/// The schedule of waits between reconnection attempts: exponential, capped, jittered.
///
/// The default starts at 100 ms, doubles each attempt up to 10 s, with full jitter.
///
/// ```
/// use std::time::Duration;
/// use realtime_runtime::client::Backoff;
///
/// let backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(10));
/// assert_eq!(backoff.ceiling(1), Duration::from_millis(100));
/// assert_eq!(backoff.ceiling(4), Duration::from_millis(800));
/// assert_eq!(backoff.ceiling(30), Duration::from_secs(10));
///
/// // Without jitter the wait is the ceiling; with it, anything from zero up to it.
/// let steady = backoff.clone().jitter(false);
/// assert_eq!(steady.delay(3, &mut rand::rng()), Duration::from_millis(400));
/// assert!(backoff.delay(3, &mut rand::rng()) <= Duration::from_millis(400));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    jitter: bool,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::new(Duration::from_millis(100), Duration::from_secs(10))
    }
}

impl Backoff {
    /// Waits starting at `initial`, doubling each attempt up to `max`, with full jitter.
    /// A `max` below `initial` caps every wait at `max`.
    pub fn new(initial: Duration, max: Duration) -> Self {
        Backoff {
            initial,
            max,
            jitter: true,
        }
    }

    /// Whether each wait is drawn at random below its ceiling (default `true`).
    pub fn jitter(mut self, jitter: bool) -> Self {
        self.jitter = jitter;
        self
    }

    /// The wait before the first attempt, before jitter.
    pub fn initial(&self) -> Duration {
        self.initial
    }

    /// The cap on every wait.
    pub fn max(&self) -> Duration {
        self.max
    }

    /// The longest wait before attempt `attempt` (counting from 1; 0 is taken as 1):
    /// `min(max, initial × 2^(attempt-1))`.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(31);
        self.initial.saturating_mul(1 << doublings).min(self.max)
    }

    /// The wait before attempt `attempt`, drawn with `rng` when jitter is on.
    pub fn delay(&self, attempt: u32, rng: &mut impl Rng) -> Duration {
        let ceiling = self.ceiling(attempt);
        if !self.jitter {
            return ceiling;
        }
        // Nanoseconds: u64 covers 584 years, far beyond any sensible cap.
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(rng.random_range(0..=nanos))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn ms(millis: u64) -> Duration {
        Duration::from_millis(millis)
    }

    #[test]
    fn the_ceiling_doubles_up_to_the_cap() {
        let backoff = Backoff::default();
        let ceilings: Vec<Duration> = (1..=10).map(|n| backoff.ceiling(n)).collect();
        assert_eq!(
            ceilings,
            [
                ms(100),
                ms(200),
                ms(400),
                ms(800),
                ms(1600),
                ms(3200),
                ms(6400),
                ms(10_000),
                ms(10_000),
                ms(10_000)
            ]
        );
        assert_eq!(backoff.ceiling(0), ms(100));
        assert_eq!(backoff.ceiling(u32::MAX), ms(10_000));
    }

    #[test]
    fn without_jitter_the_delay_is_the_ceiling() {
        let backoff = Backoff::new(ms(50), ms(300)).jitter(false);
        let mut rng = StdRng::seed_from_u64(1);
        let delays: Vec<Duration> = (1..=5).map(|n| backoff.delay(n, &mut rng)).collect();
        assert_eq!(delays, [ms(50), ms(100), ms(200), ms(300), ms(300)]);
    }

    #[test]
    fn jittered_delays_stay_within_zero_and_the_ceiling() {
        let backoff = Backoff::default();
        let mut rng = StdRng::seed_from_u64(7);
        for attempt in 1..=40 {
            let ceiling = backoff.ceiling(attempt);
            let delays: Vec<Duration> = (0..200).map(|_| backoff.delay(attempt, &mut rng)).collect();
            assert!(
                delays.iter().all(|d| *d <= ceiling),
                "attempt {attempt}: a delay is over {ceiling:?}"
            );
            // Full jitter spreads the waits over the whole range, not near the ceiling only.
            assert!(
                delays.iter().any(|d| *d < ceiling / 4),
                "attempt {attempt}: no short delay"
            );
            assert!(
                delays.iter().any(|d| *d > ceiling * 3 / 4),
                "attempt {attempt}: no long delay"
            );
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_schedule() {
        let backoff = Backoff::default();
        let schedule = |seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            (1..=8).map(|n| backoff.delay(n, &mut rng)).collect::<Vec<_>>()
        };
        assert_eq!(schedule(3), schedule(3));
        assert_ne!(schedule(3), schedule(4));
    }

    #[test]
    fn a_cap_below_the_initial_wait_caps_everything() {
        let backoff = Backoff::new(ms(500), ms(200)).jitter(false);
        assert_eq!(backoff.delay(1, &mut StdRng::seed_from_u64(0)), ms(200));
        let huge = Backoff::new(Duration::MAX, Duration::MAX);
        assert!(huge.delay(3, &mut StdRng::seed_from_u64(0)) <= Duration::MAX);
    }
}
