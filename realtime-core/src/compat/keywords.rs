//! The rules for one schema's own keywords: `type`, `enum`/`const`, bounds (`maximum`,
//! `minLength`, ...) and constraints (`pattern`, `format`, `uniqueItems`).

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::schema_diff::{child, SchemaDiff};
use super::{Compatibility, Rule};

/// Bounds whose tightening is a larger value.
const LOWER_BOUNDS: &[&str] = &[
    "minimum",
    "exclusiveMinimum",
    "minLength",
    "minItems",
    "minProperties",
];
/// Bounds whose tightening is a smaller value.
const UPPER_BOUNDS: &[&str] = &[
    "maximum",
    "exclusiveMaximum",
    "maxLength",
    "maxItems",
    "maxProperties",
];

/// The JSON types of `type`, or `None` when any is accepted.
fn types(schema: &Map<String, Value>) -> Option<BTreeSet<String>> {
    match schema.get("type")? {
        Value::String(one) => Some(BTreeSet::from([one.clone()])),
        Value::Array(many) => Some(many.iter().filter_map(Value::as_str).map(str::to_owned).collect()),
        _ => None,
    }
}

/// Whether the types `set` accept every value of type `ty` (`number` covers `integer`).
fn covers(set: &BTreeSet<String>, ty: &str) -> bool {
    set.contains(ty) || (ty == "integer" && set.contains("number"))
}

/// The values of `enum` or `const`, if either restricts the schema.
fn values(schema: &Map<String, Value>) -> Option<Vec<Value>> {
    if let Some(one) = schema.get("const") {
        return Some(vec![one.clone()]);
    }
    schema.get("enum").and_then(Value::as_array).cloned()
}

fn list(types: &BTreeSet<String>) -> String {
    types
        .iter()
        .map(|t| format!("`{t}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn list_values(values: &[&Value]) -> String {
    values
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The values a numeric `format` holds, as a range: serde refuses others when it reads
/// them into the Rust type, whatever bounds the schema writes.
fn format_range(format: &str) -> Option<(f64, f64)> {
    let bits = |b: i32| 2f64.powi(b);
    Some(match format {
        "int8" => (-bits(7), bits(7) - 1.0),
        "int16" => (-bits(15), bits(15) - 1.0),
        "int32" => (-bits(31), bits(31) - 1.0),
        "int64" | "int" => (-bits(63), bits(63) - 1.0),
        "int128" => (-bits(127), bits(127) - 1.0),
        "uint8" => (0.0, bits(8) - 1.0),
        "uint16" => (0.0, bits(16) - 1.0),
        "uint32" => (0.0, bits(32) - 1.0),
        "uint64" | "uint" => (0.0, bits(64) - 1.0),
        "uint128" => (0.0, bits(128) - 1.0),
        "float" => (-f64::from(f32::MAX), f64::from(f32::MAX)),
        "double" => (f64::MIN, f64::MAX),
        _ => return None,
    })
}

impl SchemaDiff<'_> {
    /// Compares `type`; false when the types have nothing in common (then nothing else is
    /// worth comparing).
    pub(crate) fn compare_types(
        &mut self,
        old: &Map<String, Value>,
        new: &Map<String, Value>,
        pointer: &str,
    ) -> bool {
        let at = child(pointer, "type");
        match (types(old), types(new)) {
            (Some(o), Some(n)) => {
                let dropped: BTreeSet<String> = o.iter().filter(|t| !covers(&n, t)).cloned().collect();
                let added: BTreeSet<String> = n.iter().filter(|t| !covers(&o, t)).cloned().collect();
                let common = o.iter().any(|t| covers(&n, t)) || n.iter().any(|t| covers(&o, t));
                if !common {
                    self.report(
                        &at,
                        Rule::TypeChanged,
                        Compatibility::BreaksBoth,
                        format!("the type changed from {} to {}", list(&o), list(&n)),
                    );
                    return false;
                }
                if !added.is_empty() {
                    self.report(
                        &at,
                        Rule::TypeChanged,
                        Compatibility::BreaksSubscribers,
                        format!(
                            "the type was widened from {} to {}; old subscribers cannot read {}",
                            list(&o),
                            list(&n),
                            list(&added)
                        ),
                    );
                }
                if !dropped.is_empty() {
                    self.report(
                        &at,
                        Rule::TypeChanged,
                        Compatibility::BreaksPublishers,
                        format!(
                            "the type was narrowed from {} to {}; old publishers may send {}",
                            list(&o),
                            list(&n),
                            list(&dropped)
                        ),
                    );
                }
            }
            (None, Some(n)) if values(old).is_none() => self.report(
                &at,
                Rule::TypeChanged,
                Compatibility::BreaksPublishers,
                format!("any type was accepted, now only {}", list(&n)),
            ),
            (Some(o), None) if values(new).is_none() => self.report(
                &at,
                Rule::TypeChanged,
                Compatibility::BreaksSubscribers,
                format!("only {} was accepted, now any type is", list(&o)),
            ),
            _ => {}
        }
        true
    }

    /// Compares `enum` and `const`: values added break subscribers, values removed break
    /// publishers.
    pub(crate) fn compare_values(
        &mut self,
        old: &Map<String, Value>,
        new: &Map<String, Value>,
        pointer: &str,
    ) {
        let keyword = if new.contains_key("const") || old.contains_key("const") {
            "const"
        } else {
            "enum"
        };
        let at = child(pointer, keyword);
        match (values(old), values(new)) {
            (Some(o), Some(n)) => {
                let added: Vec<&Value> = n.iter().filter(|v| !o.contains(v)).collect();
                let removed: Vec<&Value> = o.iter().filter(|v| !n.contains(v)).collect();
                if !added.is_empty() {
                    self.report(
                        &at,
                        Rule::EnumChanged,
                        Compatibility::BreaksSubscribers,
                        format!(
                            "the value(s) {} were added; old subscribers cannot read them",
                            list_values(&added)
                        ),
                    );
                }
                if !removed.is_empty() {
                    self.report(
                        &at,
                        Rule::EnumChanged,
                        Compatibility::BreaksPublishers,
                        format!(
                            "the value(s) {} were removed; old publishers may send them",
                            list_values(&removed)
                        ),
                    );
                }
            }
            (None, Some(n)) => self.report(
                &at,
                Rule::EnumChanged,
                Compatibility::BreaksPublishers,
                format!(
                    "the values are now restricted to {}; old publishers may send others",
                    list_values(&n.iter().collect::<Vec<_>>())
                ),
            ),
            (Some(_), None) => self.report(
                &at,
                Rule::EnumChanged,
                Compatibility::BreaksSubscribers,
                "the values are no longer restricted to a list; old subscribers may not read others".into(),
            ),
            (None, None) => {}
        }
    }

    /// Compares numeric, length and count bounds, and `multipleOf`.
    pub(crate) fn compare_bounds(
        &mut self,
        old: &Map<String, Value>,
        new: &Map<String, Value>,
        pointer: &str,
    ) {
        for (keyword, lower) in LOWER_BOUNDS
            .iter()
            .map(|k| (*k, true))
            .chain(UPPER_BOUNDS.iter().map(|k| (*k, false)))
        {
            let at = child(pointer, keyword);
            let (o, n) = (
                old.get(keyword).and_then(Value::as_f64),
                new.get(keyword).and_then(Value::as_f64),
            );
            let (tighter, text) = match (o, n) {
                (Some(o), Some(n)) if o == n => continue,
                (Some(o), Some(n)) => (
                    if lower { n > o } else { n < o },
                    format!("`{keyword}` went from {o} to {n}"),
                ),
                (None, Some(n)) => (true, format!("`{keyword}` {n} was added")),
                (Some(o), None) => (false, format!("`{keyword}` {o} was removed")),
                (None, None) => continue,
            };
            self.report_tightening(&at, Rule::BoundChanged, tighter, text);
        }
        let at = child(pointer, "multipleOf");
        match (old.get("multipleOf"), new.get("multipleOf")) {
            (o, n) if o == n => {}
            (None, Some(_)) => {
                self.report_tightening(&at, Rule::BoundChanged, true, "`multipleOf` was added".into())
            }
            (Some(_), None) => {
                self.report_tightening(&at, Rule::BoundChanged, false, "`multipleOf` was removed".into())
            }
            _ => self.unclassified(&at, "`multipleOf` changed".into()),
        }
    }

    /// Reports a constraint that now refuses more (`tighter`: breaks publishers) or
    /// accepts more (breaks subscribers).
    pub(crate) fn report_tightening(&mut self, pointer: &str, rule: Rule, tighter: bool, text: String) {
        let (class, why) = if tighter {
            (
                Compatibility::BreaksPublishers,
                "tightened; old publishers may send what it refuses",
            )
        } else {
            (
                Compatibility::BreaksSubscribers,
                "loosened; old subscribers may not read what it now accepts",
            )
        };
        self.report(pointer, rule, class, format!("{text}: {why}"));
    }

    /// Compares `pattern`, `format` and `uniqueItems`.
    pub(crate) fn compare_constraints(
        &mut self,
        old: &Map<String, Value>,
        new: &Map<String, Value>,
        pointer: &str,
    ) {
        for keyword in ["pattern", "format"] {
            let at = child(pointer, keyword);
            match (old.get(keyword), new.get(keyword)) {
                (o, n) if o == n => {}
                (None, Some(n)) => self.report_tightening(
                    &at,
                    Rule::ConstraintChanged,
                    true,
                    format!("`{keyword}` {n} was added"),
                ),
                (Some(o), None) => self.report_tightening(
                    &at,
                    Rule::ConstraintChanged,
                    false,
                    format!("`{keyword}` {o} was removed"),
                ),
                (Some(o), Some(n)) => self.compare_changed_constraint(keyword, o, n, &at),
                (None, None) => {}
            }
        }
        let at = child(pointer, "uniqueItems");
        let unique = |s: &Map<String, Value>| s.get("uniqueItems") == Some(&Value::Bool(true));
        match (unique(old), unique(new)) {
            (false, true) => self.report_tightening(
                &at,
                Rule::ConstraintChanged,
                true,
                "items must now be unique".into(),
            ),
            (true, false) => self.report_tightening(
                &at,
                Rule::ConstraintChanged,
                false,
                "items need no longer be unique".into(),
            ),
            _ => {}
        }
    }

    fn compare_changed_constraint(&mut self, keyword: &str, old: &Value, new: &Value, pointer: &str) {
        let ranges = (
            old.as_str().and_then(format_range),
            new.as_str().and_then(format_range),
        );
        let (Some((old_min, old_max)), Some((new_min, new_max)), "format") = (ranges.0, ranges.1, keyword)
        else {
            return self.unclassified(
                pointer,
                format!("`{keyword}` changed from {old} to {new}, which cannot be compared"),
            );
        };
        let text = format!("`format` went from {old} to {new}");
        let wider = new_min < old_min || new_max > old_max;
        let narrower = new_min > old_min || new_max < old_max;
        if wider {
            self.report_tightening(
                pointer,
                Rule::ConstraintChanged,
                false,
                format!("{text}, which holds more values"),
            );
        }
        if narrower {
            self.report_tightening(
                pointer,
                Rule::ConstraintChanged,
                true,
                format!("{text}, which holds fewer values"),
            );
        }
    }
}
