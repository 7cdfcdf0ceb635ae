//! Arrays (`items`) and maps (`additionalProperties` schemas).

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

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

case!(
    tuple_position_widened,
    BreaksSubscribers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            at: (String, u8),
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            at: (String, u16),
        }
    }
);
case!(
    tuple_position_struct_renamed,
    Safe,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Point {
            x: f64,
        }
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            at: (String, Point),
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Spot {
            x: f64,
        }
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            at: (String, Spot),
        }
    }
);
case!(
    tuple_lengthened,
    BreaksBoth,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            at: (f64, f64),
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            at: (f64, f64, f64),
        }
    }
);

/// The pairs of this file.
pub fn cases() -> Vec<crate::Case> {
    vec![
        array_items_widened::case(),
        array_items_narrowed::case(),
        array_to_scalar::case(),
        array_items_made_unique::case(),
        map_values_widened::case(),
        map_values_narrowed::case(),
        map_of_structs_field_added::case(),
        tuple_position_widened::case(),
        tuple_position_struct_renamed::case(),
        tuple_lengthened::case(),
    ]
}
