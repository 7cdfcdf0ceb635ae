//! The rules for objects: `properties`, `required` and `additionalProperties` (the fields
//! of a struct, and the values of a map).

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::schema_diff::{child, SchemaDiff};
use super::{Compatibility, Rule};

/// What an object accepts beyond its declared properties.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Additional<'a> {
    /// Anything (`additionalProperties` absent or `true`): serde ignores unknown fields.
    Any,
    /// Nothing (`false`, serde's `deny_unknown_fields`).
    Nothing,
    /// Values of a schema (a map's values).
    Schema(&'a Value),
}

fn additional(schema: &Map<String, Value>) -> Additional<'_> {
    match schema.get("additionalProperties") {
        None | Some(Value::Bool(true)) => Additional::Any,
        Some(Value::Bool(false)) => Additional::Nothing,
        Some(other) if other.as_object().is_some_and(Map::is_empty) => Additional::Any,
        Some(other) => Additional::Schema(other),
    }
}

fn properties(schema: &Map<String, Value>) -> Map<String, Value> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

fn required(schema: &Map<String, Value>) -> BTreeSet<String> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

impl SchemaDiff<'_> {
    /// Compares the declared properties: each one in both, added, removed, or required
    /// differently.
    pub(crate) fn compare_properties(
        &mut self,
        old: &Map<String, Value>,
        new: &Map<String, Value>,
        pointer: &str,
    ) {
        let (old_props, new_props) = (properties(old), properties(new));
        let (old_req, new_req) = (required(old), required(new));
        // Required names without a declared property count too: they still must be present.
        let names: BTreeSet<&String> = old_props
            .keys()
            .chain(new_props.keys())
            .chain(old_req.iter())
            .chain(new_req.iter())
            .collect();
        for name in names {
            let at = child(&child(pointer, "properties"), name);
            match (old_props.get(name), new_props.get(name)) {
                (Some(o), Some(n)) => {
                    self.compare(o, n, &at);
                    self.compare_required(name, old_req.contains(name), new_req.contains(name), &at);
                }
                (Some(_), None) => self.field_removed(name, old_req.contains(name), additional(new), &at),
                (None, Some(_)) => self.field_added(name, new_req.contains(name), additional(old), &at),
                (None, None) => {
                    self.compare_required(name, old_req.contains(name), new_req.contains(name), &at)
                }
            }
        }
    }

    fn compare_required(&mut self, name: &str, was: bool, is: bool, pointer: &str) {
        match (was, is) {
            (false, true) => self.report(
                pointer,
                Rule::RequiredChanged,
                Compatibility::BreaksPublishers,
                format!("the field `{name}` became required; old publishers may leave it out"),
            ),
            (true, false) => self.report(
                pointer,
                Rule::RequiredChanged,
                Compatibility::BreaksSubscribers,
                format!("the field `{name}` became optional; old subscribers require it"),
            ),
            _ => {}
        }
    }

    fn field_removed(
        &mut self,
        name: &str,
        was_required: bool,
        new_additional: Additional<'_>,
        pointer: &str,
    ) {
        let publishers = new_additional != Additional::Any;
        let mut why = Vec::new();
        if was_required {
            why.push("old subscribers require it");
        }
        if publishers {
            why.push("old publishers send it and the new schema refuses unknown fields or restricts them");
        }
        if why.is_empty() {
            why.push("it was optional and unknown fields are accepted");
        }
        self.report(
            pointer,
            Rule::FieldRemoved,
            Compatibility::from_breaks(was_required, publishers),
            format!("the field `{name}` was removed; {}", why.join("; ")),
        );
    }

    fn field_added(&mut self, name: &str, is_required: bool, old_additional: Additional<'_>, pointer: &str) {
        let subscribers = old_additional != Additional::Any;
        let mut why = Vec::new();
        if is_required {
            why.push("it is required and old publishers leave it out");
        }
        if subscribers {
            why.push("the old schema refuses unknown fields or restricts them");
        }
        if why.is_empty() {
            why.push("it is optional and old subscribers ignore unknown fields");
        }
        let kind = if is_required { "required" } else { "optional" };
        self.report(
            pointer,
            Rule::FieldAdded,
            Compatibility::from_breaks(subscribers, is_required),
            format!("the {kind} field `{name}` was added; {}", why.join("; ")),
        );
    }

    /// Compares `additionalProperties`: closing an object breaks publishers, opening it
    /// breaks subscribers, and a map's value schemas are compared.
    pub(crate) fn compare_additional(
        &mut self,
        old: &Map<String, Value>,
        new: &Map<String, Value>,
        pointer: &str,
    ) {
        let at = child(pointer, "additionalProperties");
        match (additional(old), additional(new)) {
            (Additional::Schema(o), Additional::Schema(n)) => self.compare(o, n, &at),
            (o, n) if o == n => {}
            (Additional::Any, _) | (Additional::Schema(_), Additional::Nothing) => self.report_tightening(
                &at,
                Rule::AdditionalPropertiesChanged,
                true,
                "what fields beyond the declared ones may be was restricted".into(),
            ),
            (Additional::Nothing, _) | (Additional::Schema(_), Additional::Any) => self.report_tightening(
                &at,
                Rule::AdditionalPropertiesChanged,
                false,
                "what fields beyond the declared ones may be was opened".into(),
            ),
        }
    }
}
