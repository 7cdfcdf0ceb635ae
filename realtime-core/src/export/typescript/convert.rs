//! JSON Schema, as schemars writes it, to TypeScript type expressions.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use serde_json::{Map, Value};

/// Converts JSON Schema (as schemars writes it) to TypeScript type expressions.
pub(super) struct Converter<'a> {
    pub(super) refs: &'a BTreeMap<String, String>,
}

impl Converter<'_> {
    /// The JSDoc comment of a schema's description (empty if none) and its type.
    pub(super) fn declaration_body(&self, schema: &Value) -> (String, String) {
        let doc = jsdoc(schema.get("description").and_then(Value::as_str), "");
        (doc, self.ty(schema, ""))
    }

    /// The type expression of `schema`, nested at `indent`.
    fn ty(&self, schema: &Value, indent: &str) -> String {
        let obj = match schema {
            Value::Bool(true) => return "unknown".into(),
            Value::Bool(false) => return "never".into(),
            Value::Object(obj) => obj,
            _ => return "unknown".into(),
        };
        if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
            return self.refs.get(r).cloned().unwrap_or_else(|| "unknown".into());
        }
        if let Some(c) = obj.get("const") {
            return literal(c);
        }
        if let Some(values) = obj.get("enum").and_then(Value::as_array) {
            return union(values.iter().map(literal).collect());
        }
        let mut parts = Vec::new();
        if let Some(t) = obj.get("type") {
            let types: Vec<&str> = match t {
                Value::String(s) => vec![s.as_str()],
                Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            parts.push(union(
                types.into_iter().map(|t| self.of_type(t, obj, indent)).collect(),
            ));
        } else if obj.contains_key("properties") {
            parts.push(self.object(obj, indent));
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(variants) = obj.get(key).and_then(Value::as_array) {
                parts.push(union(variants.iter().map(|v| self.ty(v, indent)).collect()));
            }
        }
        if let Some(all) = obj.get("allOf").and_then(Value::as_array) {
            parts.extend(all.iter().map(|v| self.ty(v, indent)));
        }
        match parts.len() {
            0 => "unknown".into(),
            1 => parts.remove(0),
            _ => parts.iter().map(|p| wrap(p)).collect::<Vec<_>>().join(" & "),
        }
    }

    fn of_type(&self, t: &str, obj: &Map<String, Value>, indent: &str) -> String {
        match t {
            "string" => "string".into(),
            "number" | "integer" => "number".into(),
            "boolean" => "boolean".into(),
            "null" => "null".into(),
            "array" => {
                if let Some(prefix) = obj.get("prefixItems").and_then(Value::as_array) {
                    let items: Vec<String> = prefix.iter().map(|v| self.ty(v, indent)).collect();
                    return format!("[{}]", items.join(", "));
                }
                let item = obj.get("items").map_or("unknown".into(), |i| self.ty(i, indent));
                if is_simple(&item) {
                    format!("{item}[]")
                } else {
                    format!("Array<{item}>")
                }
            }
            "object" => self.object(obj, indent),
            _ => "unknown".into(),
        }
    }

    fn object(&self, obj: &Map<String, Value>, indent: &str) -> String {
        let empty = Map::new();
        let props = obj.get("properties").and_then(Value::as_object).unwrap_or(&empty);
        let required: BTreeSet<&str> = obj
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let inner = format!("{indent}  ");
        let mut lines = String::new();
        let sorted: BTreeMap<&String, &Value> = props.iter().collect();
        for (name, schema) in sorted {
            let doc = jsdoc(schema.get("description").and_then(Value::as_str), &inner);
            let optional = if required.contains(name.as_str()) { "" } else { "?" };
            let ty = self.ty(schema, &inner);
            let _ = writeln!(lines, "{doc}{inner}{}{optional}: {ty};", property_key(name));
        }
        let extra = match obj.get("additionalProperties") {
            Some(Value::Bool(false)) => None,
            Some(schema @ Value::Object(_)) => Some(self.ty(schema, &inner)),
            _ if props.is_empty() => Some("unknown".into()),
            _ => None,
        };
        if let Some(extra) = extra {
            // An index signature must admit every declared property's type too.
            let ty = if props.is_empty() { extra } else { "unknown".into() };
            let _ = writeln!(lines, "{inner}[key: string]: {ty};");
        }
        format!("{{\n{lines}{indent}}}")
    }
}

/// A JSON value as a TypeScript literal type (`unknown` for arrays and objects).
fn literal(v: &Value) -> String {
    match v {
        Value::Object(_) | Value::Array(_) => "unknown".into(),
        other => other.to_string(),
    }
}

/// `a | b | c`, without duplicates, in first-seen order.
fn union(members: Vec<String>) -> String {
    let mut seen = BTreeSet::new();
    let kept: Vec<String> = members.into_iter().filter(|m| seen.insert(m.clone())).collect();
    match kept.len() {
        0 => "never".into(),
        _ => kept.join(" | "),
    }
}

/// Whether a type expression is a single name or keyword (no parentheses needed).
fn is_simple(ty: &str) -> bool {
    is_ident(ty)
}

/// `ty` in parentheses when it is not a single name, for use inside an intersection.
fn wrap(ty: &str) -> String {
    if is_simple(ty) || (ty.starts_with('{') && ty.ends_with('}') && !ty.contains(" | ")) {
        ty.to_owned()
    } else {
        format!("({ty})")
    }
}

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// A property name, quoted unless it is an identifier.
pub(super) fn property_key(name: &str) -> String {
    if is_ident(name) {
        name.to_owned()
    } else {
        json_string(name)
    }
}

pub(super) fn json_string(s: &str) -> String {
    Value::String(s.to_owned()).to_string()
}

/// The text of a JSDoc comment: `description`, then for a deprecated topic the
/// `@deprecated` tag with its note (`""`: none), which editors and tsc-based tools show.
pub(super) fn with_deprecated(description: Option<&str>, deprecated: Option<&str>) -> Option<String> {
    let tag = deprecated.map(|note| format!("@deprecated {note}").trim_end().to_owned());
    match (description.map(str::trim).filter(|d| !d.is_empty()), tag) {
        (Some(text), Some(tag)) => Some(format!("{text}\n\n{tag}")),
        (Some(text), None) => Some(text.to_owned()),
        (None, tag) => tag,
    }
}

/// A `/** ... */` comment with a trailing line break, or nothing.
pub(super) fn jsdoc(description: Option<&str>, indent: &str) -> String {
    let Some(text) = description.map(str::trim).filter(|d| !d.is_empty()) else {
        return String::new();
    };
    let text = text.replace("*/", "*\\/");
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() == 1 {
        return format!("{indent}/** {text} */\n");
    }
    let mut out = format!("{indent}/**\n");
    for line in lines {
        let _ = writeln!(out, "{}", format!("{indent} * {line}").trim_end());
    }
    let _ = writeln!(out, "{indent} */");
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn convert(schema: Value) -> String {
        let refs = BTreeMap::from([("#/$defs/Step".to_owned(), "Step".to_owned())]);
        Converter { refs: &refs }.ty(&schema, "")
    }

    #[test]
    fn a_deprecated_member_has_the_tag_after_its_description() {
        let doc = |d, n| jsdoc(with_deprecated(d, n).as_deref(), "  ");
        assert_eq!(
            doc(None, Some("use `lines`")),
            "  /** @deprecated use `lines` */\n"
        );
        assert_eq!(doc(None, Some("")), "  /** @deprecated */\n");
        assert_eq!(
            doc(Some("Old."), Some("use `lines`")),
            "  /**\n   * Old.\n   *\n   * @deprecated use `lines`\n   */\n"
        );
        assert_eq!(doc(Some("Old."), None), "  /** Old. */\n");
        assert_eq!(doc(None, None), "");
    }

    #[test]
    fn scalars_nullables_and_literals() {
        assert_eq!(convert(json!({"type": "string"})), "string");
        assert_eq!(convert(json!({"type": "integer", "format": "uint8"})), "number");
        assert_eq!(convert(json!({"type": ["string", "null"]})), "string | null");
        assert_eq!(convert(json!({"enum": ["a", "b", 1]})), r#""a" | "b" | 1"#);
        assert_eq!(convert(json!({"const": "x"})), r#""x""#);
        assert_eq!(convert(json!(true)), "unknown");
        assert_eq!(convert(json!({})), "unknown");
    }

    #[test]
    fn arrays_tuples_and_refs() {
        assert_eq!(
            convert(json!({"type": "array", "items": {"type": "number"}})),
            "number[]"
        );
        assert_eq!(
            convert(json!({"type": "array", "items": {"type": ["string", "null"]}})),
            "Array<string | null>"
        );
        assert_eq!(
            convert(json!({"type": "array", "prefixItems": [{"type": "string"}, {"$ref": "#/$defs/Step"}]})),
            "[string, Step]"
        );
        assert_eq!(
            convert(json!({"anyOf": [{"$ref": "#/$defs/Step"}, {"type": "null"}]})),
            "Step | null"
        );
    }

    #[test]
    fn objects_with_required_optional_docs_and_maps() {
        let ty = convert(json!({
            "type": "object",
            "properties": {
                "message": {"type": "string", "description": "What happened."},
                "step": {"type": ["string", "null"]},
                "odd-key": {"type": "boolean"}
            },
            "required": ["message"]
        }));
        assert_eq!(
            ty,
            "{\n  /** What happened. */\n  message: string;\n  \"odd-key\"?: boolean;\n  step?: string | null;\n}"
        );
        assert_eq!(
            convert(json!({"type": "object", "additionalProperties": {"type": "integer"}})),
            "{\n  [key: string]: number;\n}"
        );
    }

    #[test]
    fn unions_and_intersections() {
        let tagged = convert(json!({"oneOf": [
            {"type": "object", "properties": {"kind": {"const": "a"}}, "required": ["kind"]},
            {"type": "object", "properties": {"kind": {"const": "b"}, "n": {"type": "number"}}, "required": ["kind", "n"]}
        ]}));
        assert_eq!(
            tagged,
            "{\n  kind: \"a\";\n} | {\n  kind: \"b\";\n  n: number;\n}"
        );
        assert_eq!(
            convert(json!({"allOf": [{"$ref": "#/$defs/Step"}, {"type": ["string", "null"]}]})),
            "Step & (string | null)"
        );
    }

    #[test]
    fn descriptions_become_jsdoc() {
        assert_eq!(jsdoc(Some("a */ b"), ""), "/** a *\\/ b */\n");
    }
}
