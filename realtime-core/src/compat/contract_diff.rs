//! Two locks compared: channels, their patterns and parameters, their topics, and each
//! topic's payload schema (see [`schema_diff`](super::schema_diff)).

use super::change::{Change, Report, Rule};
use super::lock::{ChannelContract, Lock, TopicContract};
use super::schema_diff::compare_schemas;
use super::Compatibility;
use crate::{ChannelPattern, PatternSegment};

/// Every change from the contract `old` (usually the lock file) to `new` (usually the
/// binary's channels), classified.
///
/// ```
/// use realtime_core::compat::{compare, Compatibility, Lock, Rule};
/// let old = Lock::parse(r#"{"lock_version": 1, "channels": {}}"#).unwrap();
/// let new = Lock::parse(r#"{"lock_version": 1, "channels": {"Logs":
///     {"type": "app::Logs", "pattern": "logs", "parameters": [], "topics": {}}}}"#).unwrap();
/// let report = compare(&old, &new);
/// assert_eq!(report.changes[0].rule, Rule::ChannelAdded);
/// assert_eq!(report.class(), Compatibility::Safe);
/// ```
pub fn compare(old: &Lock, new: &Lock) -> Report {
    let mut changes = Vec::new();
    for (key, old_channel) in &old.channels {
        match new.channels.get(key) {
            Some(new_channel) => changes.extend(compare_channels(key, old_channel, new_channel)),
            None => changes.push(channel_change(
                key,
                Rule::ChannelRemoved,
                Compatibility::BreaksBoth,
                format!(
                    "the channel `{}` was removed; old publishers and subscribers still use it, and a strict \
                     gateway refuses them",
                    old_channel.pattern
                ),
            )),
        }
    }
    for (key, new_channel) in &new.channels {
        if !old.channels.contains_key(key) {
            changes.push(channel_change(
                key,
                Rule::ChannelAdded,
                Compatibility::Safe,
                format!(
                    "the channel `{}` was added; nobody used it before",
                    new_channel.pattern
                ),
            ));
        }
    }
    Report { changes }
}

fn channel_change(channel: &str, rule: Rule, class: Compatibility, message: String) -> Change {
    Change {
        channel: channel.to_owned(),
        topic: None,
        pointer: String::new(),
        rule,
        class,
        message,
    }
}

fn compare_channels(key: &str, old: &ChannelContract, new: &ChannelContract) -> Vec<Change> {
    let mut changes = compare_patterns(key, old, new);
    for (name, old_topic) in &old.topics {
        match new.topics.get(name) {
            Some(new_topic) => changes.extend(compare_topics(key, name, old_topic, new_topic)),
            None => changes.push(Change {
                topic: Some(name.clone()),
                ..channel_change(
                    key,
                    Rule::TopicRemoved,
                    Compatibility::BreaksPublishers,
                    format!(
                        "the topic `{name}` was removed; the gateway refuses old publishers' messages on it"
                    ),
                )
            }),
        }
    }
    for name in new.topics.keys().filter(|name| !old.topics.contains_key(*name)) {
        changes.push(Change {
            topic: Some(name.clone()),
            ..channel_change(
                key,
                Rule::TopicAdded,
                Compatibility::BreaksSubscribers,
                format!(
                    "the topic `{name}` was added; old subscribers to every topic receive messages they cannot \
                     decode"
                ),
            )
        });
    }
    changes
}

/// The pattern's text and parameter types; a parameter renamed in place matches the same
/// names, so it is safe.
fn compare_patterns(key: &str, old: &ChannelContract, new: &ChannelContract) -> Vec<Change> {
    if old.pattern == new.pattern && old.parameters == new.parameters {
        return Vec::new();
    }
    let shape = |pattern: &str| {
        ChannelPattern::parse(pattern).map(|p| {
            p.segments()
                .iter()
                .map(|s| match s {
                    PatternSegment::Literal(text) => Some(text.to_string()),
                    PatternSegment::Param(_) => None,
                })
                .collect::<Vec<_>>()
        })
    };
    let (old_shape, new_shape) = (shape(&old.pattern), shape(&new.pattern));
    if old_shape.is_none() || old_shape != new_shape || old.parameters.len() != new.parameters.len() {
        return vec![channel_change(
            key,
            Rule::PatternChanged,
            Compatibility::BreaksBoth,
            format!(
                "the name pattern changed from `{}` to `{}`; names of one need not match the other",
                old.pattern, new.pattern
            ),
        )];
    }
    let mut changes = Vec::new();
    if old.pattern != new.pattern {
        changes.push(channel_change(
            key,
            Rule::PatternChanged,
            Compatibility::Safe,
            format!(
                "the name pattern changed from `{}` to `{}`, only in parameter names; the same names match",
                old.pattern, new.pattern
            ),
        ));
    }
    for (o, n) in old.parameters.iter().zip(&new.parameters) {
        if o.json_type == n.json_type {
            continue;
        }
        let class = match (o.json_type.as_str(), n.json_type.as_str()) {
            ("string", _) => Compatibility::BreaksPublishers,
            (_, "string") => Compatibility::BreaksSubscribers,
            _ => Compatibility::BreaksBoth,
        };
        changes.push(channel_change(
            key,
            Rule::ParameterChanged,
            class,
            format!(
                "the parameter `{}` changed from {} (`{}`) to {} (`{}`); {}",
                n.name,
                o.json_type,
                o.rust_type,
                n.json_type,
                n.rust_type,
                match class {
                    Compatibility::BreaksPublishers => "old publishers' names may not parse",
                    Compatibility::BreaksSubscribers => "old subscribers may not parse new names",
                    _ => "names of one need not parse as the other",
                }
            ),
        ));
    }
    changes
}

fn compare_topics(key: &str, name: &str, old: &TopicContract, new: &TopicContract) -> Vec<Change> {
    let mut changes = Vec::new();
    let topic_change = |rule, class, message| Change {
        topic: Some(name.to_owned()),
        ..channel_change(key, rule, class, message)
    };
    match (old.validated, new.validated) {
        (false, true) => changes.push(topic_change(
            Rule::ValidationChanged,
            Compatibility::BreaksPublishers,
            "data is now validated; old publishers' data was not checked".to_owned(),
        )),
        (true, false) => changes.push(topic_change(
            Rule::ValidationChanged,
            Compatibility::BreaksSubscribers,
            "data is no longer validated; old subscribers may receive data that breaks the schema".to_owned(),
        )),
        _ => {}
    }
    for finding in compare_schemas(&old.schema, &new.schema) {
        changes.push(Change {
            pointer: finding.pointer,
            ..topic_change(finding.rule, finding.class, finding.message)
        });
    }
    changes
}
