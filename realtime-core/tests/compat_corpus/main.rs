//! The compatibility corpus: pairs of real payload types, before (`v1`) and after (`v2`)
//! a change, each with the class the comparison must give. The schemas are what schemars
//! derives, so the rules are checked against the shapes applications really produce.

use realtime_core::compat::{compare_payloads, Change, Compatibility};
use schemars::generate::SchemaSettings;
use schemars::JsonSchema;
use serde_json::Value;

use Compatibility::Safe;

/// One pair of the corpus.
#[derive(Clone)]
struct Case {
    name: &'static str,
    expected: Compatibility,
    old: Value,
    new: Value,
}

fn schema<T: JsonSchema>() -> Value {
    let mut schema = SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value();
    if let Some(object) = schema.as_object_mut() {
        object.remove("$schema");
    }
    schema
}

/// `case!(name, class, { old items }, { new items })`: a module `name` with `v1` and `v2`,
/// each declaring a `Payload`, and `name::case()`.
macro_rules! case {
    ($name:ident, $expected:ident, { $($old:item)* }, { $($new:item)* }) => {
        #[allow(dead_code)]
        mod $name {
            pub mod v1 {
                #[allow(unused_imports)]
                use super::super::*;
                $($old)*
            }
            pub mod v2 {
                #[allow(unused_imports)]
                use super::super::*;
                $($new)*
            }
            pub fn case() -> crate::Case {
                crate::Case {
                    name: stringify!($name),
                    expected: crate::Compatibility::$expected,
                    old: crate::schema::<v1::Payload>(),
                    new: crate::schema::<v2::Payload>(),
                }
            }
        }
    };
}

mod asyncapi_files;
mod collections;
mod constraints;
mod fields;
mod nullable;
mod recursion;
mod scalars;
mod unions;

fn corpus() -> Vec<Case> {
    [
        fields::cases(),
        scalars::cases(),
        constraints::cases(),
        nullable::cases(),
        collections::cases(),
        unions::cases(),
        recursion::cases(),
    ]
    .concat()
}

fn class_of(changes: &[Change]) -> Compatibility {
    changes.iter().fold(Safe, |acc, c| acc.join(c.class))
}

#[test]
fn every_pair_of_the_corpus_has_its_expected_class() {
    let corpus = corpus();
    assert!(corpus.len() >= 40, "the corpus has {} pairs", corpus.len());
    let mut wrong = Vec::new();
    for case in &corpus {
        let changes = compare_payloads("Corpus", case.name, &case.old, &case.new);
        let class = class_of(&changes);
        if class != case.expected {
            let lines: Vec<String> = changes.iter().map(|c| format!("    {c}")).collect();
            wrong.push(format!(
                "{}: expected {}, got {}\n{}\n    old: {}\n    new: {}",
                case.name,
                case.expected,
                class,
                lines.join("\n"),
                case.old,
                case.new
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} pairs misclassified:\n{}",
        wrong.len(),
        corpus.len(),
        wrong.join("\n")
    );
}

#[test]
fn every_change_of_the_corpus_says_where_and_why() {
    for case in corpus() {
        for change in compare_payloads("Corpus", case.name, &case.old, &case.new) {
            assert_eq!(change.topic.as_deref(), Some(case.name));
            assert!(
                change.pointer.is_empty() || change.pointer.starts_with('/'),
                "{change}"
            );
            assert!(change.message.len() > 10, "{change}");
        }
    }
}

#[test]
fn a_pair_compared_with_itself_is_unchanged() {
    for case in corpus() {
        for schema in [&case.old, &case.new] {
            let changes = compare_payloads("Corpus", case.name, schema, schema);
            assert!(changes.is_empty(), "{}: {changes:?}", case.name);
        }
    }
}
