//! AsyncAPI 3.0 export: [`document`] describes the channels of a registry as the gateway
//! serves them.
//!
//! - `servers.gateway` is the gateway's WebSocket endpoint (`/v1/realtime/connect`),
//!   secured by a subscription token in the `token` query parameter
//!   (`components.securitySchemes.token`, `httpApiKey` in `query`); `servers.publish` is
//!   its HTTP publish endpoint (`POST /v1/realtime/publish?channel=&topic=`), secured by
//!   the signing key as a bearer token (`components.securitySchemes.signingKey`) or a
//!   publish token.
//! - `channels.<Channel>` has the name pattern as its `address`, with placeholders in
//!   AsyncAPI's `{param}` form (`pipeline:<run_id>` becomes `pipeline:{run_id}`), a
//!   `parameters` entry per placeholder, a message per topic, and the `run` message: a run
//!   lifecycle update, whose payload is the shared `components.schemas.realtime.RunUpdate`.
//! - `components.messages.<Channel>.<topic>` is one topic: its name, doc comment and
//!   payload schema, `components.schemas.<Channel>.<topic>`. The payload schemas are the
//!   topics' JSON Schemas, with their definitions hoisted to
//!   `components.schemas.<Channel>.<topic>.<Name>` and the few 2020-12 keywords that
//!   AsyncAPI's default schema format (a superset of draft-07) does not know rewritten
//!   (`prefixItems` as `items`, `dependentRequired` as `dependencies`).
//! - A deprecated topic's message is `deprecated: true` (a field of the Message Object in
//!   the AsyncAPI 3.0 JSON Schema) with the note in `x-realtime-deprecated` (`""` when
//!   declared without one), and its payload schema is `deprecated: true` with the note as
//!   the last paragraph of its `description`. The Operation Object has no `deprecated`,
//!   and one operation covers every topic of a channel, so the operations are unmarked.
//! - `operations.<Channel>.subscribe` (`receive`) covers every topic of the channel and
//!   `run`; `operations.<Channel>.publish` (`send`) every topic. Data streams are topic
//!   messages on the wire (`kind` `chunk`, between a `datastream-start` and a
//!   `datastream-end`), as the operation's summary says.
//!
//! Channels are keyed as in the [JSON Schema export](super::json_schema). Everything is
//! sorted, so the output is deterministic.

use serde_json::{json, Map, Value};

use super::deprecation::mark_deprecated;
use super::json_schema::{channel_keys, hoist_defs, param_json_type};
use crate::schema::schema_for;
use crate::{ChannelDescriptor, ChannelPattern, ChannelRegistry, PatternSegment, RunUpdate, RUN_TOPIC};

/// The component schema of a run lifecycle update, shared by every channel.
const RUN_UPDATE_SCHEMA: &str = "realtime.RunUpdate";

/// What the AsyncAPI document says about the API as a whole.
///
/// ```
/// use realtime_core::export::asyncapi::AsyncApiOptions;
/// let options = AsyncApiOptions { host: "realtime.example.com".into(), secure: true, ..Default::default() };
/// assert_eq!(options.version, "1.0.0");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsyncApiOptions {
    /// `info.title`.
    pub title: String,
    /// `info.version`: the version of the API described (not of AsyncAPI).
    pub version: String,
    /// `info.description`.
    pub description: Option<String>,
    /// The gateway's host and port, e.g. `127.0.0.1:8288`.
    pub host: String,
    /// Whether the gateway is served over TLS (`wss`/`https` rather than `ws`/`http`).
    pub secure: bool,
}

impl Default for AsyncApiOptions {
    /// Title `Realtime channels`, version `1.0.0`, host `127.0.0.1:8288`, no TLS.
    fn default() -> Self {
        AsyncApiOptions {
            title: "Realtime channels".to_owned(),
            version: "1.0.0".to_owned(),
            description: None,
            host: "127.0.0.1:8288".to_owned(),
            secure: false,
        }
    }
}

/// The AsyncAPI address of a channel name pattern: `<param>` becomes `{param}`.
///
/// ```
/// use realtime_core::export::asyncapi::address;
/// assert_eq!(address("run:<run_id>/step:<step>"), "run:{run_id}/step:{step}");
/// ```
pub fn address(pattern: &str) -> String {
    match ChannelPattern::parse(pattern) {
        Some(parsed) => parsed
            .segments()
            .iter()
            .map(|s| match s {
                PatternSegment::Literal(lit) => (*lit).to_owned(),
                PatternSegment::Param(p) => format!("{{{p}}}"),
            })
            .collect(),
        None => pattern.to_owned(),
    }
}

/// Rewrites the 2020-12 keywords that draft-07 does not know into their draft-07 form.
fn to_draft07(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if let Some(prefix) = map.remove("prefixItems") {
                let rest = map.remove("items");
                map.insert("items".into(), prefix);
                if let Some(rest) = rest {
                    map.insert("additionalItems".into(), rest);
                }
            }
            if let Some(dependent) = map.remove("dependentRequired") {
                map.insert("dependencies".into(), dependent);
            }
            map.remove("$schema");
            map.values_mut().for_each(to_draft07);
        }
        Value::Array(items) => items.iter_mut().for_each(to_draft07),
        _ => {}
    }
}

fn channel_entry(
    key: &str,
    channel: &ChannelDescriptor,
    messages: &mut Map<String, Value>,
    schemas: &mut Map<String, Value>,
) -> Value {
    let mut topics: Vec<_> = channel.topics().iter().collect();
    topics.sort_by_key(|t| t.name());

    let mut channel_messages = Map::new();
    for topic in &topics {
        let name = topic.name();
        let schema_key = format!("{key}.{name}");
        let mut schema = topic.schema().clone();
        if let Some(note) = topic.deprecated() {
            mark_deprecated(&mut schema, note);
        }
        let hoisted = hoist_defs(&mut schema, "#/components/schemas/", &format!("{schema_key}."));
        to_draft07(&mut schema);
        for (def_name, mut def) in hoisted {
            to_draft07(&mut def);
            schemas.insert(def_name, def);
        }
        schemas.insert(schema_key.clone(), schema);

        let mut message = json!({
            "name": name,
            "title": format!("{key} {name}"),
            "contentType": "application/json",
            "payload": { "$ref": format!("#/components/schemas/{schema_key}") },
        });
        if let Some(text) = topic.description() {
            message["summary"] = json!(text.lines().next().unwrap_or(text));
            message["description"] = json!(text);
        }
        if !topic.validates() {
            message["x-realtime-validated"] = json!(false);
        }
        if let Some(note) = topic.deprecated() {
            message["deprecated"] = json!(true);
            message["x-realtime-deprecated"] = json!(note);
        }
        messages.insert(schema_key.clone(), message);
        channel_messages.insert(
            name.to_owned(),
            json!({ "$ref": format!("#/components/messages/{schema_key}") }),
        );
    }

    // Run lifecycle updates: received on every channel, whatever the topics; never
    // published over HTTP. Their schema is shared by every channel.
    let run_key = format!("{key}.{RUN_TOPIC}");
    messages.insert(
        run_key.clone(),
        json!({
            "name": RUN_TOPIC,
            "title": format!("{key} run lifecycle"),
            "summary": "A run lifecycle update (kind `run`, topic `run`): started, completed, failed or cancelled.",
            "contentType": "application/json",
            "payload": { "$ref": format!("#/components/schemas/{RUN_UPDATE_SCHEMA}") },
        }),
    );
    channel_messages.insert(
        RUN_TOPIC.to_owned(),
        json!({ "$ref": format!("#/components/messages/{run_key}") }),
    );

    let mut parameters = Map::new();
    for (i, param) in channel.params.iter().enumerate() {
        let rust_type = channel.param_types.get(i).copied().unwrap_or("String");
        parameters.insert(
            (*param).to_owned(),
            json!({
                "description": format!(
                    "`{param}`: a {} (Rust `{rust_type}`).",
                    param_json_type(rust_type)
                ),
            }),
        );
    }

    let mut entry = json!({
        "address": address(channel.pattern),
        "title": key,
        "messages": channel_messages,
        "x-realtime-pattern": channel.pattern,
        "x-realtime-type": channel.type_name,
    });
    if !parameters.is_empty() {
        entry["parameters"] = Value::Object(parameters);
    }
    if let Some(text) = channel.description {
        entry["summary"] = json!(text.lines().next().unwrap_or(text));
        entry["description"] = json!(text);
    }
    entry
}

/// The AsyncAPI 3.0 document of every channel of `registry`, served by a gateway as
/// `options` say (see the [module documentation](self) for the layout).
///
/// ```
/// use realtime_core::export::asyncapi::{document, AsyncApiOptions};
/// use realtime_core::ChannelRegistry;
/// let registry = ChannelRegistry::discovered();
/// let doc = document(&registry, &AsyncApiOptions::default());
/// assert_eq!(doc["asyncapi"], "3.0.0");
/// assert_eq!(doc["servers"]["gateway"]["pathname"], "/v1/realtime/connect");
/// assert_eq!(doc["channels"].as_object().unwrap().len(), registry.len());
/// ```
pub fn document(registry: &ChannelRegistry, options: &AsyncApiOptions) -> Value {
    let keys = channel_keys(registry);
    let mut entries: Vec<(&String, &ChannelDescriptor)> = keys.iter().zip(registry.iter()).collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));

    let mut channels = Map::new();
    let mut operations = Map::new();
    let mut messages = Map::new();
    let mut schemas = Map::new();
    for (key, channel) in entries {
        let entry = channel_entry(key, channel, &mut messages, &mut schemas);
        let refs = |with_run: bool| -> Vec<Value> {
            entry["messages"]
                .as_object()
                .map(|m| {
                    m.keys()
                        .filter(|topic| with_run || *topic != RUN_TOPIC)
                        .map(|topic| json!({ "$ref": format!("#/channels/{key}/messages/{topic}") }))
                        .collect()
                })
                .unwrap_or_default()
        };
        let (received, published) = (refs(true), refs(false));
        let channel_ref = json!({ "$ref": format!("#/channels/{key}") });
        operations.insert(
            format!("{key}.subscribe"),
            json!({
                "action": "receive",
                "channel": channel_ref,
                "title": format!("Subscribe to {key}"),
                "summary": "Receive the messages of the channel's topics that the token allows, as envelopes whose `data` is the payload, and the run lifecycle updates of the channel. A data stream arrives as `datastream-start` (data: the stream id), `chunk` envelopes of its topic's payload and a `datastream-end` (data: the stream id; how the stream ended in `stream_end`: `status` `finished` or `aborted`, `chunks`, `error`), all with a `stream_id`.",
                "security": [{ "$ref": "#/components/securitySchemes/token" }],
                "messages": received,
            }),
        );
        operations.insert(
            format!("{key}.publish"),
            json!({
                "action": "send",
                "channel": channel_ref,
                "title": format!("Publish to {key}"),
                "summary": "POST the payload as the body to /v1/realtime/publish?channel=<name>&topic=<topic>.",
                "security": [
                    { "$ref": "#/components/securitySchemes/signingKey" },
                    { "$ref": "#/components/securitySchemes/token" },
                ],
                "messages": published,
            }),
        );
        channels.insert(key.clone(), entry);
    }
    if !channels.is_empty() {
        let mut run_update = schema_for::<RunUpdate>();
        if let Some(object) = run_update.as_object_mut() {
            object.remove("$schema");
            object.insert(
                "description".into(),
                json!("The data of a run lifecycle message."),
            );
        }
        let hoisted = hoist_defs(
            &mut run_update,
            "#/components/schemas/",
            &format!("{RUN_UPDATE_SCHEMA}."),
        );
        to_draft07(&mut run_update);
        for (def_name, mut def) in hoisted {
            to_draft07(&mut def);
            schemas.insert(def_name, def);
        }
        schemas.insert(RUN_UPDATE_SCHEMA.to_owned(), run_update);
    }

    let (ws, http) = if options.secure {
        ("wss", "https")
    } else {
        ("ws", "http")
    };
    let mut info = json!({ "title": options.title, "version": options.version });
    if let Some(text) = &options.description {
        info["description"] = json!(text);
    }
    json!({
        "asyncapi": "3.0.0",
        "info": info,
        "defaultContentType": "application/json",
        "servers": {
            "gateway": {
                "host": options.host,
                "protocol": ws,
                "pathname": "/v1/realtime/connect",
                "description": "Subscribe over WebSocket with a subscription token (`?token=<jwt>`); Server-Sent Events are served at /v1/realtime/sse with the same token.",
                "security": [{ "$ref": "#/components/securitySchemes/token" }],
            },
            "publish": {
                "host": options.host,
                "protocol": http,
                "pathname": "/v1/realtime/publish",
                "description": "Publish with POST /v1/realtime/publish?channel=<name>&topic=<topic>, the payload as the JSON body.",
                "security": [
                    { "$ref": "#/components/securitySchemes/signingKey" },
                    { "$ref": "#/components/securitySchemes/token" },
                ],
            },
        },
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": messages,
            "schemas": schemas,
            "securitySchemes": {
                "token": {
                    "type": "httpApiKey",
                    "name": "token",
                    "in": "query",
                    "description": "A subscription token (JWT) scoped to one channel and some of its topics, minted by POST /v1/realtime/token.",
                },
                "signingKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The gateway's signing key, as a bearer token: publishes, and mints tokens at POST /v1/realtime/token.",
                },
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_items_become_items() {
        let mut schema = json!({
            "type": "array",
            "prefixItems": [{ "type": "integer" }, { "type": "string" }],
            "items": false,
            "properties": { "x": { "$schema": "drop", "prefixItems": [] } },
        });
        to_draft07(&mut schema);
        assert_eq!(
            schema,
            json!({
                "type": "array",
                "items": [{ "type": "integer" }, { "type": "string" }],
                "additionalItems": false,
                "properties": { "x": { "items": [] } },
            })
        );
    }

    #[test]
    fn addresses_use_braces() {
        assert_eq!(address("pipeline:<run_id>"), "pipeline:{run_id}");
        assert_eq!(address("logs"), "logs");
    }
}
