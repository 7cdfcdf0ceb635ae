//! The compatibility corpus: pairs of real payload types, before (`v1`) and after (`v2`)
//! a change, each with the class the comparison must give. The schemas are what schemars
//! derives, so the rules are checked against the shapes applications really produce.

use std::collections::{BTreeMap, BTreeSet};

use realtime_core::compat::{compare_payloads, Change, Compatibility};
use schemars::generate::SchemaSettings;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use Compatibility::Safe;

/// One pair of the corpus.
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
            pub fn case() -> super::Case {
                super::Case {
                    name: stringify!($name),
                    expected: super::Compatibility::$expected,
                    old: super::schema::<v1::Payload>(),
                    new: super::schema::<v2::Payload>(),
                }
            }
        }
    };
}

// Fields.
case!(
    optional_field_added,
    Safe,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            a: String,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            a: String,
            b: Option<String>,
        }
    }
);
case!(
    defaulted_field_added,
    Safe,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            a: String,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            a: String,
            #[serde(default)]
            b: u32,
        }
    }
);
case!(
    required_field_added,
    BreaksPublishers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            a: String,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            a: String,
            b: String,
        }
    }
);
case!(
    optional_field_removed,
    Safe,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            a: String,
            b: Option<String>,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            a: String,
        }
    }
);
case!(
    required_field_removed,
    BreaksSubscribers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            a: String,
            b: String,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            a: String,
        }
    }
);
case!(
    required_field_renamed,
    BreaksBoth,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            message: String,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            text: String,
        }
    }
);
case!(
    optional_field_renamed,
    Safe,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            note: Option<String>,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            comment: Option<String>,
        }
    }
);
case!(
    rust_field_renamed_wire_name_kept,
    Safe,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            message: String,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            #[serde(rename = "message")]
            text: String,
        }
    }
);
case!(
    field_became_optional,
    BreaksSubscribers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            a: u32,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            #[serde(default)]
            a: u32,
        }
    }
);
case!(
    field_became_required,
    BreaksPublishers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            #[serde(default)]
            a: u32,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            a: u32,
        }
    }
);
case!(
    doc_comments_changed,
    Safe,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            /// Old words.
            a: String,
        }
    },
    {
        /// A payload.
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            /// New words.
            a: String,
        }
    }
);

// Types widened, narrowed, replaced.
case!(
    integer_to_number,
    BreaksSubscribers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            n: u32,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            n: f64,
        }
    }
);
case!(
    number_to_integer,
    BreaksPublishers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            n: f64,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            n: i64,
        }
    }
);
case!(
    u8_to_u16,
    BreaksSubscribers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            n: u8,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            n: u16,
        }
    }
);
case!(
    u16_to_u8,
    BreaksPublishers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            n: u16,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            n: u8,
        }
    }
);
case!(
    i32_to_i64,
    BreaksSubscribers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            n: i32,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            n: i64,
        }
    }
);
case!(
    i32_to_u32,
    BreaksBoth,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            n: i32,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            n: u32,
        }
    }
);
case!(
    f32_to_f64,
    BreaksSubscribers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            n: f32,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            n: f64,
        }
    }
);
case!(
    bool_to_string,
    BreaksBoth,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            done: bool,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            done: String,
        }
    }
);
case!(
    newtype_inlined_to_string,
    Safe,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Id(String);
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            id: Id,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            id: String,
        }
    }
);

// Enums of values.
case!(
    string_to_enum,
    BreaksPublishers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            color: String,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub enum Color {
            Red,
            Green,
        }
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            color: Color,
        }
    }
);
case!(
    enum_to_string,
    BreaksSubscribers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub enum Color {
            Red,
            Green,
        }
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            color: Color,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            color: String,
        }
    }
);
case!(
    enum_value_added,
    BreaksSubscribers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub enum Color {
            Red,
            Green,
        }
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            color: Color,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub enum Color {
            Red,
            Green,
            Blue,
        }
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            color: Color,
        }
    }
);
case!(
    enum_value_removed,
    BreaksPublishers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub enum Color {
            Red,
            Green,
            Blue,
        }
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            color: Color,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub enum Color {
            Red,
            Green,
        }
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            color: Color,
        }
    }
);
case!(
    enum_value_renamed,
    BreaksBoth,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub enum Color {
            Red,
            Green,
        }
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            color: Color,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub enum Color {
            Red,
            Lime,
        }
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            color: Color,
        }
    }
);
case!(
    enum_type_renamed_same_values,
    Safe,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub enum Color {
            Red,
            Green,
        }
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            color: Color,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub enum Hue {
            Red,
            Green,
        }
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            color: Hue,
        }
    }
);

// Constraints.
case!(
    maximum_tightened,
    BreaksPublishers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            #[schemars(range(max = 100))]
            percent: u8,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            #[schemars(range(max = 50))]
            percent: u8,
        }
    }
);
case!(
    maximum_loosened,
    BreaksSubscribers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            #[schemars(range(max = 50))]
            percent: u8,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            #[schemars(range(max = 100))]
            percent: u8,
        }
    }
);
case!(
    minimum_added,
    BreaksPublishers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            delta: i32,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            #[schemars(range(min = -10))]
            delta: i32,
        }
    }
);
case!(
    min_length_added,
    BreaksPublishers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            name: String,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            #[schemars(length(min = 1))]
            name: String,
        }
    }
);
case!(
    max_length_loosened,
    BreaksSubscribers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            #[schemars(length(max = 80))]
            name: String,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            #[schemars(length(max = 200))]
            name: String,
        }
    }
);
case!(
    pattern_added,
    BreaksPublishers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            slug: String,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            #[schemars(pattern("^[a-z-]+$"))]
            slug: String,
        }
    }
);
case!(
    pattern_removed,
    BreaksSubscribers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            #[schemars(pattern("^[a-z-]+$"))]
            slug: String,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            slug: String,
        }
    }
);
case!(
    pattern_changed,
    BreaksBoth,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            #[schemars(pattern("^[a-z-]+$"))]
            slug: String,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            #[schemars(pattern("^[a-z0-9-]+$"))]
            slug: String,
        }
    }
);
case!(
    unknown_fields_denied,
    BreaksPublishers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            a: String,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub struct Payload {
            a: String,
        }
    }
);
case!(
    unknown_fields_allowed,
    BreaksSubscribers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub struct Payload {
            a: String,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            a: String,
        }
    }
);
case!(
    optional_field_added_to_closed_struct,
    BreaksSubscribers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub struct Payload {
            a: String,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub struct Payload {
            a: String,
            b: Option<u8>,
        }
    }
);
case!(
    optional_field_removed_from_closed_struct,
    BreaksPublishers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub struct Payload {
            a: String,
            b: Option<u8>,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub struct Payload {
            a: String,
        }
    }
);

// Null.
case!(
    field_became_nullable,
    BreaksSubscribers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            step: String,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            step: Option<String>,
        }
    }
);
case!(
    field_no_longer_nullable,
    BreaksPublishers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            step: Option<String>,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            step: String,
        }
    }
);
case!(
    struct_field_no_longer_nullable,
    BreaksPublishers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Step {
            name: String,
        }
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            step: Option<Step>,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Step {
            name: String,
        }
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            step: Step,
        }
    }
);
case!(
    nullable_struct_field_unchanged_type_renamed,
    Safe,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Step {
            name: String,
        }
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            step: Option<Step>,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Stage {
            name: String,
        }
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            step: Option<Stage>,
        }
    }
);

// Arrays and maps.
case!(
    array_items_widened,
    BreaksSubscribers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            xs: Vec<u8>,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            xs: Vec<u16>,
        }
    }
);
case!(
    array_items_narrowed,
    BreaksPublishers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            xs: Vec<f64>,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            xs: Vec<i64>,
        }
    }
);
case!(
    array_to_scalar,
    BreaksBoth,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            xs: Vec<u8>,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            xs: u8,
        }
    }
);
case!(
    array_items_made_unique,
    BreaksPublishers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            tags: Vec<String>,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            tags: BTreeSet<String>,
        }
    }
);
case!(
    map_values_widened,
    BreaksSubscribers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            counts: BTreeMap<String, u32>,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            counts: BTreeMap<String, f64>,
        }
    }
);
case!(
    map_values_narrowed,
    BreaksPublishers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            counts: BTreeMap<String, f64>,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            counts: BTreeMap<String, u32>,
        }
    }
);
case!(
    map_of_structs_field_added,
    BreaksPublishers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Cell {
            v: u8,
        }
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            cells: BTreeMap<String, Cell>,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Cell {
            v: u8,
            w: u8,
        }
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            cells: BTreeMap<String, Cell>,
        }
    }
);

// Tagged enums and their variants.
case!(
    internally_tagged_variant_added,
    BreaksSubscribers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        #[serde(tag = "type")]
        pub enum Payload {
            Started { at: u64 },
            Done { ok: bool },
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        #[serde(tag = "type")]
        pub enum Payload {
            Started { at: u64 },
            Done { ok: bool },
            Failed { error: String },
        }
    }
);
case!(
    internally_tagged_variant_removed,
    BreaksPublishers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        #[serde(tag = "type")]
        pub enum Payload {
            Started { at: u64 },
            Done { ok: bool },
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        #[serde(tag = "type")]
        pub enum Payload {
            Started { at: u64 },
        }
    }
);
case!(
    internally_tagged_variants_reordered,
    Safe,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        #[serde(tag = "type")]
        pub enum Payload {
            Started { at: u64 },
            Done { ok: bool },
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        #[serde(tag = "type")]
        pub enum Payload {
            Done { ok: bool },
            Started { at: u64 },
        }
    }
);
case!(
    internally_tagged_variant_gains_optional_field,
    Safe,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        #[serde(tag = "type")]
        pub enum Payload {
            Started { at: u64 },
            Done { ok: bool },
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        #[serde(tag = "type")]
        pub enum Payload {
            Started { at: u64 },
            Done { ok: bool, note: Option<String> },
        }
    }
);
case!(
    internally_tagged_variant_gains_required_field,
    BreaksPublishers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        #[serde(tag = "type")]
        pub enum Payload {
            Started { at: u64 },
            Done { ok: bool },
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        #[serde(tag = "type")]
        pub enum Payload {
            Started { at: u64 },
            Done { ok: bool, code: i32 },
        }
    }
);
case!(
    adjacently_tagged_variant_added,
    BreaksSubscribers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        #[serde(tag = "t", content = "c")]
        pub enum Payload {
            Text(String),
            Count(u32),
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        #[serde(tag = "t", content = "c")]
        pub enum Payload {
            Text(String),
            Count(u32),
            Flag(bool),
        }
    }
);
case!(
    externally_tagged_variant_added,
    BreaksSubscribers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub enum Payload {
            Text(String),
            Count(u32),
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub enum Payload {
            Text(String),
            Count(u32),
            Flag(bool),
        }
    }
);
case!(
    externally_tagged_variant_removed,
    BreaksPublishers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub enum Payload {
            Text(String),
            Count(u32),
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub enum Payload {
            Text(String),
        }
    }
);
case!(
    externally_tagged_variant_payload_widened,
    BreaksSubscribers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub enum Payload {
            Text(String),
            Count(u32),
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub enum Payload {
            Text(String),
            Count(u64),
        }
    }
);
case!(
    unit_enum_gains_data_variant,
    BreaksSubscribers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub enum Payload {
            Idle,
            Busy,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub enum Payload {
            Idle,
            Busy,
            Error(String),
        }
    }
);
case!(
    untagged_variant_added,
    BreaksBoth,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        #[serde(untagged)]
        pub enum Payload {
            Text(String),
            Count(u32),
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        #[serde(untagged)]
        pub enum Payload {
            Text(String),
            Count(u32),
            Flag(bool),
        }
    }
);
case!(
    struct_to_tagged_enum,
    BreaksBoth,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            message: String,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        #[serde(tag = "type")]
        pub enum Payload {
            Note { message: String },
            Alert { message: String },
        }
    }
);

// Recursive types and `$defs` restructured.
case!(
    recursive_type_renamed,
    Safe,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Node {
            name: String,
            children: Vec<Node>,
        }
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            root: Node,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct TreeNode {
            name: String,
            children: Vec<TreeNode>,
        }
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            root: TreeNode,
        }
    }
);
case!(
    recursive_type_gains_required_field,
    BreaksPublishers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Node {
            name: String,
            children: Vec<Node>,
        }
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            root: Node,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Node {
            name: String,
            size: u64,
            children: Vec<Node>,
        }
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            root: Node,
        }
    }
);
case!(
    recursive_root_unchanged,
    Safe,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            name: String,
            next: Option<Box<Payload>>,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            name: String,
            next: Option<Box<Payload>>,
        }
    }
);
case!(
    recursive_root_field_widened,
    BreaksSubscribers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            depth: u8,
            next: Option<Box<Payload>>,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            depth: u32,
            next: Option<Box<Payload>>,
        }
    }
);
case!(
    defs_restructured_inline,
    Safe,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Point {
            x: f64,
            y: f64,
        }
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            at: Point,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        #[schemars(inline)]
        pub struct Point {
            x: f64,
            y: f64,
        }
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            at: Point,
        }
    }
);
case!(
    defs_restructured_flatten,
    Safe,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            x: f64,
            y: f64,
            label: String,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Point {
            x: f64,
            y: f64,
        }
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            #[serde(flatten)]
            at: Point,
            label: String,
        }
    }
);

fn corpus() -> Vec<Case> {
    vec![
        optional_field_added::case(),
        defaulted_field_added::case(),
        required_field_added::case(),
        optional_field_removed::case(),
        required_field_removed::case(),
        required_field_renamed::case(),
        optional_field_renamed::case(),
        rust_field_renamed_wire_name_kept::case(),
        field_became_optional::case(),
        field_became_required::case(),
        doc_comments_changed::case(),
        integer_to_number::case(),
        number_to_integer::case(),
        u8_to_u16::case(),
        u16_to_u8::case(),
        i32_to_i64::case(),
        i32_to_u32::case(),
        f32_to_f64::case(),
        bool_to_string::case(),
        newtype_inlined_to_string::case(),
        string_to_enum::case(),
        enum_to_string::case(),
        enum_value_added::case(),
        enum_value_removed::case(),
        enum_value_renamed::case(),
        enum_type_renamed_same_values::case(),
        maximum_tightened::case(),
        maximum_loosened::case(),
        minimum_added::case(),
        min_length_added::case(),
        max_length_loosened::case(),
        pattern_added::case(),
        pattern_removed::case(),
        pattern_changed::case(),
        unknown_fields_denied::case(),
        unknown_fields_allowed::case(),
        optional_field_added_to_closed_struct::case(),
        optional_field_removed_from_closed_struct::case(),
        field_became_nullable::case(),
        field_no_longer_nullable::case(),
        struct_field_no_longer_nullable::case(),
        nullable_struct_field_unchanged_type_renamed::case(),
        array_items_widened::case(),
        array_items_narrowed::case(),
        array_to_scalar::case(),
        array_items_made_unique::case(),
        map_values_widened::case(),
        map_values_narrowed::case(),
        map_of_structs_field_added::case(),
        internally_tagged_variant_added::case(),
        internally_tagged_variant_removed::case(),
        internally_tagged_variants_reordered::case(),
        internally_tagged_variant_gains_optional_field::case(),
        internally_tagged_variant_gains_required_field::case(),
        adjacently_tagged_variant_added::case(),
        externally_tagged_variant_added::case(),
        externally_tagged_variant_removed::case(),
        externally_tagged_variant_payload_widened::case(),
        unit_enum_gains_data_variant::case(),
        untagged_variant_added::case(),
        struct_to_tagged_enum::case(),
        recursive_type_renamed::case(),
        recursive_type_gains_required_field::case(),
        recursive_root_unchanged::case(),
        recursive_root_field_widened::case(),
        defs_restructured_inline::case(),
        defs_restructured_flatten::case(),
    ]
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
