//! Fields: added, removed, renamed, required or optional.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

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

/// The pairs of this file.
pub fn cases() -> Vec<crate::Case> {
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
    ]
}
