//! JSON Schema per topic: generation with schemars, validation with jsonschema.
//!
//! Each topic's schema is generated and compiled into a validator the first time it is
//! needed, then kept for the life of the process (see [`TopicSpec`](crate::TopicSpec)).

use std::fmt;

use schemars::{generate::SchemaSettings, JsonSchema};
use serde_json::Value;

/// The most violations collected for one message; more are summarized by this count.
const MAX_VIOLATIONS: usize = 16;

/// The JSON Schema (2020-12) of a payload type, as a JSON value.
///
/// ```
/// #[derive(schemars::JsonSchema)]
/// struct Status { message: String }
/// let schema = realtime_core::__schema_for::<Status>();
/// assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
/// assert_eq!(schema["properties"]["message"]["type"], "string");
/// ```
#[doc(hidden)]
pub fn schema_for<T: JsonSchema>() -> Value {
    SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value()
}

/// One way in which a message breaks its topic's schema.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Violation {
    /// A JSON Pointer to the offending part of the data (`""` for the whole of it).
    pub instance_path: String,
    /// What is wrong there.
    pub message: String,
}

/// A message whose data breaks its topic's JSON Schema.
///
/// Lists each violation with its instance path, e.g. `/percent: 150 is greater than the
/// maximum of 100`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, thiserror::Error)]
pub struct SchemaViolation {
    /// The topic's wire name.
    pub topic: String,
    /// The violations found (at most 16 are listed).
    pub violations: Vec<Violation>,
}

impl fmt::Display for SchemaViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "data for topic `{}` breaks its schema", self.topic)?;
        for (i, v) in self.violations.iter().enumerate() {
            let sep = if i == 0 { ": " } else { "; " };
            let path = if v.instance_path.is_empty() {
                "(root)"
            } else {
                &v.instance_path
            };
            write!(f, "{sep}at {path}: {}", v.message)?;
        }
        Ok(())
    }
}

/// A topic's schema and its validator, compiled once.
pub(crate) struct CompiledSchema {
    pub(crate) schema: Value,
    validator: Result<jsonschema::Validator, String>,
}

impl CompiledSchema {
    pub(crate) fn compile(mut schema: Value, description: Option<&str>) -> Self {
        if let (Some(text), Some(object)) = (description, schema.as_object_mut()) {
            object.insert("description".into(), Value::String(text.to_owned()));
        }
        let validator = jsonschema::validator_for(&schema).map_err(|e| e.to_string());
        CompiledSchema { schema, validator }
    }

    pub(crate) fn check(&self, topic: &str, data: &Value) -> Result<(), SchemaViolation> {
        let validator = match &self.validator {
            Ok(validator) => validator,
            Err(reason) => {
                return Err(SchemaViolation {
                    topic: topic.to_owned(),
                    violations: vec![Violation {
                        instance_path: String::new(),
                        message: format!("the topic's schema does not compile: {reason}"),
                    }],
                })
            }
        };
        if validator.is_valid(data) {
            return Ok(());
        }
        let mut violations = Vec::new();
        let mut extra = 0usize;
        for error in validator.iter_errors(data) {
            if violations.len() < MAX_VIOLATIONS {
                violations.push(Violation {
                    instance_path: error.instance_path().as_str().to_owned(),
                    message: error.to_string(),
                });
            } else {
                extra += 1;
            }
        }
        if extra > 0 {
            violations.push(Violation {
                instance_path: String::new(),
                message: format!("and {extra} more violations"),
            });
        }
        Err(SchemaViolation {
            topic: topic.to_owned(),
            violations,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_path_and_reason() {
        let compiled = CompiledSchema::compile(
            json!({"type": "object", "properties": {"p": {"type": "integer", "maximum": 100}}}),
            Some("progress"),
        );
        assert_eq!(compiled.schema["description"], "progress");
        let err = compiled.check("t", &json!({"p": 150})).unwrap_err();
        assert_eq!(err.violations.len(), 1);
        assert_eq!(err.violations[0].instance_path, "/p");
        assert!(err.violations[0].message.contains("maximum"), "{err}");
        assert!(err.to_string().contains("at /p"), "{err}");
    }

    #[test]
    fn caps_the_number_of_violations() {
        let compiled = CompiledSchema::compile(json!({"type": "array", "items": {"type": "string"}}), None);
        let err = compiled
            .check("t", &json!((0..100).collect::<Vec<_>>()))
            .unwrap_err();
        assert_eq!(err.violations.len(), MAX_VIOLATIONS + 1);
        assert!(err.violations.last().unwrap().message.contains("84 more"));
    }
}
