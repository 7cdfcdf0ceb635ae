//! Tagged enums (`oneOf`) and their variants: internal, adjacent, external, untagged.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

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

/// The pairs of this file.
pub fn cases() -> Vec<crate::Case> {
    vec![
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
    ]
}
