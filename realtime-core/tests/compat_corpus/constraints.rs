//! Constraints tightened or loosened: bounds, lengths, patterns, unknown fields.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

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

/// The pairs of this file.
pub fn cases() -> Vec<crate::Case> {
    vec![
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
    ]
}
