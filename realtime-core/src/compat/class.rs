//! What a change breaks ([`Compatibility`]) and which breaks a check refuses ([`Mode`]).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Whom a change of contract breaks.
///
/// "Subscribers" are readers built on the old contract (a browser tab still running the old
/// bundle, a service not yet redeployed); "publishers" are writers built on it, whose
/// messages the new gateway validates with the new schema.
///
/// ```
/// use realtime_core::compat::Compatibility;
/// let both = Compatibility::BreaksSubscribers.join(Compatibility::BreaksPublishers);
/// assert_eq!(both, Compatibility::BreaksBoth);
/// assert_eq!(Compatibility::Safe.join(Compatibility::Safe), Compatibility::Safe);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Compatibility {
    /// Old readers read new messages, and old writers' messages pass new validation.
    Safe,
    /// Readers built on the old contract cannot read some new messages.
    BreaksSubscribers,
    /// Some messages of writers built on the old contract fail the new validation.
    BreaksPublishers,
    /// Both of the above, or a change that cannot be classified with certainty.
    BreaksBoth,
}

impl Compatibility {
    /// The class of two changes together: what either breaks.
    ///
    /// ```
    /// use realtime_core::compat::Compatibility;
    /// assert_eq!(Compatibility::Safe.join(Compatibility::BreaksPublishers), Compatibility::BreaksPublishers);
    /// ```
    pub fn join(self, other: Compatibility) -> Compatibility {
        Compatibility::from_breaks(
            self.breaks_subscribers() || other.breaks_subscribers(),
            self.breaks_publishers() || other.breaks_publishers(),
        )
    }

    /// The class of a change that breaks subscribers, publishers, both or neither.
    ///
    /// ```
    /// use realtime_core::compat::Compatibility;
    /// assert_eq!(Compatibility::from_breaks(true, false), Compatibility::BreaksSubscribers);
    /// ```
    pub fn from_breaks(subscribers: bool, publishers: bool) -> Compatibility {
        match (subscribers, publishers) {
            (false, false) => Compatibility::Safe,
            (true, false) => Compatibility::BreaksSubscribers,
            (false, true) => Compatibility::BreaksPublishers,
            (true, true) => Compatibility::BreaksBoth,
        }
    }

    /// Whether old readers may fail to read new messages.
    ///
    /// ```
    /// use realtime_core::compat::Compatibility;
    /// assert!(Compatibility::BreaksBoth.breaks_subscribers());
    /// ```
    pub fn breaks_subscribers(self) -> bool {
        matches!(self, Compatibility::BreaksSubscribers | Compatibility::BreaksBoth)
    }

    /// Whether old writers' messages may fail the new validation.
    ///
    /// ```
    /// use realtime_core::compat::Compatibility;
    /// assert!(!Compatibility::BreaksSubscribers.breaks_publishers());
    /// ```
    pub fn breaks_publishers(self) -> bool {
        matches!(self, Compatibility::BreaksPublishers | Compatibility::BreaksBoth)
    }

    /// The name used in reports: `safe`, `breaks_subscribers`, `breaks_publishers`,
    /// `breaks_both`.
    ///
    /// ```
    /// use realtime_core::compat::Compatibility;
    /// assert_eq!(Compatibility::BreaksBoth.name(), "breaks_both");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Compatibility::Safe => "safe",
            Compatibility::BreaksSubscribers => "breaks_subscribers",
            Compatibility::BreaksPublishers => "breaks_publishers",
            Compatibility::BreaksBoth => "breaks_both",
        }
    }
}

impl fmt::Display for Compatibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which changes a check refuses, after Confluent Schema Registry's modes.
///
/// - `backward`: the new contract reads what the old one wrote. Messages of publishers still
///   built on the old contract pass the new gateway's validation, and subscribers on the new
///   contract read the history the old one wrote. Refuses [`Compatibility::BreaksPublishers`].
/// - `forward`: what the new contract writes, the old one reads. Subscribers still built on
///   the old contract (an open browser tab) read new messages. Refuses
///   [`Compatibility::BreaksSubscribers`].
/// - `full` (the default): both. Refuses every break.
///
/// `full` is the default because neither side of a realtime channel upgrades first: the
/// gateway validates with the new schema as soon as it restarts while jobs built on the old
/// one still publish, and browser tabs keep the old bundle open for hours while new messages
/// arrive. Confluent defaults to `backward` because its consumers upgrade first and re-read
/// old records; here nobody controls when a browser reloads.
///
/// ```
/// use realtime_core::compat::{Compatibility, Mode};
/// assert_eq!(Mode::default(), Mode::Full);
/// assert!(Mode::Backward.forbids(Compatibility::BreaksPublishers));
/// assert!(!Mode::Backward.forbids(Compatibility::BreaksSubscribers));
/// assert_eq!("forward".parse::<Mode>(), Ok(Mode::Forward));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// New readers read old messages: refuses what breaks publishers.
    Backward,
    /// Old readers read new messages: refuses what breaks subscribers.
    Forward,
    /// Both: refuses every break.
    #[default]
    Full,
}

impl Mode {
    /// Every mode.
    pub const ALL: [Mode; 3] = [Mode::Backward, Mode::Forward, Mode::Full];

    /// Whether a change of this class fails a check in this mode.
    ///
    /// ```
    /// use realtime_core::compat::{Compatibility, Mode};
    /// assert!(!Mode::Full.forbids(Compatibility::Safe));
    /// assert!(Mode::Forward.forbids(Compatibility::BreaksBoth));
    /// ```
    pub fn forbids(self, class: Compatibility) -> bool {
        match self {
            Mode::Backward => class.breaks_publishers(),
            Mode::Forward => class.breaks_subscribers(),
            Mode::Full => class != Compatibility::Safe,
        }
    }

    /// The name on the command line: `backward`, `forward` or `full`.
    ///
    /// ```
    /// use realtime_core::compat::Mode;
    /// assert_eq!(Mode::Full.name(), "full");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Mode::Backward => "backward",
            Mode::Forward => "forward",
            Mode::Full => "full",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A mode name that is not `backward`, `forward` or `full`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown compatibility mode `{0}`: expected backward, forward or full")]
pub struct UnknownMode(pub String);

impl FromStr for Mode {
    type Err = UnknownMode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Mode::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| UnknownMode(s.to_owned()))
    }
}
