//! Schemas reduced to what they mean before comparing: `$ref` followed, `null` split off,
//! unions split into variants with the tag that tells them apart.

use serde_json::{Map, Value};

/// The most `$ref`s followed in a row before giving up (a `$ref` to a `$ref` ...).
const MAX_REF_CHAIN: usize = 32;

/// Keywords that say nothing about which instances are valid.
pub(crate) fn is_annotation(keyword: &str) -> bool {
    keyword.starts_with("x-")
        || matches!(
            keyword,
            "title"
                | "description"
                | "default"
                | "examples"
                | "deprecated"
                | "readOnly"
                | "writeOnly"
                | "$comment"
                | "$schema"
                | "$id"
                | "$anchor"
                | "$defs"
                | "definitions"
                | "contentMediaType"
                | "contentEncoding"
        )
}

/// A schema as compared: whether it accepts `null`, the rest of it, and the `$ref` it was
/// reached through (to stop at recursive types).
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub(crate) nullable: bool,
    /// An object schema, or `false` (accepts nothing but, perhaps, `null`).
    pub(crate) schema: Value,
    pub(crate) via_ref: Option<String>,
}

/// Why a schema cannot be read.
pub(crate) type Unreadable = String;

/// `node` with its `$ref`s followed and its `null` split off.
pub(crate) fn normalize(root: &Value, node: &Value) -> Result<Node, Unreadable> {
    let (schema, first_ref) = follow_refs(root, node)?;
    let (mut nullable, schema) = split_null(schema);
    let (schema, via_ref) = if schema.get("$ref").is_some() {
        let (schema, again) = follow_refs(root, &schema)?;
        let (more_null, schema) = split_null(schema);
        nullable |= more_null;
        (schema, again.or(first_ref))
    } else {
        (schema, first_ref)
    };
    let schema = match schema {
        Value::Bool(true) => Value::Object(Map::new()),
        other => other,
    };
    Ok(Node {
        nullable,
        schema,
        via_ref,
    })
}

/// The schema a local `$ref` (`#/$defs/Name`, or any `#/...` pointer) points to.
fn lookup<'a>(root: &'a Value, reference: &str) -> Result<&'a Value, Unreadable> {
    let pointer = reference
        .strip_prefix('#')
        .ok_or_else(|| format!("the `$ref` `{reference}` points outside the document"))?;
    root.pointer(pointer)
        .ok_or_else(|| format!("the `$ref` `{reference}` points to nothing"))
}

/// `node` with its `$ref` (and the `$ref`s of what it points to) replaced by the target;
/// keywords beside a `$ref` are laid over the target when the target does not have them.
/// Also the last `$ref` followed.
fn follow_refs(root: &Value, node: &Value) -> Result<(Value, Option<String>), Unreadable> {
    let mut current = node.clone();
    let mut last = None;
    for _ in 0..MAX_REF_CHAIN {
        let Some(reference) = current.get("$ref").and_then(Value::as_str).map(str::to_owned) else {
            return Ok((current, last));
        };
        let mut target = lookup(root, &reference)?.clone();
        if let (Value::Object(siblings), Value::Object(into)) = (&current, &mut target) {
            for (key, value) in siblings {
                if key == "$ref" || is_annotation(key) {
                    continue;
                }
                if into.contains_key(key) {
                    return Err(format!(
                        "the keyword `{key}` beside `$ref` `{reference}` is also in its target"
                    ));
                }
                into.insert(key.clone(), value.clone());
            }
        }
        last = Some(reference);
        current = target;
    }
    Err(format!("more than {MAX_REF_CHAIN} `$ref`s in a row"))
}

fn is_null_only(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("null")
        || schema.get("const") == Some(&Value::Null)
        || schema.get("enum").and_then(Value::as_array) == Some(&vec![Value::Null])
}

/// Whether `schema` accepts `null`, and `schema` without it: `"null"` out of `type`, `null`
/// out of `enum`, null-only branches out of `anyOf`/`oneOf` (a union left with one branch
/// becomes that branch).
pub(crate) fn split_null(schema: Value) -> (bool, Value) {
    let Value::Object(mut map) = schema else {
        return (false, schema);
    };
    if is_null_only(&Value::Object(map.clone())) {
        return (true, Value::Bool(false));
    }
    let mut nullable = false;
    if let Some(Value::Array(types)) = map.get_mut("type") {
        let before = types.len();
        types.retain(|t| t != "null");
        nullable |= types.len() != before;
        if let [only] = types.as_slice() {
            let only = only.clone();
            map.insert("type".into(), only);
        }
    }
    if let Some(Value::Array(values)) = map.get_mut("enum") {
        let before = values.len();
        values.retain(|v| !v.is_null());
        nullable |= values.len() != before;
    }
    for keyword in ["anyOf", "oneOf"] {
        let Some(Value::Array(branches)) = map.get_mut(keyword) else {
            continue;
        };
        let before = branches.len();
        branches.retain(|b| !is_null_only(b));
        if branches.len() == before {
            continue;
        }
        nullable = true;
        if let [only] = branches.as_slice() {
            let only = only.clone();
            map.remove(keyword);
            return (nullable, lay_over(only, &map));
        }
    }
    (nullable, Value::Object(map))
}

/// `branch` with the keywords of `rest` it does not have itself.
pub(crate) fn lay_over(branch: Value, rest: &Map<String, Value>) -> Value {
    match branch {
        Value::Object(mut map) => {
            for (key, value) in rest {
                if !map.contains_key(key) && !is_annotation(key) {
                    map.insert(key.clone(), value.clone());
                }
            }
            Value::Object(map)
        }
        Value::Bool(true) => lay_over(Value::Object(Map::new()), rest),
        other => other,
    }
}

/// The union keyword of `schema` (`oneOf` first, then `anyOf`), if it has one.
pub(crate) fn union_keyword(schema: &Value) -> Option<&'static str> {
    ["oneOf", "anyOf"]
        .into_iter()
        .find(|k| schema.get(*k).and_then(Value::as_array).is_some())
}

/// The variants of a schema: the branches of its union, each with the keywords beside the
/// union laid over it, and an `enum` of several values split into one `const` each (a
/// schema that is no union is one variant).
pub(crate) fn variants(schema: &Value) -> Vec<Value> {
    let branches = match (union_keyword(schema), schema.as_object()) {
        (Some(keyword), Some(map)) => {
            let mut rest = map.clone();
            let branches = match rest.remove(keyword) {
                Some(Value::Array(branches)) => branches,
                _ => Vec::new(),
            };
            branches.into_iter().map(|b| lay_over(b, &rest)).collect()
        }
        _ => vec![schema.clone()],
    };
    branches.into_iter().flat_map(split_enum).collect()
}

fn split_enum(branch: Value) -> Vec<Value> {
    let values = match branch.get("enum").and_then(Value::as_array) {
        Some(values) if values.len() > 1 => values.clone(),
        _ => return vec![branch],
    };
    values
        .into_iter()
        .map(|value| {
            let mut one = branch.clone();
            if let Some(map) = one.as_object_mut() {
                map.remove("enum");
                map.insert("const".into(), value);
            }
            one
        })
        .collect()
}

/// What tells a variant apart from the others, as text for messages: its `const` value,
/// a required property whose value is a `const` (an internal or adjacent tag), or its one
/// required property (serde's external tag). `None` for a variant with none of those.
pub(crate) fn variant_tag(root: &Value, variant: &Value) -> Option<String> {
    let resolved = follow_refs(root, variant).ok()?.0;
    if let Some(value) = resolved.get("const") {
        return Some(value.to_string());
    }
    if let Some(value) = resolved
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|v| v.first().filter(|_| v.len() == 1))
    {
        return Some(value.to_string());
    }
    let properties = resolved.get("properties")?.as_object()?;
    let required: Vec<&str> = resolved
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for name in &required {
        let property = properties.get(*name).and_then(|p| follow_refs(root, p).ok());
        if let Some(value) = property.as_ref().and_then(|(p, _)| p.get("const")) {
            return Some(format!("{name} = {value}"));
        }
    }
    // serde's external tag: an object closed to all but the one property naming the variant.
    let closed = resolved.get("additionalProperties") == Some(&Value::Bool(false));
    match required.as_slice() {
        [only] if closed && properties.len() == 1 && properties.contains_key(*only) => {
            Some(format!("{{{only}: ...}}"))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn null_is_split_off_types_enums_and_unions() {
        let (nullable, rest) = split_null(json!({"type": ["string", "null"]}));
        assert!(nullable);
        assert_eq!(rest, json!({"type": "string"}));
        let (nullable, rest) = split_null(json!({"anyOf": [{"$ref": "#/$defs/A"}, {"type": "null"}]}));
        assert!(nullable);
        assert_eq!(rest, json!({"$ref": "#/$defs/A"}));
        assert!(!split_null(json!({"type": "string"})).0);
    }

    #[test]
    fn refs_are_followed_and_tags_found() {
        let root = json!({"$defs": {"A": {"$ref": "#/$defs/B"}, "B": {"type": "object",
            "properties": {"kind": {"const": "b"}}, "required": ["kind"]}}});
        let node = normalize(&root, &json!({"$ref": "#/$defs/A"})).unwrap();
        assert_eq!(node.schema["type"], "object");
        assert_eq!(node.via_ref.as_deref(), Some("#/$defs/B"));
        assert_eq!(
            variant_tag(&root, &json!({"$ref": "#/$defs/A"})).as_deref(),
            Some("kind = \"b\"")
        );
        assert!(normalize(&root, &json!({"$ref": "#/$defs/Missing"})).is_err());
    }

    #[test]
    fn enums_split_into_one_variant_per_value() {
        let all = variants(&json!({"type": "string", "enum": ["a", "b"]}));
        assert_eq!(
            all,
            [
                json!({"type": "string", "const": "a"}),
                json!({"type": "string", "const": "b"})
            ]
        );
    }
}
