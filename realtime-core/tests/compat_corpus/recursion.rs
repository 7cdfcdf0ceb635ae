//! Recursive types, and `$defs` restructured with the same meaning.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

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

case!(
    mutually_recursive_types_renamed,
    Safe,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Folder {
            name: String,
            files: Vec<File>,
        }
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct File {
            name: String,
            parent: Option<Box<Folder>>,
        }
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            root: Folder,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Dir {
            name: String,
            files: Vec<Entry>,
        }
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Entry {
            name: String,
            parent: Option<Box<Dir>>,
        }
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            root: Dir,
        }
    }
);
case!(
    mutually_recursive_type_loses_a_field,
    BreaksSubscribers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Folder {
            name: String,
            files: Vec<File>,
        }
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct File {
            name: String,
            size: u64,
            parent: Option<Box<Folder>>,
        }
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            root: Folder,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Folder {
            name: String,
            files: Vec<File>,
        }
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct File {
            name: String,
            parent: Option<Box<Folder>>,
        }
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            root: Folder,
        }
    }
);
case!(
    recursive_enum_variant_added,
    BreaksSubscribers,
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub enum Expr {
            Num(f64),
            Neg(Box<Expr>),
        }
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            expr: Expr,
        }
    },
    {
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub enum Expr {
            Num(f64),
            Neg(Box<Expr>),
            Add(Box<Expr>, Box<Expr>),
        }
        #[derive(Serialize, Deserialize, JsonSchema)]
        pub struct Payload {
            expr: Expr,
        }
    }
);

/// The pairs of this file.
pub fn cases() -> Vec<crate::Case> {
    vec![
        recursive_type_renamed::case(),
        recursive_type_gains_required_field::case(),
        recursive_root_unchanged::case(),
        recursive_root_field_widened::case(),
        defs_restructured_inline::case(),
        defs_restructured_flatten::case(),
        mutually_recursive_types_renamed::case(),
        mutually_recursive_type_loses_a_field::case(),
        recursive_enum_variant_added::case(),
    ]
}
