//! Deprecated topics through `realtime schema lock` and `realtime schema check`: run as the
//! `realtime` binary (whose one channel is the demo's, with no deprecated topic: the lock
//! is edited to play the older contract) and in process over the `Build` channel below,
//! whose `line` topic is deprecated.

#[path = "common/cli_run.rs"]
mod cli_run;

use cli_run::{realtime, stdout};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use realtime::channel;
use realtime::core::compat::Mode;
use realtime_cli::schema::compat::check_before_serving;
use realtime_cli::schema::{self, SchemaError};
use realtime_cli::Cli;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// One line of output.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Line {
    /// The text.
    pub text: String,
}

/// The output of one build.
#[channel(name = "build:<id>")]
pub struct Build {
    /// The build.
    pub id: String,
    /// Lines of output, in batches.
    #[topic]
    lines: Vec<Line>,
    /// One line per message.
    #[topic(deprecated = "use `lines` instead")]
    line: Line,
}

/// A fresh, empty scratch directory for `name`.
fn scratch(name: &str) -> PathBuf {
    cli_run::scratch("schema-deprecation", name)
}

/// Writes the demo's lock in `dir` and changes it with `edit`: the edited lock is the
/// older contract, the binary's channels the newer one.
fn edited_demo_lock(dir: &Path, edit: impl FnOnce(&mut Value)) -> String {
    let output = realtime(dir, &["schema", "lock", "--out", "channels.lock.json"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut lock: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("channels.lock.json")).unwrap()).unwrap();
    edit(&mut lock);
    std::fs::write(
        dir.join("old.lock.json"),
        serde_json::to_string_pretty(&lock).unwrap(),
    )
    .unwrap();
    "old.lock.json".to_owned()
}

/// The old lock had a topic `lines_v0`, with the demo's `log` payload, which the binary
/// no longer has; `deprecated` says whether and how the lock marked it.
fn lock_with_removed_topic(dir: &Path, deprecated: Option<&str>) -> String {
    edited_demo_lock(dir, |lock| {
        let topics = &mut lock["channels"]["Demo"]["topics"];
        let mut old = topics["log"].clone();
        if let Some(note) = deprecated {
            old["deprecated"] = json!(note);
        }
        topics["lines_v0"] = old;
    })
}

#[test]
fn removing_a_topic_the_lock_marks_deprecated_passes_every_mode() {
    let dir = scratch("removed");
    let old = lock_with_removed_topic(&dir, Some("use `log` instead"));
    for mode in ["full", "backward", "forward"] {
        let output = realtime(&dir, &["schema", "check", "--lock", &old, "--mode", mode]);
        assert_eq!(output.status.code(), Some(0), "mode {mode}: {}", stdout(&output));
        let report = stdout(&output);
        assert!(
            report.contains(&format!("mode {mode}: 1 change(s), 0 refused")),
            "{report}"
        );
        assert!(
            report.contains(
                "ok      Demo, topic lines_v0: breaks_publishers: the topic `lines_v0` was removed; the gateway \
                 refuses old publishers' messages on it; it was deprecated (use `log` instead), so the removal \
                 was announced and no mode refuses it"
            ),
            "{report}"
        );
    }

    let json_output = realtime(&dir, &["schema", "check", "--lock", &old, "--json"]);
    assert_eq!(json_output.status.code(), Some(0));
    let report: Value = serde_json::from_str(&stdout(&json_output)).expect("stdout is JSON");
    assert_eq!(report["passed"], true);
    assert_eq!(report["refused"], 0);
    assert_eq!(report["class"], "breaks_publishers", "the class is kept");
    let change = &report["changes"][0];
    assert_eq!(change["rule"], "topic_removed");
    assert_eq!(change["announced"], true);
    assert_eq!(change["refused"], false);
}

#[test]
fn removing_a_topic_that_was_not_deprecated_is_refused() {
    let dir = scratch("refused");
    let old = lock_with_removed_topic(&dir, None);
    let output = realtime(&dir, &["schema", "check", "--lock", &old]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let report = stdout(&output);
    assert!(
        report.contains(
            "REFUSED Demo, topic lines_v0: breaks_publishers: the topic `lines_v0` was removed; the gateway \
             refuses old publishers' messages on it\n"
        ),
        "{report}"
    );
    let forward = realtime(&dir, &["schema", "check", "--lock", &old, "--mode", "forward"]);
    assert_eq!(forward.status.code(), Some(0), "a removal breaks publishers only");
}

#[test]
fn withdrawing_a_deprecation_is_a_safe_change() {
    let dir = scratch("withdrawn");
    let old = edited_demo_lock(&dir, |lock| {
        lock["channels"]["Demo"]["topics"]["log"]["deprecated"] = json!("use `status` instead");
    });
    let output = realtime(&dir, &["schema", "check", "--lock", &old]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(
        stdout(&output).contains("ok      Demo, topic log: safe: no longer deprecated"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn a_topic_deprecated_since_the_lock_is_reported_and_safe() {
    let dir = scratch("deprecated");
    let lock = dir.join("channels.lock.json");
    let path = lock.to_str().unwrap();
    let cli = Cli::try_parse_from(["my-app", "schema", "lock", "--out", path]).unwrap();
    let realtime_cli::Command::Schema(args) = cli.command else {
        panic!("a schema command")
    };
    let registry = realtime_cli::channels();
    schema::run(&args, &registry, &mut Vec::new()).expect("lock");
    let text = std::fs::read_to_string(&lock).unwrap();
    let written: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        written["channels"]["Build"]["topics"]["line"]["deprecated"],
        "use `lines` instead"
    );
    assert!(
        written["channels"]["Build"]["topics"]["lines"]
            .get("deprecated")
            .is_none(),
        "absent when not deprecated"
    );

    // The lock of a build before `line` was deprecated.
    let mut older = written.clone();
    older["channels"]["Build"]["topics"]["line"]
        .as_object_mut()
        .unwrap()
        .remove("deprecated");
    std::fs::write(&lock, serde_json::to_string_pretty(&older).unwrap()).unwrap();
    let cli = Cli::try_parse_from(["my-app", "schema", "check", "--lock", path]).unwrap();
    let realtime_cli::Command::Schema(args) = cli.command else {
        panic!("a schema command")
    };
    let mut out = Vec::new();
    schema::run(&args, &registry, &mut out).expect("a deprecation passes the check");
    let report = String::from_utf8(out).unwrap();
    assert!(report.contains("mode full: 1 change(s), 0 refused"), "{report}");
    assert!(
        report.contains("ok      Build, topic line: safe: deprecated: use `lines` instead"),
        "{report}"
    );
    let code = realtime_cli::run_with(["my-app", "schema", "check", "--lock", path]);
    assert_eq!(code, ExitCode::SUCCESS);

    // A topic `gone` that the lock does not mark deprecated, removed: refused.
    let mut gone = older["channels"]["Build"]["topics"]["line"].clone();
    older["channels"]["Build"]["topics"]["gone"] = gone.clone();
    std::fs::write(&lock, serde_json::to_string_pretty(&older).unwrap()).unwrap();
    let err = schema::run(&args, &registry, &mut Vec::new()).unwrap_err();
    assert!(matches!(err, SchemaError::Incompatible(_)), "{err}");
    let code = realtime_cli::run_with(["my-app", "schema", "check", "--lock", path]);
    assert_eq!(code, ExitCode::from(1));
    let err = check_before_serving(&lock, Mode::Full, &registry, &mut Vec::new()).unwrap_err();
    assert!(
        matches!(err, SchemaError::Incompatible(_)),
        "serve refuses it too: {err}"
    );

    // Marked deprecated in the lock, its removal was announced: check and serve accept it.
    gone["deprecated"] = json!("");
    older["channels"]["Build"]["topics"]["gone"] = gone;
    std::fs::write(&lock, serde_json::to_string_pretty(&older).unwrap()).unwrap();
    let code = realtime_cli::run_with(["my-app", "schema", "check", "--lock", path]);
    assert_eq!(code, ExitCode::SUCCESS);
    let outcome = check_before_serving(&lock, Mode::Full, &registry, &mut Vec::new()).expect("serve starts");
    assert!(outcome.text().contains(
        "ok      Build, topic gone: breaks_publishers: the topic `gone` was removed; the gateway refuses old \
         publishers' messages on it; it was deprecated, so the removal was announced and no mode refuses it"
    ), "{}", outcome.text());
}
