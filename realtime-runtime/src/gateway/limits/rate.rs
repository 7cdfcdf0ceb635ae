//! A rate: how many requests a client may make in a period, written `<count>/<unit>`
//! with an optional burst, e.g. `20/s`, `600/m`, `20/s:200`.

use std::fmt;
use std::num::NonZeroU32;
use std::str::FromStr;
use std::time::Duration;

/// How many requests one client (an IP address or a credential) may make: `count` per
/// `period` on average, and at most `burst` at once after a quiet spell.
///
/// Enforced as a GCRA (a leaky bucket without a timer): one request is allowed every
/// `period / count`, and up to `burst` may come together.
///
/// ```
/// use std::time::Duration;
/// use realtime_runtime::gateway::RateLimit;
///
/// let rate: RateLimit = "20/s:200".parse().unwrap();
/// assert_eq!(rate, RateLimit::per_second(20).with_burst(200));
/// assert_eq!(rate.interval(), Duration::from_millis(50));
/// assert_eq!(rate.to_string(), "20/s:200");
/// assert_eq!("600/m".parse::<RateLimit>().unwrap().burst(), 600);
/// assert!("0/s".parse::<RateLimit>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    count: NonZeroU32,
    unit: RateUnit,
    burst: NonZeroU32,
}

/// The period a [`RateLimit`]'s count is per.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateUnit {
    /// Per second (`s`).
    Second,
    /// Per minute (`m`).
    Minute,
    /// Per hour (`h`).
    Hour,
}

impl RateUnit {
    fn duration(self) -> Duration {
        Duration::from_secs(match self {
            RateUnit::Second => 1,
            RateUnit::Minute => 60,
            RateUnit::Hour => 3600,
        })
    }

    fn suffix(self) -> &'static str {
        match self {
            RateUnit::Second => "s",
            RateUnit::Minute => "m",
            RateUnit::Hour => "h",
        }
    }
}

impl RateLimit {
    /// `count` requests per `unit`, with a burst of `count`. A count of zero is taken as one.
    pub fn new(count: u32, unit: RateUnit) -> Self {
        let count = NonZeroU32::new(count).unwrap_or(NonZeroU32::MIN);
        RateLimit {
            count,
            unit,
            burst: count,
        }
    }

    /// `count` requests per second, with a burst of `count`.
    pub fn per_second(count: u32) -> Self {
        Self::new(count, RateUnit::Second)
    }

    /// `count` requests per minute, with a burst of `count`.
    pub fn per_minute(count: u32) -> Self {
        Self::new(count, RateUnit::Minute)
    }

    /// The same rate, letting `burst` requests through at once (zero is taken as one).
    pub fn with_burst(mut self, burst: u32) -> Self {
        self.burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
        self
    }

    /// The most requests let through at once.
    pub fn burst(&self) -> u32 {
        self.burst.get()
    }

    /// The time one request's allowance takes to come back: the period over the count.
    pub fn interval(&self) -> Duration {
        (self.unit.duration() / self.count.get()).max(Duration::from_nanos(1))
    }

    /// The rate as a GCRA quota.
    pub(crate) fn quota(&self) -> governor::Quota {
        governor::Quota::with_period(self.interval())
            .expect("the interval is never zero")
            .allow_burst(self.burst)
    }
}

impl fmt::Display for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.count, self.unit.suffix())?;
        if self.burst != self.count {
            write!(f, ":{}", self.burst)?;
        }
        Ok(())
    }
}

/// A rate that does not read as `<count>/<s|m|h>[:<burst>]` with counts of at least one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a rate: write `<count>/<s|m|h>[:<burst>]` with counts of 1 or more, e.g. `20/s` or `600/m:100` ({reason})")]
pub struct RateLimitParseError {
    /// The text that was read.
    pub text: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl FromStr for RateLimit {
    type Err = RateLimitParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let fail = |reason| RateLimitParseError {
            text: text.to_owned(),
            reason,
        };
        let (rate, burst) = match text.trim().split_once(':') {
            Some((rate, burst)) => (rate, Some(burst)),
            None => (text.trim(), None),
        };
        let (count, unit) = rate.split_once('/').ok_or_else(|| fail("no `/`"))?;
        let count = count
            .trim()
            .parse::<NonZeroU32>()
            .map_err(|_| fail("the count is not a whole number of 1 or more"))?;
        let unit = match unit.trim() {
            "s" | "sec" | "second" => RateUnit::Second,
            "m" | "min" | "minute" => RateUnit::Minute,
            "h" | "hour" => RateUnit::Hour,
            _ => return Err(fail("the unit is not `s`, `m` or `h`")),
        };
        let burst = match burst {
            None => count,
            Some(burst) => burst
                .trim()
                .parse::<NonZeroU32>()
                .map_err(|_| fail("the burst is not a whole number of 1 or more"))?,
        };
        Ok(RateLimit { count, unit, burst })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_read_with_units_and_bursts() {
        assert_eq!("5/s".parse::<RateLimit>().unwrap(), RateLimit::per_second(5));
        assert_eq!(
            " 60/min ".parse::<RateLimit>().unwrap(),
            RateLimit::per_minute(60)
        );
        let hourly: RateLimit = "3600/h:10".parse().unwrap();
        assert_eq!(hourly.interval(), Duration::from_secs(1));
        assert_eq!(hourly.burst(), 10);
        assert_eq!(hourly.to_string(), "3600/h:10");
    }

    #[test]
    fn bad_rates_say_what_is_wrong() {
        for (text, reason) in [
            ("5", "no `/`"),
            ("x/s", "the count is not a whole number of 1 or more"),
            ("0/s", "the count is not a whole number of 1 or more"),
            ("5/d", "the unit is not `s`, `m` or `h`"),
            ("5/s:0", "the burst is not a whole number of 1 or more"),
            ("5/s:", "the burst is not a whole number of 1 or more"),
        ] {
            let error = text.parse::<RateLimit>().unwrap_err();
            assert_eq!(error.reason, reason, "{text}");
            assert!(error.to_string().contains(text), "{error}");
        }
    }
}
