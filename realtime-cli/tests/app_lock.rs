//! The example application (`examples/app_cli.rs`) commits its lock,
//! `examples/app_cli.lock.json`, and this test is its CI check: `schema check` against the
//! committed lock, in the default mode, over the example's channels (compiled into this
//! test, as the example's own binary sees them). A change to `Chat` or its payloads fails
//! here until the lock is written again:
//!
//! ```sh
//! cargo run -p typed-realtime-cli --example app_cli -- schema lock --out realtime-cli/examples/app_cli.lock.json
//! ```

#[allow(dead_code)]
#[path = "../examples/app_cli.rs"]
mod app_cli;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use realtime::core::compat::Lock;
use realtime_cli::schema::{self, SchemaError};
use realtime_cli::{Cli, Command};
use serde_json::{json, Value};

const LOCK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/app_cli.lock.json");

/// Runs `app_cli schema check ARGS...` over the example's channels: the report printed,
/// and the outcome.
fn schema_check(args: &[&str]) -> (String, Result<(), SchemaError>) {
    let argv = ["app_cli", "schema", "check"].iter().chain(args);
    let Command::Schema(schema_args) = Cli::try_parse_from(argv).expect("a valid command line").command
    else {
        panic!("a schema command")
    };
    let mut printed = Vec::new();
    let outcome = schema::run(&schema_args, &realtime_cli::channels(), &mut printed);
    (String::from_utf8(printed).expect("UTF-8"), outcome)
}

/// A copy of the committed lock, changed by `edit`, in a scratch directory.
fn edited_copy(name: &str, edit: impl FnOnce(&mut Value)) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("app-lock-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut lock: Value = serde_json::from_str(&std::fs::read_to_string(LOCK).unwrap()).unwrap();
    edit(&mut lock);
    let path = dir.join("app_cli.lock.json");
    std::fs::write(&path, serde_json::to_string_pretty(&lock).unwrap()).unwrap();
    path
}

#[test]
fn the_example_keeps_its_committed_lock() {
    assert_eq!(
        realtime_cli::channels().len(),
        1,
        "the example's `Chat`, as its binary sees it"
    );
    let (report, outcome) = schema_check(&["--lock", LOCK]);
    assert!(
        outcome.is_ok(),
        "the example's channels break its committed lock:\n{report}"
    );
    assert!(
        report.ends_with(": 0 change(s), 0 refused\n"),
        "the committed lock is stale (a change the default mode allows, still not in the lock): \
         write it again with `cargo run -p typed-realtime-cli --example app_cli -- schema lock --out \
         realtime-cli/examples/app_cli.lock.json`\n{report}"
    );
    let committed = Lock::parse(&std::fs::read_to_string(LOCK).unwrap()).expect("a lock");
    assert_eq!(
        committed.channels["Chat"].type_name, "app_cli::Chat",
        "written by the example's binary"
    );
}

#[test]
fn a_field_removed_from_a_payload_fails_the_check_naming_where() {
    // The lock says posts had a required `sent_at`; the example's `ChatPost` has none: a
    // field removed, which breaks subscribers that read it.
    let copy = edited_copy("field-removed", |lock| {
        let posts = &mut lock["channels"]["Chat"]["topics"]["posts"]["schema"];
        posts["properties"]["sent_at"] = json!({ "type": "string", "format": "date-time" });
        posts["required"] = json!(["author", "text", "sent_at"]);
    });
    let copy = copy.to_str().unwrap();
    let (report, outcome) = schema_check(&["--lock", copy]);
    assert!(
        report.starts_with(&format!(
            "{copy} -> this binary's channels, mode full: 1 change(s), 1 refused\n"
        )),
        "{report}"
    );
    assert!(
        report.contains("REFUSED Chat, topic posts, at /properties/sent_at: breaks_subscribers: "),
        "{report}"
    );
    let Err(SchemaError::Incompatible(refused)) = outcome else {
        panic!("the check fails: {outcome:?}")
    };
    assert_eq!(refused.count, 1);

    let code = realtime_cli::run_with(["app_cli", "schema", "check", "--lock", copy]);
    assert_eq!(code, ExitCode::FAILURE, "a non-zero exit code");
    let passes = realtime_cli::run_with(["app_cli", "schema", "check", "--lock", LOCK]);
    assert_eq!(passes, ExitCode::SUCCESS);
}

#[test]
fn a_breaking_edit_is_named_in_the_json_report_too() {
    // The lock allowed only short posts: the example's unbounded `text` breaks subscribers
    // built on it.
    let copy = edited_copy("json", |lock| {
        lock["channels"]["Chat"]["topics"]["posts"]["schema"]["properties"]["text"]["maxLength"] = json!(280);
    });
    let (report, outcome) = schema_check(&["--lock", copy.to_str().unwrap(), "--json"]);
    assert!(outcome.is_err());
    let report: Value = serde_json::from_str(&report).expect("JSON");
    assert_eq!(report["passed"], false);
    let change = &report["changes"][0];
    assert_eq!(
        (&change["channel"], &change["topic"], &change["pointer"]),
        (
            &json!("Chat"),
            &json!("posts"),
            &json!("/properties/text/maxLength")
        )
    );
    assert_eq!(change["class"], "breaks_subscribers");
}
