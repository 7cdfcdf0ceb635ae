//! Two payload schemas compared by meaning: both are walked together, `$ref`s followed,
//! and each difference becomes a [`Finding`] classified by the rules of the
//! [module documentation](super).

use std::collections::{BTreeSet, HashSet};

use serde_json::{Map, Value};

use super::resolve::{is_annotation, normalize, union_keyword, variant_tag, variants, Node};
use super::{Compatibility, Rule};

/// How deep the walk goes before classifying what is below as unknown.
const MAX_DEPTH: usize = 64;

/// One difference found in a payload schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finding {
    pub(crate) pointer: String,
    pub(crate) rule: Rule,
    pub(crate) class: Compatibility,
    pub(crate) message: String,
}

/// Every difference between the payload schemas `old` and `new` (each the root of its
/// `$ref`s), in the order found.
pub(crate) fn compare_schemas(old: &Value, new: &Value) -> Vec<Finding> {
    let mut diff = SchemaDiff {
        old_root: old,
        new_root: new,
        // The roots themselves: a recursive root type refers to itself as `#`.
        seen: HashSet::from([("#".to_owned(), "#".to_owned())]),
        findings: Vec::new(),
        depth: 0,
    };
    diff.compare(old, new, "");
    diff.findings
}

/// A JSON Pointer one step below `pointer`.
pub(crate) fn child(pointer: &str, token: &str) -> String {
    format!("{pointer}/{}", token.replace('~', "~0").replace('/', "~1"))
}

pub(crate) struct SchemaDiff<'a> {
    old_root: &'a Value,
    new_root: &'a Value,
    /// The pairs of `$ref`s being compared: met again, they are assumed the same
    /// (a recursive type compares equal to itself unless something else differs).
    seen: HashSet<(String, String)>,
    pub(crate) findings: Vec<Finding>,
    depth: usize,
}

impl SchemaDiff<'_> {
    pub(crate) fn report(&mut self, pointer: &str, rule: Rule, class: Compatibility, message: String) {
        self.findings.push(Finding {
            pointer: pointer.to_owned(),
            rule,
            class,
            message,
        });
    }

    pub(crate) fn unclassified(&mut self, pointer: &str, why: String) {
        self.report(
            pointer,
            Rule::Unclassified,
            Compatibility::BreaksBoth,
            format!("{why}; not classified with certainty, so counted as breaking both sides"),
        );
    }

    /// Compares the subschemas `old` and `new` found at `pointer`.
    pub(crate) fn compare(&mut self, old: &Value, new: &Value, pointer: &str) {
        if self.depth >= MAX_DEPTH {
            return self.unclassified(
                pointer,
                format!("the schemas nest deeper than {MAX_DEPTH} levels"),
            );
        }
        let (o, n) = match (normalize(self.old_root, old), normalize(self.new_root, new)) {
            (Ok(o), Ok(n)) => (o, n),
            (Err(why), _) => {
                return self.unclassified(pointer, format!("the old schema cannot be read: {why}"))
            }
            (_, Err(why)) => {
                return self.unclassified(pointer, format!("the new schema cannot be read: {why}"))
            }
        };
        if let (Some(a), Some(b)) = (&o.via_ref, &n.via_ref) {
            if !self.seen.insert((a.clone(), b.clone())) {
                return;
            }
        }
        self.depth += 1;
        self.compare_nodes(&o, &n, pointer);
        self.depth -= 1;
    }

    fn compare_nodes(&mut self, o: &Node, n: &Node, pointer: &str) {
        match (o.nullable, n.nullable) {
            (true, false) => self.report(
                pointer,
                Rule::NullableChanged,
                Compatibility::BreaksPublishers,
                "`null` is no longer accepted; old publishers may send it".into(),
            ),
            (false, true) => self.report(
                pointer,
                Rule::NullableChanged,
                Compatibility::BreaksSubscribers,
                "`null` is now accepted; old subscribers do not expect it".into(),
            ),
            _ => {}
        }
        match (&o.schema, &n.schema) {
            (Value::Bool(false), Value::Bool(false)) => {}
            (Value::Bool(false), _) => self.report(
                pointer,
                Rule::TypeChanged,
                Compatibility::BreaksSubscribers,
                "accepted no value (but perhaps `null`), now accepts some".into(),
            ),
            (_, Value::Bool(false)) => self.report(
                pointer,
                Rule::TypeChanged,
                Compatibility::BreaksPublishers,
                "accepts no value (but perhaps `null`) any more".into(),
            ),
            (old, new) if union_keyword(old).is_some() || union_keyword(new).is_some() => {
                self.compare_unions(old, new, pointer)
            }
            (Value::Object(old), Value::Object(new)) => self.compare_objects(old, new, pointer),
            (old, new) => self.unclassified(pointer, format!("the schema `{old}` became `{new}`")),
        }
    }

    /// Matches the variants of two unions by their tags (or, without tags, by position
    /// when their number is the same) and compares each pair.
    fn compare_unions(&mut self, old: &Value, new: &Value, pointer: &str) {
        let keyword = union_keyword(new).or(union_keyword(old)).unwrap_or("oneOf");
        let (old_variants, new_variants) = (variants(old), variants(new));
        let old_tags: Vec<Option<String>> = old_variants
            .iter()
            .map(|v| variant_tag(self.old_root, v))
            .collect();
        let new_tags: Vec<Option<String>> = new_variants
            .iter()
            .map(|v| variant_tag(self.new_root, v))
            .collect();
        let tagged = |tags: &[Option<String>]| {
            tags.iter().all(Option::is_some) && tags.iter().collect::<BTreeSet<_>>().len() == tags.len()
        };
        let at = |i: usize| child(&child(pointer, keyword), &i.to_string());
        if tagged(&old_tags) && tagged(&new_tags) {
            for (i, tag) in old_tags.iter().enumerate() {
                match new_tags.iter().position(|t| t == tag) {
                    Some(j) => self.compare(&old_variants[i], &new_variants[j], &at(j)),
                    None => self.report(
                        &child(&child(pointer, keyword), &i.to_string()),
                        Rule::VariantRemoved,
                        Compatibility::BreaksPublishers,
                        format!(
                            "the variant {} was removed; old publishers may send it",
                            show(tag)
                        ),
                    ),
                }
            }
            for (j, tag) in new_tags.iter().enumerate() {
                if !old_tags.contains(tag) {
                    self.report(
                        &at(j),
                        Rule::VariantAdded,
                        Compatibility::BreaksSubscribers,
                        format!(
                            "the variant {} was added; old subscribers cannot read it",
                            show(tag)
                        ),
                    );
                }
            }
        } else if old_variants.len() == new_variants.len() {
            for (i, (o, n)) in old_variants.iter().zip(&new_variants).enumerate() {
                self.compare(o, n, &at(i));
            }
        } else {
            self.unclassified(
                pointer,
                format!(
                    "a union without tags went from {} to {} variants, which cannot be matched",
                    old_variants.len(),
                    new_variants.len()
                ),
            );
        }
    }

    fn compare_objects(&mut self, old: &Map<String, Value>, new: &Map<String, Value>, pointer: &str) {
        if !self.compare_types(old, new, pointer) {
            return;
        }
        self.compare_values(old, new, pointer);
        self.compare_bounds(old, new, pointer);
        self.compare_constraints(old, new, pointer);
        self.compare_properties(old, new, pointer);
        self.compare_additional(old, new, pointer);
        self.compare_items(old, new, pointer);
        self.compare_prefix_items(old, new, pointer);
        self.compare_others(old, new, pointer);
    }

    /// Compares `items`: an absent `items` accepts any item.
    fn compare_items(&mut self, old: &Map<String, Value>, new: &Map<String, Value>, pointer: &str) {
        let at = child(pointer, "items");
        match (old.get("items"), new.get("items")) {
            (Some(o), Some(n)) => self.compare(o, n, &at),
            (None, Some(n)) if n != &Value::Bool(true) => self.report(
                &at,
                Rule::TypeChanged,
                Compatibility::BreaksPublishers,
                "items are now restricted by a schema; old publishers may send others".into(),
            ),
            (Some(o), None) if o != &Value::Bool(true) => self.report(
                &at,
                Rule::TypeChanged,
                Compatibility::BreaksSubscribers,
                "items are no longer restricted; old subscribers may not read them".into(),
            ),
            _ => {}
        }
    }

    /// Compares `prefixItems` (a tuple's positions) one position at a time; a tuple of
    /// another length is unclassified (its `minItems`/`maxItems` also say so).
    fn compare_prefix_items(&mut self, old: &Map<String, Value>, new: &Map<String, Value>, pointer: &str) {
        let at = child(pointer, "prefixItems");
        let positions = |s: &Map<String, Value>| s.get("prefixItems").and_then(Value::as_array).cloned();
        match (positions(old), positions(new)) {
            (None, None) => {}
            (Some(o), Some(n)) if o.len() == n.len() => {
                for (i, (o, n)) in o.iter().zip(&n).enumerate() {
                    self.compare(o, n, &child(&at, &i.to_string()));
                }
            }
            _ => self.unclassified(&at, "the tuple's positions changed in number".into()),
        }
    }

    /// Whether two lists of schemas (`allOf`) mean the same, position by position.
    fn same_schemas(&mut self, old: &Value, new: &Value, pointer: &str) -> bool {
        let (Some(o), Some(n)) = (old.as_array(), new.as_array()) else {
            return false;
        };
        if o.len() != n.len() {
            return false;
        }
        self.same_meaning(|diff| {
            for (i, (o, n)) in o.iter().zip(n).enumerate() {
                diff.compare(o, n, &child(pointer, &i.to_string()));
            }
        })
    }

    /// Whether `walk` finds no difference; what it finds is dropped, and the `$ref` pairs it
    /// meets are forgotten, so they are compared again (and reported) where met next.
    fn same_meaning(&mut self, walk: impl FnOnce(&mut Self)) -> bool {
        let (before, seen) = (self.findings.len(), self.seen.clone());
        walk(self);
        let same = self.findings.len() == before;
        self.findings.truncate(before);
        self.seen = seen;
        same
    }

    /// Keywords no rule covers: the same meaning is no change, anything else is
    /// unclassified.
    fn compare_others(&mut self, old: &Map<String, Value>, new: &Map<String, Value>, pointer: &str) {
        let keys: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
        for key in keys {
            if is_annotation(key) || HANDLED.contains(&key.as_str()) {
                continue;
            }
            let at = child(pointer, key);
            match (old.get(key), new.get(key)) {
                (Some(o), Some(n)) if o == n => {}
                (Some(o), Some(n)) if key == "allOf" => {
                    if !self.same_schemas(o, n, &at) {
                        self.unclassified(&at, "`allOf` changed".into());
                    }
                }
                (Some(o), Some(n)) if SUBSCHEMA.contains(&key.as_str()) => {
                    if !self.same_meaning(|diff| diff.compare(o, n, &at)) {
                        self.unclassified(&at, format!("`{key}` changed"));
                    }
                }
                (Some(_), Some(_)) => self.unclassified(&at, format!("`{key}` changed")),
                (Some(_), None) => self.unclassified(&at, format!("`{key}` was removed")),
                (None, _) => self.unclassified(&at, format!("`{key}` was added")),
            }
        }
    }
}

/// Keywords compared by a rule of their own.
const HANDLED: &[&str] = &[
    "type",
    "enum",
    "const",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "multipleOf",
    "pattern",
    "format",
    "uniqueItems",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "prefixItems",
];

/// Other keywords whose value is one schema.
const SUBSCHEMA: &[&str] = &[
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
    "contentSchema",
];

/// A variant's tag for a message.
fn show(tag: &Option<String>) -> String {
    tag.as_deref()
        .map_or_else(|| "(untagged)".to_owned(), |t| format!("`{t}`"))
}
