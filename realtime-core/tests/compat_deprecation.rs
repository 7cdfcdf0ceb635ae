//! Deprecated topics in the compatibility check: deprecating, changing the note and
//! withdrawing a deprecation are safe and reported; removing a topic the old contract
//! marks deprecated keeps its class but no mode refuses it; the lock field is optional.

use realtime_core::compat::{compare, compare_with, Compatibility, Lock, Mode, Rule, TopicRename};
use serde_json::{json, Value};

/// A lock of channel `Build` (`build:<id>`) with these topics, each `(name, deprecated)`.
fn build(topics: &[(&str, Option<&str>)]) -> Lock {
    let topics: serde_json::Map<String, Value> = topics
        .iter()
        .map(|(name, deprecated)| {
            let mut topic = json!({"validated": true, "schema": {"type": "object",
                "properties": {"text": {"type": "string"}}, "required": ["text"]}});
            if let Some(note) = deprecated {
                topic["deprecated"] = json!(note);
            }
            ((*name).to_owned(), topic)
        })
        .collect();
    let lock = json!({"lock_version": 1, "channels": {"Build": {"type": "app::Build",
        "pattern": "build:<id>", "parameters": [{"name": "id", "type": "string", "rust_type": "String"}],
        "topics": topics}}});
    Lock::parse(&lock.to_string()).expect("a lock")
}

#[test]
fn deprecating_a_topic_is_safe_and_reported_with_its_note() {
    let old = build(&[("line", None), ("lines", None)]);
    let new = build(&[("line", Some("use `lines` instead")), ("lines", None)]);
    let report = compare(&old, &new);
    assert_eq!(report.changes.len(), 1, "{report:?}");
    let change = &report.changes[0];
    assert_eq!(
        (change.rule, change.class),
        (Rule::TopicDeprecated, Compatibility::Safe)
    );
    assert_eq!(change.topic.as_deref(), Some("line"));
    assert_eq!(
        change.to_string(),
        "Build, topic line: safe: deprecated: use `lines` instead"
    );
    assert!(Mode::ALL.iter().all(|mode| report.passes(*mode)));

    let bare = compare(&old, &build(&[("line", Some("")), ("lines", None)]));
    assert_eq!(bare.changes[0].message, "deprecated (without a note)");
}

#[test]
fn a_changed_note_is_reported_and_safe() {
    let old = build(&[("line", Some("use `lines`"))]);
    let new = build(&[("line", Some("use `lines` instead; gone in 2.0"))]);
    let report = compare(&old, &new);
    assert_eq!(report.changes.len(), 1, "{report:?}");
    assert_eq!(report.changes[0].rule, Rule::TopicDeprecated);
    assert_eq!(
        report.changes[0].message,
        "deprecated: use `lines` instead; gone in 2.0 (the note was: \"use `lines`\")"
    );
    assert_eq!(report.class(), Compatibility::Safe);
    assert!(
        compare(&new, &new).changes.is_empty(),
        "the same note is no change"
    );
}

#[test]
fn withdrawing_a_deprecation_is_safe_and_reported() {
    let old = build(&[("line", Some("use `lines` instead"))]);
    let new = build(&[("line", None)]);
    let report = compare(&old, &new);
    assert_eq!(report.changes.len(), 1, "{report:?}");
    let change = &report.changes[0];
    assert_eq!(
        (change.rule, change.class),
        (Rule::DeprecationWithdrawn, Compatibility::Safe)
    );
    assert_eq!(change.message, "no longer deprecated");
    assert!(report.passes(Mode::Full));
}

#[test]
fn removing_a_deprecated_topic_breaks_publishers_but_no_mode_refuses_it() {
    let old = build(&[("line", Some("use `lines` instead")), ("lines", None)]);
    let new = build(&[("lines", None)]);
    let report = compare(&old, &new);
    assert_eq!(report.changes.len(), 1, "{report:?}");
    let change = &report.changes[0];
    assert_eq!(
        (change.rule, change.class),
        (Rule::TopicRemoved, Compatibility::BreaksPublishers)
    );
    assert!(change.announced);
    assert_eq!(
        change.message,
        "the topic `line` was removed; the gateway refuses old publishers' messages on it; it was \
         deprecated (use `lines` instead), so the removal was announced and no mode refuses it"
    );
    assert_eq!(
        report.class(),
        Compatibility::BreaksPublishers,
        "the class is kept"
    );
    for mode in Mode::ALL {
        assert!(report.passes(mode), "{mode} refuses an announced removal");
        assert_eq!(report.failures(mode).count(), 0);
    }
    let json = serde_json::to_value(change).unwrap();
    assert_eq!(json["announced"], true);

    let bare = compare(&build(&[("line", Some(""))]), &build(&[]));
    assert!(bare.changes[0].announced);
    assert!(bare.changes[0]
        .message
        .ends_with("; it was deprecated, so the removal was announced and no mode refuses it"));
}

#[test]
fn removing_a_topic_that_was_not_deprecated_is_still_refused() {
    let report = compare(
        &build(&[("line", None), ("lines", None)]),
        &build(&[("lines", None)]),
    );
    let change = &report.changes[0];
    assert_eq!(change.rule, Rule::TopicRemoved);
    assert!(!change.announced);
    assert!(!serde_json::to_value(change)
        .unwrap()
        .as_object()
        .unwrap()
        .contains_key("announced"));
    assert!(!report.passes(Mode::Full));
    assert!(!report.passes(Mode::Backward));
    assert!(report.passes(Mode::Forward), "a removal breaks publishers only");
}

#[test]
fn deprecated_in_the_same_change_as_removed_is_not_announced() {
    // The lock never said `line` was deprecated: deploying the deprecation and the removal
    // together announces nothing to the clients built on the lock.
    let report = compare(&build(&[("line", None)]), &build(&[]));
    assert!(!report.changes[0].announced);
    assert!(!report.passes(Mode::Full));
}

#[test]
fn a_deprecated_topic_renamed_on_purpose_is_still_refused() {
    let old = build(&[("line", Some("renamed `lines`"))]);
    let new = build(&[("lines", None)]);
    let rename: TopicRename = "Build.line=lines".parse().unwrap();
    let report = compare_with(&old, &new, &[rename]);
    let rules: Vec<Rule> = report.changes.iter().map(|c| c.rule).collect();
    assert_eq!(rules, [Rule::TopicRenamed, Rule::DeprecationWithdrawn]);
    assert!(
        !report.passes(Mode::Full),
        "a rename changes the wire name under old clients"
    );
}

#[test]
fn a_lock_without_the_field_reads_and_writes_unchanged() {
    let old = r#"{
  "channels": {
    "Build": {
      "parameters": [],
      "pattern": "build",
      "topics": {
        "line": {
          "schema": {
            "type": "string"
          },
          "validated": true
        }
      },
      "type": "app::Build"
    }
  },
  "lock_version": 1
}
"#;
    let lock = Lock::parse(old).expect("a lock written before deprecation existed");
    assert_eq!(lock.channels["Build"].topics["line"].deprecated, None);
    assert_eq!(lock.to_json(), old, "the same bytes");

    let mut deprecated = lock.clone();
    deprecated
        .channels
        .get_mut("Build")
        .unwrap()
        .topics
        .get_mut("line")
        .unwrap()
        .deprecated = Some("use `lines` instead".into());
    let text = deprecated.to_json();
    assert!(
        text.contains("\"deprecated\": \"use `lines` instead\",\n          \"schema\""),
        "{text}"
    );
    assert_eq!(Lock::parse(&text).unwrap(), deprecated);
}

#[test]
fn a_note_that_is_not_a_string_is_not_a_lock() {
    let text = r#"{"lock_version": 1, "channels": {"Build": {"type": "app::Build", "pattern": "build",
        "parameters": [], "topics": {"line": {"validated": true, "deprecated": true, "schema": {}}}}}}"#;
    let err = Lock::parse(text).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("not a lock file: invalid type: boolean `true`"),
        "{err}"
    );
}

#[test]
fn an_export_reads_as_the_same_deprecated_contract() {
    let bundle = json!({
        "x-realtime": {"channels": [{"name": "Build", "pattern": "build", "schema": "#/$defs/Build"}]},
        "$defs": {
            "Build": {"x-realtime": {"type": "app::Build", "pattern": "build", "parameters": [],
                "topics": [{"name": "line", "validated": true, "payload": "#/$defs/Build.line",
                            "deprecated": "use `lines` instead"}]}},
            "Build.line": {"type": "string", "deprecated": true,
                           "description": "One line.\n\nDeprecated: use `lines` instead"}
        }
    });
    let exported = Lock::from_export(&bundle).unwrap();
    let line = &exported.channels["Build"].topics["line"];
    assert_eq!(line.deprecated.as_deref(), Some("use `lines` instead"));
    assert_eq!(line.schema, json!({"type": "string", "description": "One line."}));
}
