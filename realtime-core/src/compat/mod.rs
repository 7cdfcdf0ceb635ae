//! Compatibility of channel contracts: what a change to the channels breaks, before it is
//! deployed.
//!
//! A *contract* is what the JSON Schema export says of each channel: its name pattern,
//! its parameters and their types, and its topics with their payload schemas. [`Lock`]
//! holds it as a file (`channels.lock.json`, written by `realtime schema lock`); [`compare`]
//! compares an old contract (the lock) with a new one (the binary's channels, or an
//! export) and classifies every change with a [`Compatibility`]; a [`Mode`] decides which
//! classes fail a check (`realtime schema check`, and `realtime serve --lock`, which refuses
//! to start the gateway on a refused change).
//!
//! ```
//! use realtime_core::compat::{compare, Lock, Mode};
//! use realtime_core::ChannelRegistry;
//!
//! let old = Lock::parse(&Lock::from_registry(&ChannelRegistry::discovered()).to_json()).unwrap();
//! let new = Lock::from_registry(&ChannelRegistry::discovered());
//! let report = compare(&old, &new);
//! assert!(report.passes(Mode::Full));
//! for change in report.failures(Mode::Full) {
//!     println!("{change}"); // "Pipeline, topic status, at /properties/percent: breaks_publishers: ..."
//! }
//! ```
//!
//! # The lock file
//!
//! ```json
//! {
//!   "channels": {
//!     "Pipeline": {
//!       "parameters": [{ "name": "run_id", "rust_type": "String", "type": "string" }],
//!       "pattern": "pipeline:<run_id>",
//!       "topics": {
//!         "line": { "deprecated": "use `lines` instead", "schema": { ... }, "validated": true },
//!         "status": { "schema": { "$defs": { "Step": { ... } }, "type": "object", ... },
//!                     "validated": true }
//!       },
//!       "type": "my_app::Pipeline"
//!     }
//!   },
//!   "lock_version": 1
//! }
//! ```
//!
//! - `lock_version` is `1`; a build reads only the version it writes, and says so.
//! - Channels are keyed as in the JSON Schema export: the Rust type's name, or its path
//!   (`::` written `.`) when two types share a name. Renaming the type is removing a channel
//!   and adding one. `type` is informative.
//! - Each topic's `schema` is the payload schema as schemars generates it (JSON Schema
//!   2020-12) without `$schema`: its `$defs` and `$ref`s are **kept**, so the lock reads
//!   like the Rust types, and recursive types need no special form. Comparison resolves
//!   the `$ref`s itself.
//! - A topic's `deprecated` is the note of `#[topic(deprecated = "...")]` (`""` for a bare
//!   `#[topic(deprecated)]`), and is absent when the topic is not deprecated: a lock
//!   written before deprecation existed reads unchanged, still as `lock_version` 1.
//! - Every object's keys are sorted and the JSON is pretty-printed with a final newline:
//!   the same channels always give the same bytes, and a diff of the lock in review shows
//!   exactly what changed.
//!
//! `realtime schema check --against FILE` also reads the JSON Schema export
//! (`channels.schema.json`, or one `<Channel>.schema.json`) as a contract
//! ([`Lock::from_export`]): each topic's payload with the `$defs` it reaches.
//!
//! # Classes and modes
//!
//! A change *breaks subscribers* when a reader built on the old contract cannot read some
//! message the new contract allows, and *breaks publishers* when a message an old writer
//! may send fails the new contract's validation (the gateway validates with the new one).
//! In terms of schemas: the new schema accepts something the old refused (breaks
//! subscribers), or refuses something the old accepted (breaks publishers). Serde ignores
//! unknown fields unless `deny_unknown_fields`, which schemars writes as
//! `additionalProperties: false`; the rules follow the schema.
//!
//! | mode | Confluent's meaning | refuses |
//! | --- | --- | --- |
//! | `backward` | the new contract reads what the old one wrote | `breaks_publishers`, `breaks_both` |
//! | `forward` | the old contract reads what the new one writes | `breaks_subscribers`, `breaks_both` |
//! | `full` (default) | both | every class but `safe` |
//!
//! `full` is the default: in a realtime system neither side upgrades first. The gateway
//! validates with the new schema as soon as it restarts while jobs built on the old one
//! still publish, and a browser tab keeps its old bundle for hours while new messages
//! arrive. (Confluent defaults to `backward` because its consumers upgrade first and
//! re-read old records.)
//!
//! # Rules
//!
//! Schemas are compared by meaning: every `$ref` is followed first (a pair of `$ref`s met
//! again while comparing is assumed equal, so recursive types end), annotations
//! (`title`, `description`, `default`, `examples`, `x-*`, ...) are ignored, `null` is split
//! off (`type: [T, "null"]`, an `anyOf` with a `null` branch and `enum` with `null` are the
//! same), and `$defs` restructured with the same meaning is no change at all. The pointer
//! of a change is into the payload schema with `$ref`s replaced by their targets.
//!
//! | change | class | rule |
//! | --- | --- | --- |
//! | optional field added (unknown fields accepted before) | safe | `field_added` |
//! | required field added | breaks publishers | `field_added` |
//! | field added where the old schema refused unknown fields | breaks subscribers (and publishers if required) | `field_added` |
//! | optional field removed (unknown fields accepted now) | safe | `field_removed` |
//! | required field removed | breaks subscribers | `field_removed` |
//! | field removed where the new schema refuses unknown fields | breaks publishers (and subscribers if required) | `field_removed` |
//! | field renamed | removed + added: breaks both when required | `field_removed`, `field_added` |
//! | field became required / optional | breaks publishers / subscribers | `required_changed` |
//! | type widened (`integer` → `number`, a type added) | breaks subscribers | `type_changed` |
//! | type narrowed (`number` → `integer`, a type removed) | breaks publishers | `type_changed` |
//! | type replaced (`string` → `object`) | breaks both | `type_changed` |
//! | `string` → enum (values restricted) / enum → `string` | breaks publishers / subscribers | `enum_changed` |
//! | enum value added / removed | breaks subscribers / publishers | `enum_changed` |
//! | bound tightened (`maximum`, `minLength`, ... moved in, or added) | breaks publishers | `bound_changed` |
//! | bound loosened (moved out, or removed) | breaks subscribers | `bound_changed` |
//! | `pattern`, `format`, `uniqueItems` added / removed | breaks publishers / subscribers | `constraint_changed` |
//! | `pattern` or non-numeric `format` changed | breaks both (regexes are not compared) | `unclassified` |
//! | `float` → `double` / back | breaks subscribers / publishers | `constraint_changed` |
//! | `additionalProperties` closed (`false`, or a schema where any was allowed) | breaks publishers | `additional_properties_changed` |
//! | `additionalProperties` opened | breaks subscribers | `additional_properties_changed` |
//! | map values (`additionalProperties` schema), array `items` | compared recursively | (the inner rule) |
//! | `null` now accepted / no longer accepted | breaks subscribers / publishers | `nullable_changed` |
//! | `oneOf`/`anyOf` variant added / removed (matched by tag) | breaks subscribers / publishers | `variant_added`, `variant_removed` |
//! | untagged variants, same number | compared by position | (the inner rule) |
//! | untagged variants, another number | breaks both | `unclassified` |
//! | recursive type unchanged / changed | safe / the inner rule, reported once | (the inner rule) |
//! | `$ref`/`$defs` restructured, same meaning | safe (no change reported) | |
//! | `$ref` that resolves to nothing, other keyword changed (`allOf`, `not`, `if`, ...) | breaks both | `unclassified` |
//! | topic added | breaks subscribers (old readers of every topic cannot decode it) | `topic_added` |
//! | topic removed | breaks publishers (the gateway refuses it) | `topic_removed` |
//! | topic renamed | removed + added: breaks both | `topic_removed`, `topic_added` |
//! | topic declared renamed ([`compare_with`], `--rename-topic`) | breaks both (the wire name changed), and its payload compared with the old topic's | `topic_renamed` |
//! | topic deprecated, or its note changed | safe, reported as `deprecated: <note>` | `topic_deprecated` |
//! | deprecation withdrawn | safe, reported as `no longer deprecated` | `deprecation_withdrawn` |
//! | topic removed that the old contract marks deprecated | breaks publishers, but *announced*: no mode refuses it (see [Deprecation](#deprecation)) | `topic_removed` |
//! | validation turned on / off | breaks publishers / subscribers | `validation_changed` |
//! | channel added / removed | safe / breaks both | `channel_added`, `channel_removed` |
//! | pattern changed / only a parameter renamed | breaks both / safe | `pattern_changed` |
//! | parameter `string` → `integer` / `integer` → `string` / other | breaks publishers / subscribers / both | `parameter_changed` |
//!
//! Variants are matched by tag: a `const` (a unit variant, or an `enum` value), a required
//! property whose value is a `const` (`#[serde(tag = "...")]`), or the one required
//! property of serde's external tagging. Nothing is classified safe by default: a
//! difference no rule covers is [`Rule::Unclassified`], breaking both, with a sentence
//! saying why.
//!
//! A corpus of pairs of real Rust payload types, before and after a change
//! (`realtime-core/tests/compat_corpus/`), checks these rules; `docs/compat-asyncapi-diff.md`
//! in the repository compares the verdict on each pair with `@asyncapi/diff`'s.
//!
//! # Deprecation
//!
//! A topic is retired in two deployments. First it is declared deprecated:
//!
//! ```ignore
//! #[topic(deprecated = "use `lines` instead")] // or a bare `#[topic(deprecated)]`
//! line: Line,
//! ```
//!
//! The macro marks the topic's accessor (`build.line()`) and its topic key
//! (`BuildTopic::Line`) `#[deprecated]` with the note, so rustc warns the Rust code that
//! still publishes to it or names it; the message variant (`BuildMessage::Line`) is not,
//! so subscribers keep reading what old publishers send without a warning.
//! [`TopicSpec::deprecated`](crate::TopicSpec::deprecated) holds the note; the lock records
//! it (`deprecated` above); the JSON Schema export marks the payload schema
//! `"deprecated": true` with the note as the last paragraph of its `description` and in
//! the channel's `x-realtime` topics; the AsyncAPI export marks the message
//! `deprecated: true` with the note in `x-realtime-deprecated`; the TypeScript
//! declarations and client bindings put `/** @deprecated <note> */` on the topic's member
//! of `<Channel>Topics` and on its payload type. The check reports the deprecation as a
//! safe change: the topic works as before.
//!
//! Then, once a lock that marks it deprecated has been deployed, the topic is removed.
//! The removal keeps its class (old publishers' messages on it are refused by the new
//! gateway) and says the topic was deprecated, but it is [`Change::announced`] and no
//! mode refuses it: the deprecation was the announcement, and the clients built on the
//! lock were warned. Only the old contract counts: deprecating and removing a topic in
//! the same change announces nothing, and is refused like any removal. A deprecated topic
//! is otherwise compared as any other (its payload, its validation), and a rename
//! declared with `--rename-topic` is refused whether or not the old topic was deprecated,
//! since the wire name changes under clients that were never told.

mod change;
mod class;
mod contract_diff;
mod keywords;
mod lock;
mod properties;
mod resolve;
mod schema_diff;

pub use change::{Change, Report, Rule};
pub use class::{Compatibility, Mode, UnknownMode};
pub use contract_diff::{compare, compare_with, BadTopicRename, TopicRename};
pub use lock::{ChannelContract, Lock, LockError, ParameterContract, TopicContract, LOCK_VERSION};

/// Every change between two payload schemas (each the root of its own `$ref`s), as
/// changes of channel `channel` and topic `topic`: the comparison of one topic, without
/// a lock.
///
/// ```
/// use realtime_core::compat::{compare_payloads, Compatibility};
/// use serde_json::json;
/// let old = json!({"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]});
/// let new = json!({"type": "object", "properties": {"n": {"type": "number"}}, "required": ["n"]});
/// let changes = compare_payloads("Demo", "status", &old, &new);
/// assert_eq!(changes[0].pointer, "/properties/n/type");
/// assert_eq!(changes[0].class, Compatibility::BreaksSubscribers);
/// ```
pub fn compare_payloads(
    channel: &str,
    topic: &str,
    old: &serde_json::Value,
    new: &serde_json::Value,
) -> Vec<Change> {
    schema_diff::compare_schemas(old, new)
        .into_iter()
        .map(|finding| Change {
            channel: channel.to_owned(),
            topic: Some(topic.to_owned()),
            pointer: finding.pointer,
            rule: finding.rule,
            class: finding.class,
            message: finding.message,
            announced: false,
        })
        .collect()
}
