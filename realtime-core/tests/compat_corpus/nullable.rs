//! `null` accepted or not: `Option`, in both of the forms schemars writes.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

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

/// The pairs of this file.
pub fn cases() -> Vec<crate::Case> {
    vec![
        field_became_nullable::case(),
        field_no_longer_nullable::case(),
        struct_field_no_longer_nullable::case(),
        nullable_struct_field_unchanged_type_renamed::case(),
    ]
}
