//! JSON Schema (2020-12) export: one document per channel ([`channel_document`]) and one
//! bundle of every channel of a registry ([`bundle`]).
//!
//! # The channel document
//!
//! A channel document is a schema of the channel's messages, in the envelope's wire
//! shape (`{"channel", "topic", "data", ...}`, see [`Envelope`](crate::Envelope)), with
//! each topic's payload schema under `$defs`:
//!
//! ```json
//! {
//!   "$schema": "https://json-schema.org/draft/2020-12/schema",
//!   "title": "Pipeline",
//!   "description": "The channel's doc comment",
//!   "x-realtime": {
//!     "type": "my_app::Pipeline",
//!     "pattern": "pipeline:<run_id>",
//!     "parameters": [{ "name": "run_id", "type": "string", "rustType": "String" }],
//!     "topics": [{ "name": "status", "description": "...", "validated": true,
//!                  "payload": "#/$defs/status" },
//!                { "name": "line", "validated": true, "payload": "#/$defs/line",
//!                  "deprecated": "use `lines` instead" }]
//!   },
//!   "type": "object",
//!   "properties": { "channel": { "type": "string", "pattern": "^pipeline:..." },
//!                   "topic": { "enum": ["status"] }, "data": true, ... },
//!   "required": ["channel", "topic", "data"],
//!   "oneOf": [{ "properties": { "topic": { "const": "status" },
//!                               "data": { "$ref": "#/$defs/status" },
//!                               "kind": { "enum": ["data", "chunk"] } } },
//!             { ...a run update (kind `run`, topic `run`)... },
//!             { ...a data stream's start, and its end (kinds `datastream-*`)... }],
//!   "$defs": { "status": { ...payload schema... }, "status.Step": { ... },
//!              "realtime.RunUpdate": { ... }, "realtime.StreamEnd": { ... } }
//! }
//! ```
//!
//! - `x-realtime` holds what is not a schema: the Rust type, the name pattern, the
//!   parameters in order with their JSON types, and the topics with a JSON Pointer to
//!   each payload schema.
//! - `$defs.<topic>` is the topic's payload schema, with the topic's doc comment (or the
//!   payload type's) as its `description`. A deprecated topic's payload schema is
//!   `"deprecated": true` (the 2020-12 annotation), with the note as the last paragraph of
//!   its `description` (`Deprecated: use lines instead`), and its `x-realtime` entry has
//!   the note as `deprecated` (`""` when declared without one). The definitions a payload schema had of its
//!   own are hoisted to `$defs.<topic>.<Name>` and its `$ref`s rewritten, so every
//!   reference resolves inside the document.
//!
//! # The bundle
//!
//! The bundle holds every channel document under `$defs.<Channel>` (their own `$defs`
//! hoisted again, to `$defs.<Channel>.<topic>` and so on) and validates a message of any
//! of them (`anyOf`). `x-realtime.channels` lists the channels with a pointer to each.
//!
//! Channels are keyed by their Rust type's name without its module path, or by the full
//! path (`::` written `.`) when two types share a name. Everything is sorted, so the
//! output is deterministic.

use serde_json::{json, Map, Value};

use super::deprecation::mark_deprecated;
use crate::schema::schema_for;
use crate::{
    ChannelDescriptor, ChannelPattern, ChannelRegistry, PatternSegment, RunUpdate, StreamEnd, RUN_TOPIC,
};

/// The `$defs` names of the run lifecycle update and of a data stream's end.
const RUN_UPDATE_DEF: &str = "realtime.RunUpdate";
const STREAM_END_DEF: &str = "realtime.StreamEnd";

/// The definitions of the messages every channel has besides its topics' data: a run
/// lifecycle update, and a data stream's end (with theirs, hoisted).
fn lifecycle_and_stream_defs() -> Vec<(String, Value)> {
    let mut defs = Vec::new();
    for (name, mut schema) in [
        (RUN_UPDATE_DEF, schema_for::<RunUpdate>()),
        (STREAM_END_DEF, schema_for::<StreamEnd>()),
    ] {
        if let Some(object) = schema.as_object_mut() {
            object.remove("$schema");
            // The doc comment's first paragraph: the rest is Rust examples.
            if let Some(Value::String(text)) = object.get_mut("description") {
                let first = text.split("\n\n").next().unwrap_or_default().replace('\n', " ");
                *text = first;
            }
        }
        defs.extend(hoist_defs(&mut schema, "#/$defs/", &format!("{name}.")));
        defs.push((name.to_owned(), schema));
    }
    defs
}

/// The `oneOf` branches of those messages: a run update on the `run` topic, and a data
/// stream's start and end on one of `topics`, both with the stream id as data, the end
/// with how the stream ended in `stream_end`. A stream's chunks are topic data of kind
/// `chunk`.
fn lifecycle_and_stream_messages(topics: &[&str]) -> [Value; 3] {
    let stream = |kind: &str, end: bool| {
        let mut branch = json!({
            "properties": {
                "kind": { "const": kind },
                "topic": { "enum": topics },
                "data": { "type": "string" },
                "stream_id": { "type": "string" },
            },
            "required": ["kind", "stream_id"],
        });
        if end {
            branch["properties"]["stream_end"] = json!({ "$ref": format!("#/$defs/{STREAM_END_DEF}") });
            branch["required"] = json!(["kind", "stream_id", "stream_end"]);
        }
        branch
    };
    [
        json!({
            "properties": {
                "kind": { "const": "run" },
                "topic": { "const": RUN_TOPIC },
                "data": { "$ref": format!("#/$defs/{RUN_UPDATE_DEF}") },
            },
            "required": ["kind"],
        }),
        stream("datastream-start", false),
        stream("datastream-end", true),
    ]
}

/// The `$schema` of every exported document.
pub const DRAFT_2020_12: &str = "https://json-schema.org/draft/2020-12/schema";

/// The JSON Schema type of a channel parameter of Rust type `rust_type` (as written):
/// `integer` for the integer types, `number` for floats, `boolean` for `bool`, otherwise
/// `string`.
///
/// ```
/// use realtime_core::export::json_schema::param_json_type;
/// assert_eq!(param_json_type("u64"), "integer");
/// assert_eq!(param_json_type("String"), "string");
/// ```
pub fn param_json_type(rust_type: &str) -> &'static str {
    match rust_type.rsplit("::").next().unwrap_or(rust_type).trim() {
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" | "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => {
            "integer"
        }
        "f32" | "f64" => "number",
        "bool" => "boolean",
        _ => "string",
    }
}

fn is_unsigned(rust_type: &str) -> bool {
    rust_type
        .rsplit("::")
        .next()
        .unwrap_or(rust_type)
        .trim()
        .starts_with('u')
}

/// Escapes `text` for a regular expression.
fn regex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '.' | '+' | '*' | '?' | '(' | ')' | '|' | '[' | ']' | '{' | '}' | '^' | '$' | '/' | '-'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A regular expression (ECMA 262) that concrete names of `pattern` match: the literal
/// text, and for each parameter digits (integers) or name characters (anything else).
///
/// ```
/// use realtime_core::export::json_schema::name_regex;
/// assert_eq!(name_regex("counter:<id>", &["id"], &["u64"]), "^counter:[0-9]+$");
/// ```
pub fn name_regex(pattern: &str, params: &[&str], param_types: &[&str]) -> String {
    let Some(parsed) = ChannelPattern::parse(pattern) else {
        return format!("^{}$", regex_escape(pattern));
    };
    let mut out = String::from("^");
    for segment in parsed.segments() {
        match segment {
            PatternSegment::Literal(lit) => out.push_str(&regex_escape(lit)),
            PatternSegment::Param(name) => {
                let rust_type = params
                    .iter()
                    .position(|p| p == name)
                    .and_then(|i| param_types.get(i))
                    .copied()
                    .unwrap_or("String");
                match param_json_type(rust_type) {
                    "integer" if is_unsigned(rust_type) => out.push_str("[0-9]+"),
                    "integer" => out.push_str("-?[0-9]+"),
                    _ => out.push_str(r"[A-Za-z0-9_.:/@=\-]+"),
                }
            }
        }
    }
    out.push('$');
    out
}

/// The key of each channel of `registry`, in registry order: the type's name without its
/// module path, or the full path (`::` as `.`) where two types share a name.
pub(crate) fn channel_keys(registry: &ChannelRegistry) -> Vec<String> {
    let short = |d: &ChannelDescriptor| short_name(d.type_name).to_owned();
    let all: Vec<String> = registry.iter().map(short).collect();
    registry
        .iter()
        .zip(&all)
        .map(|(d, s)| {
            if all.iter().filter(|o| *o == s).count() > 1 {
                d.type_name.replace("::", ".")
            } else {
                s.clone()
            }
        })
        .collect()
}

/// A Rust type name without its module path (and generic arguments kept as written).
pub(crate) fn short_name(type_name: &str) -> &str {
    let base = type_name.split('<').next().unwrap_or(type_name);
    let start = base.rfind("::").map_or(0, |i| i + 2);
    &type_name[start..]
}

/// Rewrites every `$ref` of `schema` that starts with `from` to start with `to` instead.
fn rewrite_refs(schema: &mut Value, from: &str, to: &str) {
    match schema {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                match value {
                    Value::String(s) if key == "$ref" => {
                        if let Some(rest) = s.strip_prefix(from) {
                            *s = format!("{to}{rest}");
                        }
                    }
                    other => rewrite_refs(other, from, to),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite_refs(v, from, to)),
        _ => {}
    }
}

/// Takes `schema`'s own `$defs` out, rewriting refs `#/$defs/X` to `{target}{prefix}X`,
/// and returns the definitions with their new names (`{prefix}X`).
pub(crate) fn hoist_defs(schema: &mut Value, target: &str, prefix: &str) -> Vec<(String, Value)> {
    let defs = schema
        .as_object_mut()
        .and_then(|o| o.remove("$defs"))
        .and_then(|d| match d {
            Value::Object(m) => Some(m),
            _ => None,
        })
        .unwrap_or_default();
    let to = format!("{target}{prefix}");
    rewrite_refs(schema, "#/$defs/", &to);
    defs.into_iter()
        .map(|(name, mut def)| {
            rewrite_refs(&mut def, "#/$defs/", &to);
            (format!("{prefix}{name}"), def)
        })
        .collect()
}

/// The JSON Schema (2020-12) document of one channel: a schema of its messages in the
/// envelope's shape, with the name pattern, the parameters and each topic's payload
/// schema (see the [module documentation](self) for the layout).
///
/// ```
/// use realtime_core::export::json_schema::channel_document;
/// use realtime_core::ChannelRegistry;
/// for channel in ChannelRegistry::discovered().iter() {
///     let doc = channel_document(channel);
///     assert_eq!(doc["$schema"], "https://json-schema.org/draft/2020-12/schema");
///     assert_eq!(doc["x-realtime"]["pattern"], channel.pattern);
///     for topic in channel.topics() {
///         assert!(doc["$defs"][topic.name()].is_object());
///     }
/// }
/// ```
pub fn channel_document(channel: &ChannelDescriptor) -> Value {
    document(channel, short_name(channel.type_name))
}

fn document(channel: &ChannelDescriptor, title: &str) -> Value {
    let mut topics: Vec<_> = channel.topics().iter().collect();
    topics.sort_by_key(|t| t.name());

    let mut defs = Map::new();
    let mut one_of = Vec::new();
    let mut topic_meta = Vec::new();
    for topic in &topics {
        let name = topic.name();
        let mut schema = topic.schema().clone();
        if let Some(object) = schema.as_object_mut() {
            object.remove("$schema");
        }
        if let Some(note) = topic.deprecated() {
            mark_deprecated(&mut schema, note);
        }
        for (def_name, def) in hoist_defs(&mut schema, "#/$defs/", &format!("{name}.")) {
            defs.insert(def_name, def);
        }
        defs.insert(name.to_owned(), schema);
        let pointer = format!("#/$defs/{name}");
        one_of.push(json!({
            "properties": {
                "topic": { "const": name },
                "data": { "$ref": pointer },
                "kind": { "enum": ["data", "chunk"] },
            }
        }));
        let mut meta = json!({ "name": name, "validated": topic.validates(), "payload": pointer });
        if let Some(text) = topic.description() {
            meta["description"] = json!(text);
        }
        if let Some(note) = topic.deprecated() {
            meta["deprecated"] = json!(note);
        }
        topic_meta.push(meta);
    }

    let topic_names: Vec<&str> = topics.iter().map(|t| t.name()).collect();
    for (def_name, def) in lifecycle_and_stream_defs() {
        defs.insert(def_name, def);
    }
    one_of.extend(lifecycle_and_stream_messages(&topic_names));

    let parameters: Vec<Value> = channel
        .params
        .iter()
        .zip(channel.param_types.iter().chain(std::iter::repeat(&"String")))
        .map(|(name, rust_type)| {
            json!({ "name": name, "type": param_json_type(rust_type), "rustType": rust_type })
        })
        .collect();

    let mut doc = json!({
        "$schema": DRAFT_2020_12,
        "title": title,
        "x-realtime": {
            "type": channel.type_name,
            "pattern": channel.pattern,
            "parameters": parameters,
            "topics": topic_meta,
        },
        "type": "object",
        "properties": {
            "id": { "type": "string", "description": "The id, ordered within the channel; assigned by the transport." },
            "channel": {
                "type": "string",
                "description": format!("The concrete channel name, of the pattern `{}`.", channel.pattern),
                "pattern": name_regex(channel.pattern, channel.params, channel.param_types),
            },
            "topic": {
                "description": "The topic's wire name (`run` for run lifecycle messages).",
                "enum": topic_names.iter().copied().chain([RUN_TOPIC]).collect::<Vec<_>>(),
            },
            "data": { "description": "The payload, of the topic's schema; or what the kind says." },
            "stream_id": { "type": "string", "description": "The data stream it is part of." },
            "stream_end": {
                "description": "How the data stream ended (on a `datastream-end`, whose data is the stream id).",
                "$ref": format!("#/$defs/{STREAM_END_DEF}"),
            },
            "kind": {
                "description": "What the message is.",
                "enum": ["data", "run", "datastream-start", "chunk", "datastream-end"],
            },
            "run_id": { "type": "string", "description": "The run that published it, when known." },
            "fn_id": { "type": "string", "description": "The function that published it, when known." },
            "created_at": { "type": "string", "format": "date-time", "description": "When the publisher created it." },
        },
        "required": ["channel", "topic", "data"],
        "oneOf": one_of,
        "$defs": defs,
    });
    if let Some(text) = channel.description {
        doc["description"] = json!(text);
    }
    doc
}

/// The bundle of every channel of `registry`: each channel document under
/// `$defs.<Channel>` (see the [module documentation](self)), and a schema of a message
/// of any of them.
///
/// ```
/// use realtime_core::export::json_schema::bundle;
/// use realtime_core::ChannelRegistry;
/// let registry = ChannelRegistry::discovered();
/// let doc = bundle(&registry);
/// assert_eq!(doc["$schema"], "https://json-schema.org/draft/2020-12/schema");
/// assert_eq!(doc["anyOf"].as_array().unwrap().len(), registry.len());
/// ```
pub fn bundle(registry: &ChannelRegistry) -> Value {
    let keys = channel_keys(registry);
    let mut entries: Vec<(&String, &ChannelDescriptor)> = keys.iter().zip(registry.iter()).collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));

    let mut defs = Map::new();
    let mut any_of = Vec::new();
    let mut channels = Vec::new();
    for (key, channel) in entries {
        let mut doc = document(channel, key);
        if let Some(object) = doc.as_object_mut() {
            object.remove("$schema");
        }
        let prefix = format!("{key}.");
        for (def_name, def) in hoist_defs(&mut doc, "#/$defs/", &prefix) {
            defs.insert(def_name, def);
        }
        // The pointers in `x-realtime` are not `$ref`s: rewrite them by hand.
        if let Some(topics) = doc
            .pointer_mut("/x-realtime/topics")
            .and_then(Value::as_array_mut)
        {
            for topic in topics {
                if let Some(Value::String(p)) = topic.get_mut("payload") {
                    if let Some(rest) = p.strip_prefix("#/$defs/") {
                        *p = format!("#/$defs/{prefix}{rest}");
                    }
                }
            }
        }
        let pointer = format!("#/$defs/{key}");
        any_of.push(json!({ "$ref": pointer }));
        channels.push(json!({ "name": key, "pattern": channel.pattern, "schema": pointer }));
        defs.insert(key.clone(), doc);
    }

    json!({
        "$schema": DRAFT_2020_12,
        "title": "Realtime channels",
        "description": "A message of any of the channels below, in the envelope's wire shape.",
        "x-realtime": { "channels": channels },
        "anyOf": any_of,
        "$defs": defs,
    })
}
