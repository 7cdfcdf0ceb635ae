//! One channel of the AsyncAPI document, from what the export needs to know of it: a
//! channel type of the registry, or a channel's contract in a lock.

use serde_json::{json, Map, Value};

use crate::compat::ChannelContract;
use crate::export::deprecation::mark_deprecated;
use crate::export::json_schema::{hoist_defs, param_json_type};
use crate::{ChannelDescriptor, RUN_TOPIC};

use super::{address, RUN_UPDATE_SCHEMA};

/// What the AsyncAPI document says of one channel.
pub(super) struct ChannelView<'a> {
    pub pattern: &'a str,
    pub type_name: &'a str,
    pub description: Option<&'a str>,
    pub parameters: Vec<ParameterView<'a>>,
    pub topics: Vec<TopicView<'a>>,
}

/// One parameter of a channel's name.
pub(super) struct ParameterView<'a> {
    pub name: &'a str,
    pub json_type: &'a str,
    pub rust_type: &'a str,
}

/// One topic of a channel.
pub(super) struct TopicView<'a> {
    pub name: &'a str,
    pub schema: &'a Value,
    pub description: Option<&'a str>,
    pub validates: bool,
    /// The deprecation note, when the topic is deprecated.
    pub deprecated: Option<&'a str>,
}

impl<'a> ChannelView<'a> {
    /// The view of a channel type.
    pub fn of_descriptor(channel: &'a ChannelDescriptor) -> Self {
        let parameters = channel
            .params
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let rust_type = channel.param_types.get(i).copied().unwrap_or("String");
                ParameterView {
                    name,
                    json_type: param_json_type(rust_type),
                    rust_type,
                }
            })
            .collect();
        let topics = channel
            .topics()
            .iter()
            .map(|topic| TopicView {
                name: topic.name(),
                schema: topic.schema(),
                description: topic.description(),
                validates: topic.validates(),
                deprecated: topic.deprecated(),
            })
            .collect();
        ChannelView {
            pattern: channel.pattern,
            type_name: channel.type_name,
            description: channel.description,
            parameters,
            topics,
        }
    }

    /// The view of a channel's contract: a lock holds no doc comments, so the document
    /// has no summaries or descriptions.
    pub fn of_contract(contract: &'a ChannelContract) -> Self {
        let parameters = contract
            .parameters
            .iter()
            .map(|p| ParameterView {
                name: &p.name,
                json_type: &p.json_type,
                rust_type: &p.rust_type,
            })
            .collect();
        let topics = contract
            .topics
            .iter()
            .map(|(name, topic)| TopicView {
                name,
                schema: &topic.schema,
                description: None,
                validates: topic.validated,
                deprecated: topic.deprecated.as_deref(),
            })
            .collect();
        ChannelView {
            pattern: &contract.pattern,
            type_name: &contract.type_name,
            description: None,
            parameters,
            topics,
        }
    }
}

/// Rewrites the 2020-12 keywords that draft-07 does not know into their draft-07 form.
pub(super) fn to_draft07(schema: &mut Value) {
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

/// The `channels.<key>` entry of `channel`, adding its messages and payload schemas to
/// `messages` and `schemas` (the document's components).
pub(super) fn channel_entry(
    key: &str,
    channel: &ChannelView<'_>,
    messages: &mut Map<String, Value>,
    schemas: &mut Map<String, Value>,
) -> Value {
    let mut topics: Vec<&TopicView<'_>> = channel.topics.iter().collect();
    topics.sort_by_key(|t| t.name);

    let mut channel_messages = Map::new();
    for topic in topics {
        let name = topic.name;
        let schema_key = format!("{key}.{name}");
        let mut schema = topic.schema.clone();
        if let Some(note) = topic.deprecated {
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
        if let Some(text) = topic.description {
            message["summary"] = json!(text.lines().next().unwrap_or(text));
            message["description"] = json!(text);
        }
        if !topic.validates {
            message["x-realtime-validated"] = json!(false);
        }
        if let Some(note) = topic.deprecated {
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
    for param in &channel.parameters {
        parameters.insert(
            param.name.to_owned(),
            json!({
                "description": format!(
                    "`{}`: a {} (Rust `{}`).",
                    param.name, param.json_type, param.rust_type
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
}
