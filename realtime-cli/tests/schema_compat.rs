//! `realtime schema lock` and `realtime schema check`, run as the `realtime` binary (whose
//! one channel is the demo's) and through `realtime_cli::schema::run` (over the channel of
//! `examples/app_cli.rs`, compiled into this test).

#[allow(dead_code)]
#[path = "../examples/app_cli.rs"]
mod app_cli;

#[path = "common/cli_run.rs"]
mod cli_run;

use cli_run::{realtime, stderr, stdout};
use std::path::{Path, PathBuf};

use realtime::core::compat::{Lock, Mode};
use realtime_cli::schema::compat::{check, CheckSource};
use realtime_cli::schema::{self, SchemaError};
use realtime_cli::Cli;
use serde_json::{json, Value};

/// A fresh, empty scratch directory for `name`.
fn scratch(name: &str) -> PathBuf {
    cli_run::scratch("schema-compat", name)
}

/// Writes the demo's lock in `dir`, then changes it with `edit` (the lock is the *old*
/// contract: the binary's channels are the new one).
fn edited_lock(dir: &Path, edit: impl FnOnce(&mut Value)) -> PathBuf {
    let output = realtime(dir, &["schema", "lock"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let path = dir.join("channels.lock.json");
    let mut lock: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    edit(&mut lock);
    let old = dir.join("old.lock.json");
    std::fs::write(&old, serde_json::to_string_pretty(&lock).unwrap()).unwrap();
    old
}

#[test]
fn lock_writes_a_sorted_versioned_lock_and_check_passes_against_it() {
    let dir = scratch("lock");
    let output = realtime(&dir, &["schema", "lock"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "channels.lock.json\n");
    let text = std::fs::read_to_string(dir.join("channels.lock.json")).unwrap();
    let lock: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(lock["lock_version"], 1);
    let demo = &lock["channels"]["Demo"];
    assert_eq!(demo["pattern"], "demo:<run_id>");
    assert_eq!(
        demo["parameters"],
        json!([{"name": "run_id", "type": "string", "rust_type": "String"}])
    );
    assert_eq!(
        demo["topics"]["status"]["schema"]["properties"]["percent"]["maximum"],
        100
    );
    assert_eq!(demo["topics"]["status"]["validated"], true);

    let again = realtime(&dir, &["schema", "lock", "--out", "again.json"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(
        std::fs::read_to_string(dir.join("again.json")).unwrap(),
        text,
        "the same channels, the same bytes"
    );

    let output = realtime(&dir, &["schema", "check"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("0 change(s), 0 refused"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn check_names_channel_topic_and_pointer_and_fails_on_what_the_mode_refuses() {
    let dir = scratch("refused");
    // The lock allowed at most 50: the binary's 100 breaks subscribers built on the lock.
    let old = edited_lock(&dir, |lock| {
        lock["channels"]["Demo"]["topics"]["status"]["schema"]["properties"]["percent"]["maximum"] =
            json!(50);
    });
    let old = old.to_str().unwrap();

    let full = realtime(&dir, &["schema", "check", "--lock", old]);
    assert_eq!(full.status.code(), Some(1), "{}", stdout(&full));
    let report = stdout(&full);
    assert!(
        report.contains("REFUSED Demo, topic status, at /properties/percent/maximum: breaks_subscribers:"),
        "{report}"
    );
    assert!(
        stderr(&full).contains("1 change(s) refused in mode full"),
        "{}",
        stderr(&full)
    );

    let forward = realtime(&dir, &["schema", "check", "--lock", old, "--mode", "forward"]);
    assert_eq!(forward.status.code(), Some(1));
    let backward = realtime(&dir, &["schema", "check", "--lock", old, "--mode", "backward"]);
    assert!(backward.status.success(), "{}", stderr(&backward));
    assert!(
        stdout(&backward).contains("ok      Demo, topic status"),
        "{}",
        stdout(&backward)
    );
}

#[test]
fn check_json_is_a_report_for_ci() {
    let dir = scratch("json");
    let old = edited_lock(&dir, |lock| {
        let log = &mut lock["channels"]["Demo"]["topics"]["log"]["schema"];
        log["properties"]["level"] = json!({"type": "string"});
        log["required"] = json!(["line", "level"]);
        lock["channels"]["Demo"]["topics"]
            .as_object_mut()
            .unwrap()
            .remove("summary");
    });
    let output = realtime(
        &dir,
        &["schema", "check", "--lock", old.to_str().unwrap(), "--json"],
    );
    assert_eq!(output.status.code(), Some(1));
    let report: Value = serde_json::from_str(&stdout(&output)).expect("stdout is JSON");
    assert_eq!(report["passed"], false);
    assert_eq!(report["mode"], "full");
    assert_eq!(report["class"], "breaks_subscribers");
    assert_eq!(report["refused"], 2);
    let changes = report["changes"].as_array().unwrap();
    assert_eq!(changes[0]["topic"], "log");
    assert_eq!(changes[0]["pointer"], "/properties/level");
    assert_eq!(changes[0]["rule"], "field_removed");
    assert_eq!(changes[0]["refused"], true);
    assert_eq!(changes[1]["topic"], "summary");
    assert_eq!(changes[1]["rule"], "topic_added");
}

#[test]
fn check_against_a_json_schema_export_compares_meaning_not_layout() {
    let dir = scratch("against");
    let export = realtime(&dir, &["schema", "--format", "jsonschema"]);
    assert!(export.status.success());
    std::fs::write(dir.join("channels.schema.json"), &export.stdout).unwrap();
    let output = realtime(&dir, &["schema", "check", "--against", "channels.schema.json"]);
    assert!(output.status.success(), "{}{}", stdout(&output), stderr(&output));
    assert!(stdout(&output).contains("0 change(s)"), "{}", stdout(&output));

    std::fs::create_dir_all(dir.join("out")).unwrap();
    let files = realtime(&dir, &["schema", "--format", "jsonschema", "--out", "out"]);
    assert!(files.status.success());
    let one = realtime(&dir, &["schema", "check", "--against", "out/Demo.schema.json"]);
    assert!(one.status.success(), "{}{}", stdout(&one), stderr(&one));
}

#[test]
fn a_missing_unreadable_or_newer_lock_is_an_error_naming_the_file() {
    let dir = scratch("errors");
    let missing = realtime(&dir, &["schema", "check"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing)
            .contains("no lock file at channels.lock.json: write one with `realtime schema lock`"),
        "{}",
        stderr(&missing)
    );

    std::fs::write(dir.join("v2.json"), r#"{"lock_version": 2, "channels": {}}"#).unwrap();
    let newer = realtime(&dir, &["schema", "check", "--lock", "v2.json"]);
    assert!(
        stderr(&newer).contains("v2.json: lock_version 2 is not supported"),
        "{}",
        stderr(&newer)
    );

    std::fs::write(dir.join("other.json"), r#"{"type": "object"}"#).unwrap();
    let other = realtime(&dir, &["schema", "check", "--against", "other.json"]);
    assert!(
        stderr(&other).contains("not a JSON Schema export"),
        "{}",
        stderr(&other)
    );
}

#[test]
fn lock_and_check_are_usage_errors_beside_export_flags_or_each_other() {
    let dir = scratch("usage");
    let both = realtime(&dir, &["schema", "--format", "jsonschema", "lock"]);
    assert_eq!(both.status.code(), Some(2));
    let two_sources = realtime(&dir, &["schema", "check", "--lock", "a", "--against", "b"]);
    assert_eq!(two_sources.status.code(), Some(2));
    let bad_mode = realtime(&dir, &["schema", "check", "--mode", "sideways"]);
    assert_eq!(bad_mode.status.code(), Some(2));
    assert!(stderr(&bad_mode).contains("backward"), "{}", stderr(&bad_mode));
}

#[test]
fn an_application_checks_its_own_channels_through_the_library() {
    use clap::Parser;
    let dir = scratch("library");
    let lock_path = dir.join("app.lock.json");
    let cli =
        Cli::try_parse_from(["my-app", "schema", "lock", "--out", lock_path.to_str().unwrap()]).unwrap();
    let realtime_cli::Command::Schema(args) = cli.command else {
        panic!("a schema command")
    };
    let registry = realtime_cli::channels();
    assert_eq!(registry.len(), 1, "the example's `Chat`");
    let mut out = Vec::new();
    schema::run(&args, &registry, &mut out).expect("lock");
    let old = Lock::parse(&std::fs::read_to_string(&lock_path).unwrap()).unwrap();
    let outcome = check(
        &old,
        &registry,
        Mode::Full,
        &CheckSource::Lock(lock_path.clone()),
        &[],
    );
    assert!(outcome.passed(), "{}", outcome.text());

    let mut older = old.clone();
    older.channels.get_mut("Chat").unwrap().topics.remove("typing");
    let outcome = check(&older, &registry, Mode::Full, &CheckSource::Lock(lock_path), &[]);
    assert!(!outcome.passed(), "a topic added breaks subscribers");
    assert!(
        outcome
            .text()
            .contains("REFUSED Chat, topic typing: breaks_subscribers"),
        "{}",
        outcome.text()
    );
    let err = SchemaError::Incompatible(realtime_cli::schema::compat::Refused {
        count: 2,
        mode: Mode::Backward,
        class: realtime::core::compat::Compatibility::BreaksBoth,
    });
    assert!(err
        .to_string()
        .starts_with("2 change(s) refused in mode backward"));
}

#[test]
fn a_topic_declared_renamed_is_one_change() {
    let dir = scratch("rename");
    let old = edited_lock(&dir, |lock| {
        let topics = lock["channels"]["Demo"]["topics"].as_object_mut().unwrap();
        let log = topics.remove("log").unwrap();
        topics.insert("lines".into(), log);
    });
    let old = old.to_str().unwrap();
    let plain = realtime(&dir, &["schema", "check", "--lock", old, "--json"]);
    let report: Value = serde_json::from_str(&stdout(&plain)).unwrap();
    let rules: Vec<&str> = report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["topic_removed", "topic_added"]);

    let declared = realtime(
        &dir,
        &[
            "schema",
            "check",
            "--lock",
            old,
            "--json",
            "--rename-topic",
            "Demo.lines=log",
        ],
    );
    assert_eq!(
        declared.status.code(),
        Some(1),
        "a rename still breaks both sides"
    );
    let report: Value = serde_json::from_str(&stdout(&declared)).unwrap();
    assert_eq!(report["changes"].as_array().unwrap().len(), 1, "{report}");
    assert_eq!(report["changes"][0]["rule"], "topic_renamed");
    assert_eq!(report["changes"][0]["topic"], "log");

    let malformed = realtime(&dir, &["schema", "check", "--rename-topic", "lines=log"]);
    assert_eq!(malformed.status.code(), Some(2));
    assert!(
        stderr(&malformed).contains("CHANNEL.FROM=TO"),
        "{}",
        stderr(&malformed)
    );
}

#[test]
fn serve_refuses_to_start_when_the_channels_break_its_lock() {
    let dir = scratch("serve");
    let old = edited_lock(&dir, |lock| {
        lock["channels"]["Demo"]["topics"]["status"]["schema"]["properties"]["percent"]["maximum"] =
            json!(50);
    });
    let old = old.to_str().unwrap();
    let refused = realtime(&dir, &["serve", "--dev", "--addr", "127.0.0.1:0", "--lock", old]);
    assert_eq!(refused.status.code(), Some(1), "{}", stdout(&refused));
    let err = stderr(&refused);
    assert!(
        err.contains("REFUSED Demo, topic status, at /properties/percent/maximum"),
        "{err}"
    );
    assert!(err.contains("1 change(s) refused in mode full"), "{err}");
    assert!(!stdout(&refused).contains("listening on"), "it never listened");

    let missing = realtime(
        &dir,
        &["serve", "--dev", "--addr", "127.0.0.1:0", "--lock", "nope.json"],
    );
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("no lock file at nope.json"),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn serve_starts_when_the_mode_allows_the_changes() {
    use realtime::core::compat::{Mode, Report};
    use realtime_cli::schema::compat::check_before_serving;
    let dir = scratch("serve-allowed");
    // The lock allowed at most 50: only subscribers built on it break, which backward allows.
    let old = edited_lock(&dir, |lock| {
        lock["channels"]["Demo"]["topics"]["status"]["schema"]["properties"]["percent"]["maximum"] =
            json!(50);
    });
    let registry = realtime_cli::channels();
    let mut report = Vec::new();
    // This test's channels are the example's `Chat`, not the lock's `Demo`: `Demo` is removed.
    let err = check_before_serving(&old, Mode::Backward, &registry, &mut report).unwrap_err();
    assert!(matches!(err, SchemaError::Incompatible(_)), "{err}");
    assert!(String::from_utf8(report)
        .unwrap()
        .contains("REFUSED Demo: breaks_both"));

    let mut only_chat = Lock::from_registry(&registry);
    only_chat
        .channels
        .get_mut("Chat")
        .unwrap()
        .topics
        .get_mut("posts")
        .unwrap()
        .schema["properties"]["text"]["maxLength"] = json!(10);
    let path = dir.join("chat.lock.json");
    std::fs::write(&path, only_chat.to_json()).unwrap();
    let outcome =
        check_before_serving(&path, Mode::Backward, &registry, &mut Vec::new()).expect("backward allows it");
    assert_ne!(outcome.report, Report::default());
    assert!(check_before_serving(&path, Mode::Full, &registry, &mut Vec::new()).is_err());
}
