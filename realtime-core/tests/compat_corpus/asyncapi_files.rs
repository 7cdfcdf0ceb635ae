//! Every pair of the corpus written as two AsyncAPI documents, for the cross-check with
//! `@asyncapi/diff` (`tests/js/asyncapi-diff.test.mjs`, run after the Rust tests).
//!
//! `target/compat-corpus/<case>/` (or `$REALTIME_COMPAT_CORPUS/<case>/`) holds
//! `old.asyncapi.json` and `new.asyncapi.json`, the AsyncAPI export
//! ([`lock_document`]) of a contract with one channel, `Corpus` (`corpus`), whose one topic,
//! `payload`, has the pair's old or new schema; and `expected.json`: the class the corpus
//! expects and the changes our comparison reports.

use std::collections::BTreeMap;
use std::path::PathBuf;

use realtime_core::compat::{compare, ChannelContract, Lock, TopicContract, LOCK_VERSION};
use realtime_core::export::asyncapi::{lock_document, AsyncApiOptions};
use serde_json::{json, Value};

use crate::{class_of, corpus};

/// The channel and topic every pair is written as.
const CHANNEL: &str = "Corpus";
const TOPIC: &str = "payload";

fn out_dir() -> PathBuf {
    std::env::var_os("REALTIME_COMPAT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/compat-corpus"))
}

/// A contract of one channel whose one topic has `schema` as its payload.
fn contract(schema: &Value) -> Lock {
    let topic = TopicContract {
        validated: true,
        schema: schema.clone(),
        deprecated: None,
    };
    let channel = ChannelContract {
        type_name: "compat_corpus::Corpus".to_owned(),
        pattern: "corpus".to_owned(),
        parameters: Vec::new(),
        topics: BTreeMap::from([(TOPIC.to_owned(), topic)]),
    };
    Lock {
        lock_version: LOCK_VERSION,
        channels: BTreeMap::from([(CHANNEL.to_owned(), channel)]),
    }
}

fn write(path: PathBuf, value: &Value) {
    let mut text = serde_json::to_string_pretty(value).expect("JSON");
    text.push('\n');
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

#[test]
fn every_pair_is_written_as_two_asyncapi_documents() {
    let dir = out_dir();
    let _ = std::fs::remove_dir_all(&dir);
    let options = AsyncApiOptions {
        title: "realtime-rs compatibility corpus".to_owned(),
        ..AsyncApiOptions::default()
    };
    let corpus = corpus();
    for case in &corpus {
        let case_dir = dir.join(case.name);
        std::fs::create_dir_all(&case_dir).expect("create the case's directory");
        let (old, new) = (contract(&case.old), contract(&case.new));
        let report = compare(&old, &new);
        let changes: Vec<Value> = report
            .changes
            .iter()
            .map(|c| json!({ "pointer": c.pointer, "rule": c.rule, "class": c.class, "message": c.message }))
            .collect();
        write(case_dir.join("old.asyncapi.json"), &lock_document(&old, &options));
        write(case_dir.join("new.asyncapi.json"), &lock_document(&new, &options));
        write(
            case_dir.join("expected.json"),
            &json!({
                "case": case.name,
                "expected": case.expected,
                "ours": class_of(&report.changes),
                "changes": changes,
            }),
        );
    }
    let written = std::fs::read_dir(&dir).expect("the corpus directory").count();
    assert_eq!(written, corpus.len(), "one directory per pair");
}
