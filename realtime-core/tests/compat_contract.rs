//! Comparing whole contracts: channels, patterns, parameters and topics, and the lock file
//! itself (its format, its version, and the JSON Schema export read as a contract).

use std::collections::BTreeMap;

use realtime_core::compat::{
    compare, ChannelContract, Compatibility, Lock, LockError, Mode, ParameterContract, Rule, TopicContract,
};
use serde_json::{json, Value};

fn topic(schema: Value) -> TopicContract {
    TopicContract {
        validated: true,
        deprecated: None,
        schema,
    }
}

fn status() -> Value {
    json!({"type": "object", "properties": {"message": {"type": "string"}}, "required": ["message"]})
}

fn param(name: &str, rust_type: &str, json_type: &str) -> ParameterContract {
    ParameterContract {
        name: name.into(),
        json_type: json_type.into(),
        rust_type: rust_type.into(),
    }
}

fn channel(
    pattern: &str,
    parameters: Vec<ParameterContract>,
    topics: &[(&str, TopicContract)],
) -> ChannelContract {
    ChannelContract {
        type_name: "app::Pipeline".into(),
        pattern: pattern.into(),
        parameters,
        topics: topics.iter().map(|(n, t)| ((*n).to_owned(), t.clone())).collect(),
    }
}

fn lock(channels: &[(&str, ChannelContract)]) -> Lock {
    Lock {
        lock_version: 1,
        channels: channels
            .iter()
            .map(|(k, c)| ((*k).to_owned(), c.clone()))
            .collect::<BTreeMap<_, _>>(),
    }
}

fn pipeline(topics: &[(&str, TopicContract)]) -> Lock {
    lock(&[(
        "Pipeline",
        channel(
            "pipeline:<run_id>",
            vec![param("run_id", "String", "string")],
            topics,
        ),
    )])
}

/// The one change between `old` and `new`, which must have this rule and class.
fn only_change(old: &Lock, new: &Lock, rule: Rule, class: Compatibility) {
    let report = compare(old, new);
    assert_eq!(report.changes.len(), 1, "{:#?}", report.changes);
    assert_eq!(
        (report.changes[0].rule, report.changes[0].class),
        (rule, class),
        "{}",
        report.changes[0]
    );
    assert_eq!(report.changes[0].channel, "Pipeline");
}

#[test]
fn a_topic_added_breaks_subscribers_and_removed_breaks_publishers() {
    let one = pipeline(&[("status", topic(status()))]);
    let two = pipeline(&[
        ("status", topic(status())),
        ("tokens", topic(json!({"type": "string"}))),
    ]);
    only_change(&one, &two, Rule::TopicAdded, Compatibility::BreaksSubscribers);
    only_change(&two, &one, Rule::TopicRemoved, Compatibility::BreaksPublishers);
    assert_eq!(compare(&one, &two).changes[0].topic.as_deref(), Some("tokens"));
}

#[test]
fn a_topic_renamed_is_removed_and_added() {
    let old = pipeline(&[("status", topic(status()))]);
    let new = pipeline(&[("progress", topic(status()))]);
    let report = compare(&old, &new);
    let rules: Vec<Rule> = report.changes.iter().map(|c| c.rule).collect();
    assert_eq!(rules, [Rule::TopicRemoved, Rule::TopicAdded]);
    assert_eq!(report.class(), Compatibility::BreaksBoth);
}

#[test]
fn validation_turned_off_or_on() {
    let on = pipeline(&[("status", topic(status()))]);
    let off = pipeline(&[(
        "status",
        TopicContract {
            validated: false,
            deprecated: None,
            schema: status(),
        },
    )]);
    only_change(
        &on,
        &off,
        Rule::ValidationChanged,
        Compatibility::BreaksSubscribers,
    );
    only_change(
        &off,
        &on,
        Rule::ValidationChanged,
        Compatibility::BreaksPublishers,
    );
}

#[test]
fn a_payload_change_names_channel_topic_and_pointer() {
    let old = pipeline(&[("status", topic(status()))]);
    let mut widened = status();
    widened["properties"]["message"]["type"] = json!(["string", "null"]);
    let report = compare(&old, &pipeline(&[("status", topic(widened))]));
    let change = &report.changes[0];
    assert_eq!(change.topic.as_deref(), Some("status"));
    assert_eq!(change.pointer, "/properties/message");
    assert_eq!(change.rule, Rule::NullableChanged);
    assert!(change
        .to_string()
        .starts_with("Pipeline, topic status, at /properties/message: breaks_subscribers:"));
    assert!(report.passes(Mode::Backward));
    assert!(!report.passes(Mode::Forward));
    assert!(!report.passes(Mode::Full));
}

#[test]
fn channels_added_are_safe_and_removed_break_both() {
    let none = lock(&[]);
    let one = pipeline(&[]);
    only_change(&none, &one, Rule::ChannelAdded, Compatibility::Safe);
    only_change(&one, &none, Rule::ChannelRemoved, Compatibility::BreaksBoth);
}

#[test]
fn a_pattern_changed_breaks_both_and_a_parameter_renamed_is_safe() {
    let old = pipeline(&[]);
    let moved = lock(&[(
        "Pipeline",
        channel("run:<run_id>", vec![param("run_id", "String", "string")], &[]),
    )]);
    only_change(&old, &moved, Rule::PatternChanged, Compatibility::BreaksBoth);
    let renamed = lock(&[(
        "Pipeline",
        channel("pipeline:<id>", vec![param("id", "String", "string")], &[]),
    )]);
    only_change(&old, &renamed, Rule::PatternChanged, Compatibility::Safe);
}

#[test]
fn a_parameter_type_changed() {
    let text = pipeline(&[]);
    let number = lock(&[(
        "Pipeline",
        channel("pipeline:<run_id>", vec![param("run_id", "u64", "integer")], &[]),
    )]);
    only_change(
        &text,
        &number,
        Rule::ParameterChanged,
        Compatibility::BreaksPublishers,
    );
    only_change(
        &number,
        &text,
        Rule::ParameterChanged,
        Compatibility::BreaksSubscribers,
    );
}

#[test]
fn the_lock_is_sorted_versioned_and_read_back() {
    let lock = pipeline(&[(
        "status",
        topic(json!({"type": "object", "required": ["b"], "properties": {"b": true}})),
    )]);
    let text = lock.to_json();
    assert!(text.ends_with("}\n"));
    let value: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["lock_version"], 1);
    let keys: Vec<&String> = value["channels"]["Pipeline"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(keys, ["parameters", "pattern", "topics", "type"]);
    assert!(
        text.find("\"properties\"").unwrap() < text.find("\"required\"").unwrap(),
        "{text}"
    );
    assert_eq!(Lock::parse(&text).unwrap(), lock);
    assert_eq!(
        Lock::parse(&text).unwrap().to_json(),
        text,
        "the same lock is the same text"
    );
}

#[test]
fn other_lock_versions_and_non_locks_are_refused() {
    assert!(matches!(
        Lock::parse("{\"channels\": {}}"),
        Err(LockError::NoVersion)
    ));
    assert!(matches!(Lock::parse("[1,"), Err(LockError::Json(_))));
    let err = Lock::parse("{\"lock_version\": 7, \"channels\": {}}").unwrap_err();
    assert_eq!(
        err.to_string(),
        "lock_version 7 is not supported: this build reads lock_version 1"
    );
}

#[test]
fn a_json_schema_bundle_reads_as_the_same_contract() {
    let bundle = json!({
        "x-realtime": {"channels": [{"name": "Pipeline", "pattern": "pipeline:<run_id>", "schema": "#/$defs/Pipeline"}]},
        "$defs": {
            "Pipeline": {"x-realtime": {"type": "app::Pipeline", "pattern": "pipeline:<run_id>",
                "parameters": [{"name": "run_id", "type": "string", "rustType": "String"}],
                "topics": [{"name": "status", "validated": true, "payload": "#/$defs/Pipeline.status"}]}},
            "Pipeline.status": {"type": "object", "properties": {"step": {"$ref": "#/$defs/Pipeline.status.Step"}}},
            "Pipeline.status.Step": {"type": "object", "properties": {"name": {"type": "string"}}}
        }
    });
    let exported = Lock::from_export(&bundle).unwrap();
    let schema = &exported.channels["Pipeline"].topics["status"].schema;
    assert!(schema["$defs"]["Pipeline.status.Step"].is_object(), "{schema}");
    let locked = pipeline(&[(
        "status",
        topic(
            json!({"type": "object", "properties": {"step": {"$ref": "#/$defs/Step"}},
            "$defs": {"Step": {"type": "object", "properties": {"name": {"type": "string"}}}}}),
        ),
    )]);
    assert!(
        compare(&locked, &exported).changes.is_empty(),
        "{:?}",
        compare(&locked, &exported)
    );
}

#[test]
fn a_topic_declared_renamed_is_one_change_and_its_payload_is_compared() {
    use realtime_core::compat::{compare_with, TopicRename};
    let old = pipeline(&[("status", topic(status()))]);
    let mut widened = status();
    widened["properties"]["message"]["maxLength"] = json!(10);
    let new = pipeline(&[("progress", topic(widened))]);
    let rename: TopicRename = "Pipeline.status=progress".parse().unwrap();
    let report = compare_with(&old, &new, &[rename]);
    let rules: Vec<(Rule, Option<&str>)> = report
        .changes
        .iter()
        .map(|c| (c.rule, c.topic.as_deref()))
        .collect();
    assert_eq!(
        rules,
        [
            (Rule::TopicRenamed, Some("progress")),
            (Rule::BoundChanged, Some("progress"))
        ]
    );
    assert_eq!(report.changes[1].pointer, "/properties/message/maxLength");
    let unrelated: TopicRename = "Other.status=progress".parse().unwrap();
    assert_eq!(compare_with(&old, &new, &[unrelated]), compare(&old, &new));
}

#[test]
fn a_name_required_without_a_declared_property_is_compared_too() {
    use realtime_core::compat::compare_payloads;
    let old = json!({"type": "object", "required": ["id"]});
    let new = json!({"type": "object"});
    let changes = compare_payloads("Pipeline", "status", &old, &new);
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(
        (changes[0].rule, changes[0].class),
        (Rule::RequiredChanged, Compatibility::BreaksSubscribers)
    );
    assert_eq!(changes[0].pointer, "/properties/id");
}
