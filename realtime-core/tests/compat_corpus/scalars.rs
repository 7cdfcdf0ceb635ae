//! Scalar types widened, narrowed or replaced, and enums of values.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

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

/// The pairs of this file.
pub fn cases() -> Vec<crate::Case> {
    vec![
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
    ]
}
