//! TypeScript declarations of the channels: one `channels.ts` that a frontend imports, so
//! the TypeScript compiler catches the mistakes the Rust compiler catches (a wrong
//! payload, a misspelled topic, a channel name built by hand).
//!
//! For a channel `Pipeline` (`pipeline:<run_id>`, topics `status` and `llm_tokens`) it
//! declares:
//!
//! - one type per payload, `PipelineStatus` and `PipelineLlmTokens` (channel + topic),
//!   converted from the topic's JSON Schema; nested types (`$defs`) become named types,
//!   shared by channels when identical and prefixed by the channel when not;
//! - `PipelineTopic`, the topic names as a union of string literals, and `pipelineTopics`,
//!   the same names as an array;
//! - `PipelineTopics`, a map from topic name to payload type;
//! - for a topic declared `#[topic(deprecated = "...")]`, a `/** @deprecated note */` JSDoc
//!   tag on its member of `PipelineTopics` and on its payload type, which editors and
//!   tsc-based tools (e.g. typescript-eslint's `no-deprecated`) show where they are used;
//! - `PipelineMessage`, the envelopes of the channel's topics, a union discriminated on
//!   `topic`, and `PipelineEvent`, everything a subscription receives: those, run lifecycle
//!   messages and the start and end of data streams;
//! - `PipelineChannelName` (`` `pipeline:${string}` ``) and `pipelineChannel({ run_id })`,
//!   which builds a concrete name from typed parameters (numeric Rust types are `number`);
//! - `PipelinePublishRequest` and `pipelinePublishRequest(channel, topic, data)`, whose
//!   `data` must be the topic's payload type.
//!
//! Every channel shares the generic `Envelope<Topic, Data>`, the wire JSON, and the run
//! lifecycle (`RunLifecycleMessage`) and data stream (`DatastreamStartMessage`,
//! `DatastreamEndMessage`) types; a channel whose names would collide with them is renamed
//! like two channels of one name are (`RunLifecycle2`). The output is
//! deterministic: channels, topics, definitions and properties are emitted sorted by name,
//! whatever order the schema's JSON maps keep.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use serde_json::Value;

mod client;
mod convert;

pub use client::{bindings, ClientOptions, DEFAULT_CLIENT_IMPORT};

use convert::{jsdoc, json_string, property_key, with_deprecated, Converter};

use crate::{ChannelDescriptor, ChannelPattern, ChannelRegistry, PatternSegment};

/// The TypeScript declarations (`channels.ts`) of every channel in `registry`.
///
/// ```
/// use realtime_core::ChannelRegistry;
/// use realtime_core::export::typescript::declarations;
///
/// let ts = declarations(&ChannelRegistry::new());
/// assert!(ts.contains("export interface Envelope<Topic extends string = string, Data = unknown, Kind extends MessageKind = MessageKind> {"));
/// assert!(ts.contains("export type MessageKind = "));
/// ```
pub fn declarations(registry: &ChannelRegistry) -> String {
    let mut out = String::from(GENERATED);
    out.push_str("// Regenerate with `realtime schema --format typescript`.\n");
    out.push_str(&render(registry).text);
    out
}

/// The declarations of every channel, after the generated-file comment, with the
/// identifier each channel's declarations are named by.
pub(crate) struct Rendered<'a> {
    /// The declarations: the shared ones (after [`GENERATED`]), then the channels'.
    pub(crate) text: String,
    /// The channels, sorted as emitted, with their identifiers.
    pub(crate) channels: Vec<(&'a ChannelDescriptor, String)>,
}

/// Renders the declarations of every channel of `registry`.
pub(crate) fn render(registry: &ChannelRegistry) -> Rendered<'_> {
    let mut channels: Vec<&ChannelDescriptor> = registry.iter().collect();
    channels.sort_by(|a, b| (ident_of(a), a.pattern).cmp(&(ident_of(b), b.pattern)));
    let mut idents: Vec<String> = Vec::new();
    for c in &channels {
        let ident = unique(&ident_of(c), |n| {
            idents.iter().any(|i| i == n) || collides_with_shared(n, c)
        });
        idents.push(ident);
    }
    let mut reserved: BTreeSet<String> = SHARED_NAMES.map(String::from).into();
    for (c, ident) in channels.iter().zip(&idents) {
        for suffix in CHANNEL_SUFFIXES {
            reserved.insert(format!("{ident}{suffix}"));
        }
        for topic in c.topics() {
            reserved.insert(payload_name(ident, topic.name()));
        }
    }

    let mut defs = Definitions {
        reserved,
        emitted: BTreeMap::new(),
    };
    let mut out = String::from(SHARED);
    let mut bodies = Vec::new();
    for (c, ident) in channels.iter().zip(&idents) {
        bodies.push(channel_declarations(c, ident, &mut defs));
    }
    if !defs.emitted.is_empty() {
        out.push_str("\n// Types the payloads share (their `$defs`).\n");
        for (name, (_, text)) in &defs.emitted {
            let _ = write!(out, "\n{}", declaration(name, text));
        }
    }
    for body in bodies {
        out.push_str(&body);
    }
    Rendered {
        text: out,
        channels: channels.into_iter().zip(idents).collect(),
    }
}

/// The first line of every generated TypeScript file.
pub(crate) const GENERATED: &str =
    "// Generated by realtime-rs from the `#[channel]` declarations; do not edit.\n";

const SHARED: &str = r#"
/** What a message is: topic data, a run lifecycle update, or part of a data stream. */
export type MessageKind = "data" | "run" | "datastream-start" | "chunk" | "datastream-end";

/** A message as it travels between publishers and subscribers (the gateway's wire JSON). */
export interface Envelope<Topic extends string = string, Data = unknown, Kind extends MessageKind = MessageKind> {
  /** The id, ordered within the channel; assigned by the transport. */
  id: string;
  /** The concrete channel name. */
  channel: string;
  /** The topic's wire name. */
  topic: Topic;
  /** The payload. */
  data: Data;
  /** What the message is. */
  kind: Kind;
  /** The run that published it, when known. */
  run_id?: string;
  /** The function that published it, when known. */
  fn_id?: string;
  /** The data stream it is part of (`datastream-start`, `chunk`, `datastream-end`). */
  stream_id?: string;
  /** How the data stream ended (`datastream-end` only). */
  stream_end?: DatastreamEnd;
  /** When the publisher created it (RFC 3339). */
  created_at: string;
}

/** Where a run is: the status of a run lifecycle update. */
export type RunLifecycleStatus = "started" | "completed" | "failed" | "cancelled";

/** The data of a run lifecycle message. */
export interface RunLifecycleUpdate {
  status: RunLifecycleStatus;
  /** What a completed run returned, if anything. */
  output?: unknown;
  /** Why a failed run failed. */
  error?: string;
}

/** A run lifecycle message (topic `run`): every subscriber of the channel receives them. */
export type RunLifecycleMessage = Envelope<"run", RunLifecycleUpdate, "run">;

/** How a data stream ended: the `stream_end` of its `datastream-end`. */
export interface DatastreamEnd {
  status: "finished" | "aborted";
  /** How many chunks the writer sent. */
  chunks: number;
  /** Why an aborted stream was aborted. */
  error?: string;
}

/**
 * The start of a data stream on `Topic` (its data is the stream id). The stream's chunks
 * are messages of the topic with `kind: "chunk"` and the same `stream_id`.
 */
export type DatastreamStartMessage<Topic extends string = string> = Envelope<Topic, string, "datastream-start"> & {
  stream_id: string;
};

/**
 * The end of a data stream on `Topic`: its data is the stream id, as on the start, and
 * `stream_end` says how the stream ended.
 */
export type DatastreamEndMessage<Topic extends string = string> = Envelope<Topic, string, "datastream-end"> & {
  stream_id: string;
  stream_end: DatastreamEnd;
};
"#;

/// The names of the shared declarations in [`SHARED`].
const SHARED_NAMES: [&str; 16] = [
    "Envelope",
    "MessageKind",
    "RunLifecycleStatus",
    "RunLifecycleUpdate",
    "RunLifecycleMessage",
    "DatastreamEnd",
    "DatastreamStartMessage",
    "DatastreamEndMessage",
    // Declared by the client bindings (`client.ts`) after these; kept free in both
    // outputs, so that one registry's types are named alike in each.
    "PayloadValidator",
    "TopicValidators",
    "ValidationErrorItem",
    "PayloadValidationError",
    "ValidatedItem",
    "ValidatedSubscription",
    "BindingOptions",
    "BoundSubscription",
];

/// What each channel's declarations are named: its identifier and one of these (the last
/// three are the client bindings').
const CHANNEL_SUFFIXES: [&str; 9] = [
    "Topic",
    "Topics",
    "Message",
    "Event",
    "ChannelName",
    "PublishRequest",
    "ChannelParams",
    "Validators",
    "SubscribeOptions",
];

/// Whether a channel identified as `ident` would declare a name of [`SHARED_NAMES`]: a
/// shared name that is `ident` followed by a declaration suffix or a topic's name.
fn collides_with_shared(ident: &str, c: &ChannelDescriptor) -> bool {
    SHARED_NAMES
        .iter()
        .any(|shared| match shared.strip_prefix(ident) {
            Some("") => true,
            Some(rest) => {
                CHANNEL_SUFFIXES.contains(&rest) || c.topics().iter().any(|t| pascal(t.name()) == rest)
            }
            None => false,
        })
}

/// The named types made from `$defs`: by TypeScript name, the schema and its rendering.
struct Definitions {
    reserved: BTreeSet<String>,
    emitted: BTreeMap<String, (Value, (String, String))>,
}

impl Definitions {
    /// Names every `$defs` entry of a payload schema, emitting the new ones; returns the
    /// map from `#/$defs/<name>` to TypeScript name.
    fn register(&mut self, channel: &str, schema: &Value) -> BTreeMap<String, String> {
        let Some(raw) = schema.get("$defs").and_then(Value::as_object) else {
            return BTreeMap::new();
        };
        let mut names = BTreeMap::new();
        let mut fresh = Vec::new();
        let raw: BTreeMap<&String, &Value> = raw.iter().collect();
        for (def, value) in raw {
            let base = pascal(def);
            let candidates = [base.clone(), format!("{channel}{base}")];
            let reused = candidates
                .iter()
                .find(|n| self.emitted.get(*n).is_some_and(|(v, _)| v == value));
            let name = match reused {
                Some(n) => n.clone(),
                None => {
                    let taken = |n: &str| self.reserved.contains(n) || self.emitted.contains_key(n);
                    let name = match candidates.iter().find(|n| !taken(n)) {
                        Some(n) => n.clone(),
                        None => unique(&candidates[1], taken),
                    };
                    self.emitted
                        .insert(name.clone(), (value.clone(), Default::default()));
                    fresh.push((name.clone(), value));
                    name
                }
            };
            names.insert(format!("#/$defs/{def}"), name);
        }
        for (name, value) in fresh {
            let text = Converter { refs: &names }.declaration_body(value);
            if let Some(entry) = self.emitted.get_mut(&name) {
                entry.1 = text;
            }
        }
        names
    }
}

fn channel_declarations(c: &ChannelDescriptor, ident: &str, defs: &mut Definitions) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "\n// Channel `{ident}`: `{}`.", c.pattern);
    let mut topics: Vec<_> = c.topics().iter().collect();
    topics.sort_by_key(|t| t.name());
    for topic in &topics {
        let schema = topic.schema();
        let refs = defs.register(ident, schema);
        let (doc, ty) = Converter { refs: &refs }.declaration_body(schema);
        // The payload type is the topic's own: deprecated with it.
        let doc = match topic.deprecated() {
            Some(note) => {
                let description = schema.get("description").and_then(Value::as_str);
                jsdoc(with_deprecated(description, Some(note)).as_deref(), "")
            }
            None => doc,
        };
        let text = (doc, ty);
        let _ = write!(
            out,
            "\n{}",
            declaration(&payload_name(ident, topic.name()), &text)
        );
    }
    let lower = lower_camel(ident);
    let names: Vec<String> = topics.iter().map(|t| json_string(t.name())).collect();
    let union = if names.is_empty() {
        "never".to_owned()
    } else {
        names.join(" | ")
    };
    let name_type = format!("{ident}ChannelName");
    out.push('\n');
    out.push_str(&jsdoc(c.description, ""));
    let _ = writeln!(out, "export type {ident}Topic = {union};");
    let _ = writeln!(
        out,
        "export const {lower}Topics: readonly {ident}Topic[] = [{}];",
        names.join(", ")
    );
    let _ = writeln!(out, "/** The payload type of each topic of `{ident}`. */");
    let _ = writeln!(out, "export interface {ident}Topics {{");
    for topic in &topics {
        let doc = with_deprecated(topic.description(), topic.deprecated());
        out.push_str(&jsdoc(doc.as_deref(), "  "));
        let _ = writeln!(
            out,
            "  {}: {};",
            property_key(topic.name()),
            payload_name(ident, topic.name())
        );
    }
    out.push_str("}\n");
    let _ = writeln!(
        out,
        "/** A message of a topic of `{ident}` (`kind` `data`, or `chunk` in a data stream), discriminated on `topic`. */"
    );
    let _ = writeln!(
        out,
        "export type {ident}Message = {{ [T in {ident}Topic]: Envelope<T, {ident}Topics[T], \"data\" | \"chunk\"> }}[{ident}Topic];"
    );
    let _ = writeln!(
        out,
        "/** Everything a subscription of `{ident}` receives: narrow on `kind`, then on `topic`. */"
    );
    let _ = writeln!(
        out,
        "export type {ident}Event = {ident}Message | RunLifecycleMessage | DatastreamStartMessage<{ident}Topic> | DatastreamEndMessage<{ident}Topic>;"
    );
    let (template, body, params) = name_builder(c);
    let _ = writeln!(out, "/** A concrete name of `{ident}`: `{}`. */", c.pattern);
    let _ = writeln!(out, "export type {name_type} = {template};");
    let _ = writeln!(
        out,
        "/** The name of the `{ident}` channel with these parameters. */"
    );
    let _ = writeln!(
        out,
        "export function {lower}Channel({params}): {name_type} {{\n  return {body};\n}}"
    );
    let _ = writeln!(out, "/** A message to publish to a `{ident}` channel. */");
    let _ = writeln!(
        out,
        "export type {ident}PublishRequest = {{ [T in {ident}Topic]: {{ channel: {name_type}; topic: T; data: {ident}Topics[T] }} }}[{ident}Topic];"
    );
    let _ = writeln!(
        out,
        "/** A publish request whose `data` is checked against `topic`'s payload type. */"
    );
    let _ = writeln!(
        out,
        "export function {lower}PublishRequest<T extends {ident}Topic>(channel: {name_type}, topic: T, data: {ident}Topics[T]): {{ channel: {name_type}; topic: T; data: {ident}Topics[T] }} {{\n  return {{ channel, topic, data }};\n}}"
    );
    out
}

/// The channel's name type, the builder's return expression and its parameter list.
fn name_builder(c: &ChannelDescriptor) -> (String, String, String) {
    let segments = ChannelPattern::parse(c.pattern)
        .map(|p| p.segments().to_vec())
        .unwrap_or_else(|| vec![PatternSegment::Literal(c.pattern)]);
    let param_type = |name: &str| {
        let rust = c
            .params
            .iter()
            .position(|p| *p == name)
            .and_then(|i| c.param_types.get(i))
            .copied()
            .unwrap_or("String");
        ts_param_type(rust)
    };
    let (mut template, mut body) = (String::from("`"), String::from("`"));
    let mut fields = Vec::new();
    for segment in &segments {
        match segment {
            PatternSegment::Literal(lit) => {
                template.push_str(lit);
                body.push_str(lit);
            }
            PatternSegment::Param(p) => {
                let ty = param_type(p);
                let _ = write!(template, "${{{ty}}}");
                let _ = write!(body, "${{params.{p}}}");
                fields.push(format!("{}: {ty}", property_key(p)));
            }
        }
    }
    template.push('`');
    body.push('`');
    let params = if fields.is_empty() {
        String::new()
    } else {
        format!("params: {{ {} }}", fields.join("; "))
    };
    (template, body, params)
}

/// The TypeScript type of a channel parameter of Rust type `rust`.
fn ts_param_type(rust: &str) -> &'static str {
    let last = rust.rsplit("::").next().unwrap_or(rust).trim();
    match last {
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" | "i8" | "i16" | "i32" | "i64" | "i128" | "isize"
        | "f32" | "f64" => "number",
        "bool" => "boolean",
        _ => "string",
    }
}

/// `export interface Name {...}` for an object type, `export type Name = ...;` otherwise,
/// after the JSDoc comment `doc`.
fn declaration(name: &str, (doc, ty): &(String, String)) -> String {
    if ty.starts_with('{') && ty.ends_with('}') && !ty.contains("} | {") {
        format!("{doc}export interface {name} {ty}\n")
    } else {
        format!("{doc}export type {name} = {ty};\n")
    }
}

/// The channel's Rust type name without its path or generics, as an identifier.
fn ident_of(c: &ChannelDescriptor) -> String {
    let base = c.type_name.split('<').next().unwrap_or(c.type_name);
    pascal(base.rsplit("::").next().unwrap_or(base))
}

fn payload_name(channel: &str, topic: &str) -> String {
    format!("{channel}{}", pascal(topic))
}

/// `llm_tokens` → `LlmTokens`; keeps inner capitals (`DemoStatus` stays); always an identifier.
fn pascal(s: &str) -> String {
    let mut out = String::new();
    for part in s
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
    {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'T');
    }
    out
}

fn lower_camel(ident: &str) -> String {
    let mut chars = ident.chars();
    chars
        .next()
        .map(|c| c.to_ascii_lowercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// `base`, or `base2`, `base3`, … : the first that is not `taken`.
fn unique(base: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(base) {
        return base.to_owned();
    }
    (2..)
        .map(|i| format!("{base}{i}"))
        .find(|n| !taken(n))
        .unwrap_or_else(|| base.to_owned())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn names_and_parameters() {
        assert_eq!(pascal("llm_tokens"), "LlmTokens");
        assert_eq!(pascal("DemoStatus"), "DemoStatus");
        assert_eq!(pascal("9lives"), "T9lives");
        assert_eq!(lower_camel("Pipeline"), "pipeline");
        assert_eq!(ts_param_type("u64"), "number");
        assert_eq!(ts_param_type("std::string::String"), "string");
        assert_eq!(ts_param_type("bool"), "boolean");
        assert_eq!(
            jsdoc(Some("one\n\ntwo"), "  "),
            "  /**\n   * one\n   *\n   * two\n   */\n"
        );
        assert_eq!(unique("A", |n| n == "A" || n == "A2"), "A3");
    }

    #[test]
    fn identical_defs_are_shared_and_different_ones_prefixed() {
        let mut defs = Definitions {
            reserved: BTreeSet::from(["PipelineStatus".to_owned()]),
            emitted: BTreeMap::new(),
        };
        let step = json!({"type": "string"});
        let a = defs.register("Pipeline", &json!({"$defs": {"Step": step}}));
        let b = defs.register("Build", &json!({"$defs": {"Step": step}}));
        let c = defs.register("Other", &json!({"$defs": {"Step": {"type": "number"}}}));
        assert_eq!(a["#/$defs/Step"], "Step");
        assert_eq!(b["#/$defs/Step"], "Step");
        assert_eq!(c["#/$defs/Step"], "OtherStep");
        assert_eq!(defs.emitted.len(), 2);
    }
}
