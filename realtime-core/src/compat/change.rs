//! One classified difference between two contracts ([`Change`]), the rule that found it
//! ([`Rule`]) and every change of a comparison ([`Report`]).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Compatibility, Mode};

/// The rule of the [module documentation](super)'s table that classified a change.
///
/// ```
/// use realtime_core::compat::Rule;
/// assert_eq!(serde_json::to_value(Rule::FieldAdded).unwrap(), "field_added");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Rule {
    /// A channel is in the new contract only.
    ChannelAdded,
    /// A channel is in the old contract only.
    ChannelRemoved,
    /// The channel's name pattern matches other names.
    PatternChanged,
    /// A parameter's type changed.
    ParameterChanged,
    /// A topic is in the new contract only.
    TopicAdded,
    /// A topic is in the old contract only.
    TopicRemoved,
    /// A topic declared renamed.
    TopicRenamed,
    /// A topic was deprecated (`#[topic(deprecated = "...")]`), or its note changed.
    TopicDeprecated,
    /// A deprecated topic is no longer deprecated.
    DeprecationWithdrawn,
    /// Run-time validation of a topic was turned on or off.
    ValidationChanged,
    /// An object property is new.
    FieldAdded,
    /// An object property is gone.
    FieldRemoved,
    /// A property became required, or stopped being.
    RequiredChanged,
    /// The JSON types accepted changed (`integer` to `number`, `string` to `object`).
    TypeChanged,
    /// Values were added to or removed from an `enum`/`const`, or one appeared or went.
    EnumChanged,
    /// A numeric, length or count bound (`maximum`, `minLength`, ...) moved.
    BoundChanged,
    /// A `pattern`, `format` or `uniqueItems` appeared, went or changed.
    ConstraintChanged,
    /// `null` became accepted, or stopped being.
    NullableChanged,
    /// What properties beyond the declared ones may be (`additionalProperties`) changed.
    AdditionalPropertiesChanged,
    /// A variant of a `oneOf`/`anyOf` (an enum) is new.
    VariantAdded,
    /// A variant of a `oneOf`/`anyOf` (an enum) is gone.
    VariantRemoved,
    /// A difference no rule classifies with certainty: classified as breaking both sides.
    Unclassified,
}

/// One difference between the old and the new contract, classified.
///
/// `pointer` is a JSON Pointer into the topic's payload schema with every `$ref` replaced
/// by what it points to (so `/properties/step/properties/name`, whatever `$defs` the
/// schema uses), or `""` for the channel or the topic itself.
///
/// ```
/// use realtime_core::compat::{Change, Compatibility, Rule};
/// let change = Change {
///     channel: "Pipeline".into(),
///     topic: Some("status".into()),
///     pointer: "/properties/percent".into(),
///     rule: Rule::BoundChanged,
///     class: Compatibility::BreaksPublishers,
///     message: "the maximum went down from 100 to 50".into(),
///     announced: false,
/// };
/// assert_eq!(
///     change.to_string(),
///     "Pipeline, topic status, at /properties/percent: breaks_publishers: the maximum went down from 100 to 50"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The channel's key (its Rust type's name, see [`Lock`](super::Lock)).
    pub channel: String,
    /// The topic's wire name, when the change is in a topic.
    pub topic: Option<String>,
    /// Where in the payload schema, as a JSON Pointer (`""` for the whole).
    pub pointer: String,
    /// The rule that found it.
    pub rule: Rule,
    /// Whom it breaks.
    pub class: Compatibility,
    /// What changed and why it is classified so, as a sentence.
    pub message: String,
    /// Whether the old contract announced the change: the removal of a topic it marks
    /// deprecated. It keeps its class (whom it breaks), but no [`Mode`] refuses it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub announced: bool,
}

impl Change {
    /// Whether a check in `mode` refuses the change: its class is one `mode` forbids, and
    /// the old contract did not announce it.
    ///
    /// ```
    /// use realtime_core::compat::{Change, Compatibility, Mode, Rule};
    /// let mut change = Change {
    ///     channel: "Build".into(),
    ///     topic: Some("line".into()),
    ///     pointer: String::new(),
    ///     rule: Rule::TopicRemoved,
    ///     class: Compatibility::BreaksPublishers,
    ///     message: "the topic `line` was removed".into(),
    ///     announced: false,
    /// };
    /// assert!(change.refused_by(Mode::Full));
    /// change.announced = true;
    /// assert!(Mode::ALL.iter().all(|mode| !change.refused_by(*mode)));
    /// ```
    pub fn refused_by(&self, mode: Mode) -> bool {
        !self.announced && mode.forbids(self.class)
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.channel)?;
        if let Some(topic) = &self.topic {
            write!(f, ", topic {topic}")?;
        }
        if !self.pointer.is_empty() {
            write!(f, ", at {}", self.pointer)?;
        }
        write!(f, ": {}: {}", self.class, self.message)
    }
}

/// Every change between two contracts, in order of channel, topic and pointer.
///
/// ```
/// use realtime_core::compat::{compare, Lock, Mode};
/// use realtime_core::ChannelRegistry;
/// let lock = Lock::from_registry(&ChannelRegistry::discovered());
/// let report = compare(&lock, &lock);
/// assert!(report.changes.is_empty());
/// assert!(report.passes(Mode::Full));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// The changes found, safe ones included.
    pub changes: Vec<Change>,
}

impl Report {
    /// The class of all the changes together.
    ///
    /// ```
    /// use realtime_core::compat::{Compatibility, Report};
    /// assert_eq!(Report::default().class(), Compatibility::Safe);
    /// ```
    pub fn class(&self) -> Compatibility {
        self.changes
            .iter()
            .fold(Compatibility::Safe, |acc, c| acc.join(c.class))
    }

    /// The changes `mode` refuses (see [`Change::refused_by`]).
    ///
    /// ```
    /// use realtime_core::compat::{Mode, Report};
    /// assert_eq!(Report::default().failures(Mode::Full).count(), 0);
    /// ```
    pub fn failures(&self, mode: Mode) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(move |c| c.refused_by(mode))
    }

    /// Whether `mode` refuses none of the changes.
    ///
    /// ```
    /// use realtime_core::compat::{Mode, Report};
    /// assert!(Report::default().passes(Mode::Backward));
    /// ```
    pub fn passes(&self, mode: Mode) -> bool {
        self.failures(mode).next().is_none()
    }
}
