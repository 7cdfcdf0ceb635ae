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
    compare_with(old, new, &[])
}

/// A topic renamed on purpose: its payload is compared with the old topic's, and the
/// rename is one change instead of a topic removed and one added.
///
/// ```
/// use realtime_core::compat::TopicRename;
/// let rename: TopicRename = "Pipeline.status=progress".parse().unwrap();
/// assert_eq!(rename, TopicRename { channel: "Pipeline".into(), from: "status".into(), to: "progress".into() });
/// assert!("status=progress".parse::<TopicRename>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicRename {
    /// The channel's key.
    pub channel: String,
    /// The old wire name.
    pub from: String,
    /// The new wire name.
    pub to: String,
}

/// A rename not written `Channel.from=to`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a topic rename: write CHANNEL.FROM=TO, e.g. Pipeline.status=progress")]
pub struct BadTopicRename(pub String);

impl std::str::FromStr for TopicRename {
    type Err = BadTopicRename;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadTopicRename(s.to_owned());
        let (topic, to) = s.split_once('=').ok_or_else(bad)?;
        let (channel, from) = topic.rsplit_once('.').ok_or_else(bad)?;
        if [channel, from, to].iter().any(|part| part.is_empty()) {
            return Err(bad());
        }
        Ok(TopicRename {
            channel: channel.to_owned(),
            from: from.to_owned(),
            to: to.to_owned(),
        })
    }
}

/// [`compare`], with topics declared renamed: each is one [`Rule::TopicRenamed`] change
/// (breaking both sides: the wire name is what publishers and subscribers use) and the
/// changes of its payload, instead of a topic removed and one added.
///
/// ```
/// use realtime_core::compat::{compare_with, Lock, Rule, TopicRename};
/// let lock = |topic: &str| Lock::parse(&format!(r#"{{"lock_version": 1, "channels": {{"Logs": {{"type": "app::Logs",
///     "pattern": "logs", "parameters": [], "topics": {{"{topic}": {{"validated": true, "schema": {{}}}}}}}}}}}}"#)).unwrap();
/// let rename: TopicRename = "Logs.line=lines".parse().unwrap();
/// let report = compare_with(&lock("line"), &lock("lines"), &[rename]);
/// assert_eq!(report.changes.len(), 1);
/// assert_eq!(report.changes[0].rule, Rule::TopicRenamed);
/// ```
pub fn compare_with(old: &Lock, new: &Lock, renames: &[TopicRename]) -> Report {
    let mut changes = Vec::new();
    for (key, old_channel) in &old.channels {
        match new.channels.get(key) {
            Some(new_channel) => {
                let renames: Vec<&TopicRename> = renames.iter().filter(|r| &r.channel == key).collect();
                changes.extend(compare_channels(key, old_channel, new_channel, &renames));
            }
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
        announced: false,
    }
}

/// The rename of old topic `name`, when the new contract has its new name and not the old.
fn renamed<'a>(renames: &[&'a TopicRename], name: &str, new: &ChannelContract) -> Option<&'a TopicRename> {
    renames
        .iter()
        .copied()
        .find(|r| r.from == name && new.topics.contains_key(&r.to) && !new.topics.contains_key(name))
}

fn compare_channels(
    key: &str,
    old: &ChannelContract,
    new: &ChannelContract,
    renames: &[&TopicRename],
) -> Vec<Change> {
    let mut changes = compare_patterns(key, old, new);
    let mut renamed_to = Vec::new();
    for (name, old_topic) in &old.topics {
        if let Some(rename) = renamed(renames, name, new) {
            renamed_to.push(rename.to.as_str());
            changes.push(Change {
                topic: Some(rename.to.clone()),
                ..channel_change(
                    key,
                    Rule::TopicRenamed,
                    Compatibility::BreaksBoth,
                    format!(
                        "the topic `{name}` was renamed `{}`; the gateway refuses old publishers' messages on                          `{name}` and old subscribers listen to it",
                        rename.to
                    ),
                )
            });
            changes.extend(compare_topics(
                key,
                &rename.to,
                old_topic,
                &new.topics[&rename.to],
            ));
            continue;
        }
        match new.topics.get(name) {
            Some(new_topic) => changes.extend(compare_topics(key, name, old_topic, new_topic)),
            None => changes.push(topic_removed(key, name, old_topic)),
        }
    }
    for name in new
        .topics
        .keys()
        .filter(|name| !old.topics.contains_key(*name) && !renamed_to.contains(&name.as_str()))
    {
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

/// Topic `name` is gone. It breaks publishers either way; when the old contract marks it
/// deprecated, the removal was announced and no mode refuses it.
fn topic_removed(key: &str, name: &str, old: &TopicContract) -> Change {
    let mut message =
        format!("the topic `{name}` was removed; the gateway refuses old publishers' messages on it");
    if let Some(note) = &old.deprecated {
        message.push_str("; it was deprecated");
        if !note.is_empty() {
            message.push_str(&format!(" ({note})"));
        }
        message.push_str(", so the removal was announced and no mode refuses it");
    }
    Change {
        topic: Some(name.to_owned()),
        announced: old.deprecated.is_some(),
        ..channel_change(key, Rule::TopicRemoved, Compatibility::BreaksPublishers, message)
    }
}

/// A topic deprecated, its note changed, or its deprecation withdrawn: safe, since the
/// topic works as before; reported, so the review sees it.
fn deprecation_change(old: &TopicContract, new: &TopicContract) -> Option<(Rule, String)> {
    let said = |note: &str| {
        if note.is_empty() {
            "deprecated (without a note)".to_owned()
        } else {
            format!("deprecated: {note}")
        }
    };
    match (&old.deprecated, &new.deprecated) {
        (None, Some(note)) => Some((Rule::TopicDeprecated, said(note))),
        (Some(before), Some(note)) if before != note => Some((
            Rule::TopicDeprecated,
            format!("{} (the note was: {before:?})", said(note)),
        )),
        (Some(_), None) => Some((Rule::DeprecationWithdrawn, "no longer deprecated".to_owned())),
        _ => None,
    }
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
    if let Some((rule, message)) = deprecation_change(old, new) {
        changes.push(topic_change(rule, Compatibility::Safe, message));
    }
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
