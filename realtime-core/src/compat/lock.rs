//! The lock file: the contract of every channel, as JSON, to compare later builds with.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::export::deprecation::without_deprecation_note;
use crate::export::json_schema::{channel_keys, param_json_type};
use crate::{ChannelDescriptor, ChannelRegistry};

/// The version of the lock format this crate writes and reads.
pub const LOCK_VERSION: u32 = 1;

/// The contract of every channel: what `realtime schema lock` writes to
/// `channels.lock.json` (see the [module documentation](super) for the format).
///
/// ```
/// use realtime_core::compat::{Lock, LOCK_VERSION};
/// use realtime_core::ChannelRegistry;
/// let lock = Lock::from_registry(&ChannelRegistry::new());
/// assert_eq!(lock.lock_version, LOCK_VERSION);
/// let text = lock.to_json();
/// assert!(text.starts_with("{\n  \"channels\": {},\n  \"lock_version\": 1\n}"));
/// assert_eq!(Lock::parse(&text).unwrap(), lock);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lock {
    /// Always [`LOCK_VERSION`].
    pub lock_version: u32,
    /// Each channel by its key: the Rust type's name (its path, `::` written `.`, when two
    /// types share a name), as in the JSON Schema export.
    pub channels: BTreeMap<String, ChannelContract>,
}

/// The contract of one channel.
///
/// ```
/// use realtime_core::compat::ChannelContract;
/// let contract: ChannelContract = serde_json::from_value(serde_json::json!({
///     "type": "app::Logs", "pattern": "logs", "parameters": [], "topics": {}
/// })).unwrap();
/// assert_eq!(contract.pattern, "logs");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelContract {
    /// The Rust type's path (informative: channels are matched by key).
    #[serde(rename = "type")]
    pub type_name: String,
    /// The name pattern, e.g. `pipeline:<run_id>`.
    pub pattern: String,
    /// The parameters, in the order of the pattern.
    pub parameters: Vec<ParameterContract>,
    /// Each topic by wire name.
    pub topics: BTreeMap<String, TopicContract>,
}

/// One parameter of a channel's name.
///
/// ```
/// use realtime_core::compat::ParameterContract;
/// let p = ParameterContract { name: "id".into(), json_type: "integer".into(), rust_type: "u64".into() };
/// assert_eq!(serde_json::to_value(&p).unwrap()["type"], "integer");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParameterContract {
    /// The parameter's name in the pattern.
    pub name: String,
    /// Its JSON type: `string`, `integer`, `number` or `boolean`.
    #[serde(rename = "type")]
    pub json_type: String,
    /// The Rust type as written (informative).
    pub rust_type: String,
}

/// One topic of a channel.
///
/// `deprecated` is omitted from the JSON when the topic is not deprecated, so a lock
/// written before deprecation existed reads unchanged.
///
/// ```
/// use realtime_core::compat::TopicContract;
/// let t = TopicContract { validated: true, deprecated: None, schema: serde_json::json!({"type": "object"}) };
/// let json = serde_json::to_value(&t).unwrap();
/// assert_eq!(json["validated"], true);
/// assert!(json.get("deprecated").is_none());
/// let old: TopicContract = serde_json::from_str(r#"{"validated": true, "schema": {}}"#).unwrap();
/// assert_eq!(old.deprecated, None);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicContract {
    /// Whether the gateway validates its data.
    pub validated: bool,
    /// The deprecation note of a topic declared `#[topic(deprecated = "...")]` (`""` for a
    /// bare `#[topic(deprecated)]`); `None` when it is not deprecated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<String>,
    /// The payload's JSON Schema (2020-12) as schemars generates it, without `$schema`,
    /// with its own `$defs` and `$ref`s kept.
    pub schema: Value,
}

/// A lock or export that cannot be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LockError {
    /// The text is not JSON, or not of the lock's shape.
    #[error("not a lock file: {0}")]
    Json(#[from] serde_json::Error),
    /// The lock has no `lock_version`.
    #[error("not a lock file: no `lock_version` field")]
    NoVersion,
    /// The lock is of a version this build does not read.
    #[error("lock_version {found} is not supported: this build reads lock_version {LOCK_VERSION}")]
    UnsupportedVersion {
        /// The version found.
        found: u64,
    },
    /// The document is neither a JSON Schema bundle nor a channel document of the export.
    #[error("not a JSON Schema export of `realtime schema`: {0}")]
    NotAnExport(String),
}

impl Lock {
    /// The contract of every channel of `registry`.
    ///
    /// ```
    /// use realtime_core::compat::Lock;
    /// use realtime_core::ChannelRegistry;
    /// assert!(Lock::from_registry(&ChannelRegistry::new()).channels.is_empty());
    /// ```
    pub fn from_registry(registry: &ChannelRegistry) -> Lock {
        let channels = channel_keys(registry)
            .into_iter()
            .zip(registry.iter())
            .map(|(key, channel)| (key, ChannelContract::of(channel)))
            .collect();
        Lock {
            lock_version: LOCK_VERSION,
            channels,
        }
    }

    /// Reads a lock file, refusing other versions than [`LOCK_VERSION`].
    ///
    /// ```
    /// use realtime_core::compat::{Lock, LockError};
    /// let err = Lock::parse(r#"{"lock_version": 2, "channels": {}}"#).unwrap_err();
    /// assert!(matches!(err, LockError::UnsupportedVersion { found: 2 }));
    /// ```
    pub fn parse(text: &str) -> Result<Lock, LockError> {
        let value: Value = serde_json::from_str(text)?;
        match value.get("lock_version").map(Value::as_u64) {
            None => Err(LockError::NoVersion),
            Some(Some(1)) => Ok(serde_json::from_value(value)?),
            Some(found) => Err(LockError::UnsupportedVersion {
                found: found.unwrap_or_default(),
            }),
        }
    }

    /// The lock as pretty JSON with sorted keys and a final newline: the same contract is
    /// always the same text, so a diff of two locks shows only what changed.
    ///
    /// ```
    /// use realtime_core::compat::Lock;
    /// use realtime_core::ChannelRegistry;
    /// assert!(Lock::from_registry(&ChannelRegistry::new()).to_json().ends_with("}\n"));
    /// ```
    pub fn to_json(&self) -> String {
        // A lock serializes to a `Value` (its keys are strings), which sorts every object.
        let value = sorted(serde_json::to_value(self).unwrap_or_default());
        let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The contract a JSON Schema export holds: the bundle (`channels.schema.json`) or one
    /// channel's document (`<Channel>.schema.json`) of `realtime schema --format
    /// jsonschema`.
    ///
    /// ```
    /// use realtime_core::compat::Lock;
    /// use realtime_core::export::json_schema::bundle;
    /// use realtime_core::ChannelRegistry;
    /// let registry = ChannelRegistry::discovered();
    /// let lock = Lock::from_export(&bundle(&registry)).unwrap();
    /// assert_eq!(lock.channels.len(), registry.len());
    /// assert!(Lock::from_export(&serde_json::json!({"type": "object"})).is_err());
    /// ```
    pub fn from_export(document: &Value) -> Result<Lock, LockError> {
        let mut channels = BTreeMap::new();
        if let Some(entries) = document.pointer("/x-realtime/channels").and_then(Value::as_array) {
            for entry in entries {
                let key = entry["name"]
                    .as_str()
                    .ok_or_else(|| not_export("a channel without a name"))?;
                let pointer = entry["schema"].as_str().unwrap_or_default();
                let doc = resolve_pointer(document, pointer)?;
                channels.insert(key.to_owned(), ChannelContract::from_export(document, doc)?);
            }
        } else if document.pointer("/x-realtime/pattern").is_some() {
            let key = document["title"].as_str().unwrap_or("channel");
            channels.insert(key.to_owned(), ChannelContract::from_export(document, document)?);
        } else {
            return Err(not_export("no `x-realtime` channels or pattern"));
        }
        Ok(Lock {
            lock_version: LOCK_VERSION,
            channels,
        })
    }
}

impl ChannelContract {
    /// The contract of one channel type.
    ///
    /// ```
    /// use realtime_core::compat::ChannelContract;
    /// use realtime_core::ChannelRegistry;
    /// for channel in ChannelRegistry::discovered().iter() {
    ///     assert_eq!(ChannelContract::of(channel).pattern, channel.pattern);
    /// }
    /// ```
    pub fn of(channel: &ChannelDescriptor) -> ChannelContract {
        let parameters = channel
            .params
            .iter()
            .zip(channel.param_types.iter().chain(std::iter::repeat(&"String")))
            .map(|(name, rust_type)| ParameterContract {
                name: (*name).to_owned(),
                json_type: param_json_type(rust_type).to_owned(),
                rust_type: (*rust_type).to_owned(),
            })
            .collect();
        let topics = channel
            .topics()
            .iter()
            .map(|topic| {
                let mut schema = topic.schema().clone();
                if let Some(object) = schema.as_object_mut() {
                    object.remove("$schema");
                }
                let contract = TopicContract {
                    validated: topic.validates(),
                    deprecated: topic.deprecated().map(str::to_owned),
                    schema: sorted(schema),
                };
                (topic.name().to_owned(), contract)
            })
            .collect();
        ChannelContract {
            type_name: channel.type_name.to_owned(),
            pattern: channel.pattern.to_owned(),
            parameters,
            topics,
        }
    }

    /// The contract in channel document `doc` of the export `root` (the bundle, or `doc`
    /// itself): each topic's payload with the `$defs` it reaches copied beside it.
    fn from_export(root: &Value, doc: &Value) -> Result<ChannelContract, LockError> {
        let meta = doc
            .get("x-realtime")
            .ok_or_else(|| not_export("a channel without `x-realtime`"))?;
        let parameters = serde_json::from_value::<Vec<ExportedParameter>>(meta["parameters"].clone())?
            .into_iter()
            .map(|p| ParameterContract {
                name: p.name,
                json_type: p.json_type,
                rust_type: p.rust_type,
            })
            .collect();
        let mut topics = BTreeMap::new();
        for topic in meta["topics"].as_array().map(Vec::as_slice).unwrap_or_default() {
            let name = topic["name"]
                .as_str()
                .ok_or_else(|| not_export("a topic without a name"))?;
            let mut schema = resolve_pointer(root, topic["payload"].as_str().unwrap_or_default())?.clone();
            let deprecated = topic["deprecated"].as_str().map(str::to_owned);
            if let Some(object) = schema.as_object_mut() {
                // The export marks a deprecated payload; the contract says so once, above.
                object.remove("deprecated");
                if let (Some(note), Some(Value::String(text))) = (&deprecated, object.get_mut("description"))
                {
                    *text = without_deprecation_note(text, note);
                }
                if object.get("description").is_some_and(|d| d == "") {
                    object.remove("description");
                }
            }
            let defs = reachable_defs(root, &schema);
            if let (Some(object), false) = (schema.as_object_mut(), defs.is_empty()) {
                object.insert("$defs".into(), Value::Object(defs));
            }
            let validated = topic["validated"].as_bool().unwrap_or(true);
            topics.insert(
                name.to_owned(),
                TopicContract {
                    validated,
                    deprecated,
                    schema: sorted(schema),
                },
            );
        }
        Ok(ChannelContract {
            type_name: meta["type"].as_str().unwrap_or_default().to_owned(),
            pattern: meta["pattern"]
                .as_str()
                .ok_or_else(|| not_export("a channel without a pattern"))?
                .to_owned(),
            parameters,
            topics,
        })
    }
}

/// A parameter as the JSON Schema export writes it.
#[derive(Deserialize)]
struct ExportedParameter {
    name: String,
    #[serde(rename = "type")]
    json_type: String,
    #[serde(rename = "rustType", default)]
    rust_type: String,
}

fn not_export(why: &str) -> LockError {
    LockError::NotAnExport(why.to_owned())
}

fn resolve_pointer<'a>(root: &'a Value, reference: &str) -> Result<&'a Value, LockError> {
    reference
        .strip_prefix('#')
        .and_then(|p| root.pointer(p))
        .ok_or_else(|| LockError::NotAnExport(format!("the pointer `{reference}` points to nothing")))
}

/// The definitions of `root.$defs` that `schema` reaches through `$ref`s, by name.
fn reachable_defs(root: &Value, schema: &Value) -> Map<String, Value> {
    let mut defs = Map::new();
    let mut pending = vec![schema.clone()];
    while let Some(next) = pending.pop() {
        for reference in refs_in(&next) {
            let Some(name) = reference.strip_prefix("#/$defs/") else {
                continue;
            };
            let name = name.replace("~1", "/").replace("~0", "~");
            if defs.contains_key(&name) {
                continue;
            }
            if let Some(def) = root.get("$defs").and_then(|d| d.get(&name)) {
                defs.insert(name, def.clone());
                pending.push(def.clone());
            }
        }
    }
    defs
}

fn refs_in(schema: &Value) -> Vec<String> {
    match schema {
        Value::Object(map) => map
            .iter()
            .flat_map(|(key, value)| match (key.as_str(), value) {
                ("$ref", Value::String(r)) => vec![r.clone()],
                _ => refs_in(value),
            })
            .collect(),
        Value::Array(items) => items.iter().flat_map(refs_in).collect(),
        _ => Vec::new(),
    }
}

/// `value` with every object's keys in order, whatever map `serde_json` was built with.
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let entries: BTreeMap<String, Value> = map.into_iter().map(|(k, v)| (k, sorted(v))).collect();
            Value::Object(entries.into_iter().collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}
