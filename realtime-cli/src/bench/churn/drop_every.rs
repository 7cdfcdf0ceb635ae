//! `--drop-every`: how long a subscriber's connection lives before the client drops it, a
//! range drawn from uniformly at random per connection (`1-4s`, `200-800ms`) or one value
//! (`2s`).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use rand::Rng;

/// A connection's lifetime: uniformly at random in `low..=high`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DropEvery {
    /// The shortest lifetime.
    pub low: Duration,
    /// The longest lifetime.
    pub high: Duration,
}

/// Why a `--drop-every` value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DropEveryError {
    /// The value does not end with a unit.
    #[error("`{0}` has no unit: write e.g. `1-4s` or `200-800ms`")]
    NoUnit(String),
    /// A bound is not a number.
    #[error("`{0}` is not a number of seconds or milliseconds")]
    NotANumber(String),
    /// A bound is zero: the connection would never be used.
    #[error("a connection must live longer than 0 (got `{0}`)")]
    Zero(String),
    /// The range is the wrong way round.
    #[error("the range `{0}` is the wrong way round: write the shorter lifetime first")]
    Reversed(String),
}

impl DropEvery {
    /// A lifetime drawn at random.
    pub fn sample(&self, rng: &mut impl Rng) -> Duration {
        if self.low == self.high {
            return self.low;
        }
        rng.random_range(self.low..=self.high)
    }
}

impl FromStr for DropEvery {
    type Err = DropEveryError;

    /// ```
    /// use std::time::Duration;
    /// use realtime_cli::bench::DropEvery;
    /// let every: DropEvery = "1-4s".parse().unwrap();
    /// assert_eq!((every.low, every.high), (Duration::from_secs(1), Duration::from_secs(4)));
    /// assert!("4-1s".parse::<DropEvery>().is_err());
    /// ```
    fn from_str(text: &str) -> Result<Self, DropEveryError> {
        let text = text.trim();
        let (number, unit_ms) = if let Some(n) = text.strip_suffix("ms") {
            (n, 1.0)
        } else if let Some(n) = text.strip_suffix('s') {
            (n, 1000.0)
        } else {
            return Err(DropEveryError::NoUnit(text.to_owned()));
        };
        let bound = |part: &str| -> Result<Duration, DropEveryError> {
            let value: f64 = part
                .trim()
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite() && *v >= 0.0)
                .ok_or_else(|| DropEveryError::NotANumber(part.trim().to_owned()))?;
            let duration = Duration::from_secs_f64(value * unit_ms / 1000.0);
            if duration.is_zero() {
                return Err(DropEveryError::Zero(text.to_owned()));
            }
            Ok(duration)
        };
        let (low, high) = match number.split_once('-') {
            Some((low, high)) => (bound(low)?, bound(high)?),
            None => {
                let one = bound(number)?;
                (one, one)
            }
        };
        if low > high {
            return Err(DropEveryError::Reversed(text.to_owned()));
        }
        Ok(DropEvery { low, high })
    }
}

impl fmt::Display for DropEvery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (low, high) = (self.low.as_secs_f64(), self.high.as_secs_f64());
        if self.low == self.high {
            write!(f, "{low} s")
        } else {
            write!(f, "{low}-{high} s")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_single_values() {
        let ms = Duration::from_millis;
        assert_eq!(
            "1-4s".parse(),
            Ok(DropEvery {
                low: ms(1000),
                high: ms(4000)
            })
        );
        assert_eq!(
            "200-800ms".parse(),
            Ok(DropEvery {
                low: ms(200),
                high: ms(800)
            })
        );
        assert_eq!(
            " 2s ".parse(),
            Ok(DropEvery {
                low: ms(2000),
                high: ms(2000)
            })
        );
        assert_eq!(
            "0.5-1.5s".parse(),
            Ok(DropEvery {
                low: ms(500),
                high: ms(1500)
            })
        );
        let every: DropEvery = "1-4s".parse().unwrap();
        let mut rng = rand::rng();
        for _ in 0..100 {
            let d = every.sample(&mut rng);
            assert!(d >= ms(1000) && d <= ms(4000), "{d:?}");
        }
    }

    #[test]
    fn bad_values_are_refused_with_their_reason() {
        assert_eq!(
            "1-4".parse::<DropEvery>(),
            Err(DropEveryError::NoUnit("1-4".into()))
        );
        assert_eq!(
            "a-4s".parse::<DropEvery>(),
            Err(DropEveryError::NotANumber("a".into()))
        );
        assert_eq!(
            "-4s".parse::<DropEvery>(),
            Err(DropEveryError::NotANumber("".into()))
        );
        assert_eq!("0s".parse::<DropEvery>(), Err(DropEveryError::Zero("0s".into())));
        assert_eq!(
            "4-1s".parse::<DropEvery>(),
            Err(DropEveryError::Reversed("4-1s".into()))
        );
        assert_eq!(
            "NaNs".parse::<DropEvery>(),
            Err(DropEveryError::NotANumber("NaN".into()))
        );
    }
}
