//! The JSON Schema and AsyncAPI exports of the channels below: pinned with insta
//! snapshots (`tests/snapshots/`), and written with payload samples to
//! `target/realtime-export/` for `tests/js/schema.test.mjs`, which checks the AsyncAPI
//! document with the official `@asyncapi/parser` and the samples against the schemas
//! with `ajv` (2020-12).
//!
//! The valid samples are serialized from the Rust payload types; the invalid ones are
//! made by hand (out-of-range numbers, missing required fields, wrong types, unknown
//! enum variants).

use std::path::PathBuf;

use realtime::core::export::asyncapi::{self, AsyncApiOptions};
use realtime::core::export::json_schema;
use realtime::core::ChannelRegistry;
use realtime::{channel, RunUpdate, StreamEnd};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Which step a run is at.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Status {
    /// What is happening, for people.
    pub message: String,
    /// The step, once known.
    pub step: Option<Step>,
    /// Percent done.
    #[schemars(range(max = 100))]
    pub percent: u8,
}

/// A step of a run.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Step {
    pub name: String,
    pub index: u32,
}

/// Tokens streamed from a model.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Token {
    pub text: String,
    pub finish: Option<FinishReason>,
}

/// Why a model stopped.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FinishReason {
    Stop,
    Length,
}

/// An event of a job, as an internally tagged enum.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    Started { at: String },
    Failed { error: String, retries: u32 },
}

/// A reading: a sensor index and a value, as a tuple.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Reading(pub u16, pub f64);

/// The progress of one pipeline run.
#[channel(name = "pipeline:<run_id>")]
pub struct Pipeline {
    pub run_id: String,
    /// Progress of the run.
    #[topic]
    status: Status,
    #[topic(name = "llm_tokens")]
    tokens: Token,
}

/// The attempts of a job.
#[channel(name = "job:<job>/attempt:<attempt>")]
pub struct Job {
    pub job: String,
    pub attempt: u32,
    /// What happened.
    #[topic]
    events: Event,
    #[topic]
    tags: Vec<String>,
    /// One tag per message.
    #[topic(deprecated = "use `tags` instead")]
    tag: String,
    /// Sensor readings, not checked at run time.
    #[topic(validate = false)]
    readings: Reading,
}

/// Announcements to everyone.
#[channel(name = "announcements")]
pub struct Announcements {
    #[topic]
    notice: Token,
}

fn registry() -> ChannelRegistry {
    let mut registry = ChannelRegistry::new();
    registry
        .register::<Pipeline>()
        .register::<Job>()
        .register::<Announcements>();
    registry
}

fn options() -> AsyncApiOptions {
    AsyncApiOptions {
        title: "Export test channels".to_owned(),
        version: "0.1.0".to_owned(),
        description: Some("The channels of tests/export.rs.".to_owned()),
        ..AsyncApiOptions::default()
    }
}

fn to_json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("serialize a payload")
}

/// Valid payloads of each topic, serialized from the Rust types, and invalid ones.
fn samples() -> Value {
    let valid_status = [
        Status {
            message: "Starting".into(),
            step: None,
            percent: 0,
        },
        Status {
            message: "Embedding".into(),
            step: Some(Step {
                name: "embed".into(),
                index: 2,
            }),
            percent: 100,
        },
    ];
    let valid_tokens = [
        Token {
            text: "Hel".into(),
            finish: None,
        },
        Token {
            text: "lo".into(),
            finish: Some(FinishReason::Length),
        },
    ];
    let valid_events = [
        Event::Started {
            at: "2026-11-23T08:00:00Z".into(),
        },
        Event::Failed {
            error: "timeout".into(),
            retries: 3,
        },
    ];
    let valid_tags = [vec![], vec!["a".to_owned(), "b".to_owned()]];
    let valid_readings = [Reading(0, 1.5), Reading(u16::MAX, -2.0)];

    json!([
        {
            "channel": "Pipeline",
            "topic": "status",
            "name": "pipeline:run-1",
            "valid": valid_status.iter().map(to_json).collect::<Vec<_>>(),
            "invalid": [
                { "message": "too far", "step": null, "percent": 101 },
                { "message": "negative", "step": null, "percent": -1 },
                { "message": "fraction", "step": null, "percent": 1.5 },
                { "step": null, "percent": 5 },
                { "message": 42, "step": null, "percent": 5 },
                { "message": "bad step", "step": { "name": "x" }, "percent": 5 },
                { "message": "bad index", "step": { "name": "x", "index": -1 }, "percent": 5 },
                "Starting",
            ],
        },
        {
            "channel": "Pipeline",
            "topic": "llm_tokens",
            "name": "pipeline:run-1",
            "valid": valid_tokens.iter().map(to_json).collect::<Vec<_>>(),
            "invalid": [
                { "text": "x", "finish": "exploded" },
                { "finish": null },
                { "text": ["x"], "finish": null },
            ],
        },
        {
            "channel": "Job",
            "topic": "events",
            "name": "job:j1/attempt:2",
            "valid": valid_events.iter().map(to_json).collect::<Vec<_>>(),
            "invalid": [
                { "type": "paused" },
                { "type": "failed", "error": "x" },
                { "type": "failed", "error": "x", "retries": -3 },
                { "at": "2026-11-23T08:00:00Z" },
            ],
        },
        {
            "channel": "Job",
            "topic": "tags",
            "name": "job:j1/attempt:2",
            "valid": valid_tags.iter().map(to_json).collect::<Vec<_>>(),
            "invalid": [["a", 1], "a", { "tags": [] }],
        },
        {
            "channel": "Job",
            "topic": "tag",
            "name": "job:j1/attempt:2",
            "valid": ["a", ""],
            "invalid": [["a"], 1, null],
        },
        {
            "channel": "Job",
            "topic": "readings",
            "name": "job:j1/attempt:2",
            "valid": valid_readings.iter().map(to_json).collect::<Vec<_>>(),
            "invalid": [[70000, 1.0], [1], [1, "x"], [1, 1.0, 2]],
        },
        {
            "channel": "Announcements",
            "topic": "notice",
            "name": "announcements",
            "valid": [to_json(&Token { text: "Hello".into(), finish: Some(FinishReason::Stop) })],
            "invalid": [{ "text": null, "finish": null }],
        },
    ])
}

/// Whole messages (envelopes) against the channel documents and the bundle.
fn message_samples() -> Value {
    let status = to_json(&Status {
        message: "Starting".into(),
        step: None,
        percent: 10,
    });
    json!({
        "valid": [
            { "channel": "pipeline:run-1", "topic": "status", "data": status.clone() },
            {
                "id": "1700000000000-0", "channel": "pipeline:run-1", "topic": "status",
                "data": status.clone(), "kind": "data", "created_at": "2026-11-23T08:00:00Z",
            },
            { "channel": "job:j1/attempt:2", "topic": "tags", "data": ["x"] },
            { "channel": "job:j1/attempt:2", "topic": "tag", "data": "x" },
            { "channel": "announcements", "topic": "notice", "data": { "text": "hi", "finish": null } },
            // A run update, and a data stream's start, chunk and end, as the gateway sends them.
            { "channel": "pipeline:run-1", "topic": "run", "kind": "run", "data": to_json(&RunUpdate::completed(json!({"words": 3}))) },
            { "channel": "pipeline:run-1", "topic": "run", "kind": "run", "data": to_json(&RunUpdate::failed("boom")) },
            { "channel": "pipeline:run-1", "topic": "llm_tokens", "kind": "datastream-start", "stream_id": "s1", "data": "s1" },
            { "channel": "pipeline:run-1", "topic": "llm_tokens", "kind": "chunk", "stream_id": "s1", "data": { "text": "Hel", "finish": null } },
            { "channel": "pipeline:run-1", "topic": "llm_tokens", "kind": "datastream-end", "stream_id": "s1", "data": "s1", "stream_end": to_json(&StreamEnd::finished(1)) },
            { "channel": "pipeline:run-1", "topic": "llm_tokens", "kind": "datastream-end", "stream_id": "s1", "data": "s1", "stream_end": to_json(&StreamEnd::aborted(0, "gone")) },
        ],
        "invalid": [
            { "channel": "pipeline:run-1", "topic": "status", "data": { "message": "x", "step": null, "percent": 200 } },
            { "channel": "pipeline:run-1", "topic": "nope", "data": status.clone() },
            { "channel": "pipeline:", "topic": "status", "data": status.clone() },
            { "channel": "job:j1/attempt:x", "topic": "tags", "data": ["x"] },
            { "channel": "pipeline:run-1", "topic": "status" },
            { "channel": "pipeline:run-1", "topic": "llm_tokens", "data": status.clone() },
            { "channel": "pipeline:run-1", "topic": "run", "kind": "run", "data": { "status": "paused" } },
            { "channel": "pipeline:run-1", "topic": "status", "kind": "run", "data": { "status": "started" } },
            { "channel": "pipeline:run-1", "topic": "run", "data": { "status": "started" } },
            { "channel": "pipeline:run-1", "topic": "llm_tokens", "kind": "datastream-start", "data": "s1" },
            { "channel": "pipeline:run-1", "topic": "llm_tokens", "kind": "chunk", "stream_id": "s1", "data": status },
            { "channel": "pipeline:run-1", "topic": "llm_tokens", "kind": "datastream-end", "stream_id": "s1", "data": "s1", "stream_end": { "status": "done", "chunks": 1 } },
            // The wire before the stream id was the end's data: refused now.
            { "channel": "pipeline:run-1", "topic": "llm_tokens", "kind": "datastream-end", "stream_id": "s1", "data": to_json(&StreamEnd::finished(1)) },
            // An end without how it ended.
            { "channel": "pipeline:run-1", "topic": "llm_tokens", "kind": "datastream-end", "stream_id": "s1", "data": "s1" },
        ],
    })
}

fn export_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/realtime-export");
    std::fs::create_dir_all(&dir).expect("create target/realtime-export");
    dir
}

fn write_json(name: &str, value: &Value) {
    let text = serde_json::to_string_pretty(value).expect("serialize");
    std::fs::write(export_dir().join(name), text + "\n").unwrap_or_else(|e| panic!("write {name}: {e}"));
}

#[test]
fn bundle_snapshot() {
    insta::assert_json_snapshot!("bundle", json_schema::bundle(&registry()));
}

#[test]
fn channel_document_snapshot() {
    let registry = registry();
    let pipeline = registry
        .iter()
        .find(|d| d.pattern == "pipeline:<run_id>")
        .unwrap();
    insta::assert_json_snapshot!("pipeline_document", json_schema::channel_document(pipeline));
}

#[test]
fn asyncapi_snapshot() {
    insta::assert_json_snapshot!("asyncapi", asyncapi::document(&registry(), &options()));
}

/// `value` without the doc comments the export copies into `summary` and `description`
/// (of channels and messages; the payload schemas keep theirs).
fn without_doc_comments(mut value: Value) -> Value {
    for group in ["/channels", "/components/messages"] {
        if let Some(entries) = value.pointer_mut(group).and_then(Value::as_object_mut) {
            for entry in entries.values_mut().filter_map(Value::as_object_mut) {
                if entry.get("name").and_then(Value::as_str) == Some("run") {
                    continue; // the run message's summary is the export's own
                }
                entry.remove("summary");
                entry.remove("description");
            }
        }
    }
    value
}

#[test]
fn the_asyncapi_document_of_a_lock_is_the_export_without_doc_comments() {
    use realtime::core::compat::Lock;
    let registry = registry();
    let lock = Lock::parse(&Lock::from_registry(&registry).to_json()).expect("a lock");
    let from_lock = asyncapi::lock_document(&lock, &options());
    let exported = asyncapi::document(&registry, &options());
    assert_ne!(
        exported,
        without_doc_comments(exported.clone()),
        "the channels have doc comments"
    );
    assert_eq!(from_lock, without_doc_comments(exported));
}

#[test]
fn documents_have_patterns_parameters_topics_and_descriptions() {
    let registry = registry();
    let job = registry.iter().find(|d| d.pattern.starts_with("job:")).unwrap();
    let doc = json_schema::channel_document(job);
    assert_eq!(doc["$schema"], json_schema::DRAFT_2020_12);
    assert_eq!(doc["title"], "Job");
    assert_eq!(doc["description"], "The attempts of a job.");
    assert_eq!(doc["x-realtime"]["pattern"], "job:<job>/attempt:<attempt>");
    assert_eq!(
        doc["x-realtime"]["parameters"],
        json!([
            { "name": "job", "type": "string", "rustType": "String" },
            { "name": "attempt", "type": "integer", "rustType": "u32" },
        ])
    );
    assert_eq!(doc["$defs"]["events"]["description"], "What happened.");
    assert_eq!(
        doc["$defs"]["readings"]["description"],
        "Sensor readings, not checked at run time."
    );
    assert_eq!(doc["x-realtime"]["topics"][1]["validated"], false);

    let api = asyncapi::document(&registry, &options());
    assert_eq!(api["channels"]["Job"]["address"], "job:{job}/attempt:{attempt}");
    assert!(api["channels"]["Job"]["parameters"]["attempt"].is_object());
    assert_eq!(api["operations"]["Job.subscribe"]["action"], "receive");
    assert_eq!(api["operations"]["Job.publish"]["action"], "send");
    assert_eq!(api["components"]["securitySchemes"]["token"]["in"], "query");

    assert_eq!(
        json_schema::bundle(&registry),
        json_schema::bundle(&registry),
        "deterministic"
    );
}

/// A deprecated topic is marked in each document, with its note.
#[test]
fn a_deprecated_topic_is_marked_with_its_note_in_every_document() {
    let registry = registry();
    let job = registry.iter().find(|d| d.pattern.starts_with("job:")).unwrap();
    let doc = json_schema::channel_document(job);
    let tag = &doc["$defs"]["tag"];
    assert_eq!(tag["deprecated"], true);
    assert_eq!(
        tag["description"],
        "One tag per message.\n\nDeprecated: use `tags` instead"
    );
    assert!(doc["$defs"]["tags"].get("deprecated").is_none());
    let topics = doc["x-realtime"]["topics"].as_array().unwrap();
    let meta = topics.iter().find(|t| t["name"] == "tag").unwrap();
    assert_eq!(meta["deprecated"], "use `tags` instead");
    assert!(topics
        .iter()
        .filter(|t| t["name"] != "tag")
        .all(|t| t.get("deprecated").is_none()));
    let bundle = json_schema::bundle(&registry);
    assert_eq!(bundle["$defs"]["Job.tag"]["deprecated"], true);

    let api = asyncapi::document(&registry, &options());
    let message = &api["components"]["messages"]["Job.tag"];
    assert_eq!(message["deprecated"], true);
    assert_eq!(message["x-realtime-deprecated"], "use `tags` instead");
    assert!(api["components"]["messages"]["Job.tags"]
        .get("deprecated")
        .is_none());
    assert_eq!(api["components"]["schemas"]["Job.tag"]["deprecated"], true);

    // Read back as a contract, the export says what the lock says.
    let from_export = realtime::core::compat::Lock::from_export(&bundle).unwrap();
    let from_registry = realtime::core::compat::Lock::from_registry(&registry);
    assert_eq!(
        from_export.channels["Job"].topics["tag"].deprecated.as_deref(),
        Some("use `tags` instead")
    );
    assert_eq!(
        from_export.channels["Job"].topics["tag"],
        from_registry.channels["Job"].topics["tag"]
    );
}

/// No `$ref` of an exported document points outside it or at nothing.
#[test]
fn every_ref_resolves_inside_its_document() {
    fn check(root: &Value, node: &Value) {
        match node {
            Value::Object(map) => {
                for (key, value) in map {
                    if key == "$ref" {
                        let target = value.as_str().unwrap().strip_prefix('#').expect("a local $ref");
                        assert!(root.pointer(target).is_some(), "dangling $ref {target}");
                    } else {
                        check(root, value);
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| check(root, v)),
            _ => {}
        }
    }
    let registry = registry();
    let bundle = json_schema::bundle(&registry);
    check(&bundle, &bundle);
    for channel in registry.iter() {
        let doc = json_schema::channel_document(channel);
        check(&doc, &doc);
    }
    let api = asyncapi::document(&registry, &options());
    check(&api, &api);
}

/// Writes the documents and samples for `tests/js/schema.test.mjs`.
#[test]
fn fixtures_are_written_for_the_js_checks() {
    let registry = registry();
    write_json("channels.schema.json", &json_schema::bundle(&registry));
    let mut documents = Vec::new();
    for channel in registry.iter() {
        let doc = json_schema::channel_document(channel);
        let file = format!("{}.schema.json", doc["title"].as_str().unwrap());
        write_json(&file, &doc);
        documents.push(json!(file));
    }
    write_json("asyncapi.json", &asyncapi::document(&registry, &options()));
    write_json(
        "schema-samples.json",
        &json!({
            "documents": documents,
            "payloads": samples(),
            "messages": message_samples(),
        }),
    );
}
