//! The macro's own model of a channel declaration.

use proc_macro2::Span;
use syn::{Attribute, Ident, Token, Type, Visibility};

use crate::ctxt::Ctxt;
use crate::template::Template;

/// A `#[channel]` struct, parsed.
pub struct ChannelDef {
    /// Attributes on the struct other than `#[channel]` (doc comments, derives).
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    /// The user's `struct` token, kept for its span.
    pub struct_token: Token![struct],
    pub ident: Ident,
    /// The struct's doc comment, joined into one text.
    pub doc: Option<String>,
    /// The `name = "..."` argument, parsed; `None` when it was missing.
    pub template: Option<Template>,
    /// Fields without `#[topic]`: the parameters of the name.
    pub params: Vec<ParamField>,
    /// Fields with `#[topic]`.
    pub topics: Vec<TopicField>,
    /// Whether the item was a struct with named fields.
    pub named_fields: bool,
    /// Errors found so far; checking adds to them.
    pub errors: Ctxt,
}

/// A parameter of the channel name.
pub struct ParamField {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub ident: Ident,
    pub ty: Type,
}

/// A typed topic of the channel.
pub struct TopicField {
    pub ident: Ident,
    pub ty: Type,
    /// The wire name: `name = "..."` or the field name.
    pub wire_name: String,
    /// Where the wire name was written (the `name` literal, or the field).
    pub wire_span: Span,
    /// Whether data is validated against the schema at run time.
    pub validate: bool,
    /// The doc comment, joined into one text.
    pub doc: Option<String>,
    /// Attributes other than `#[topic]` and doc comments (kept on the accessor).
    pub attrs: Vec<Attribute>,
}

impl TopicField {
    /// The variant name in the generated enums: `llm_tokens` becomes `LlmTokens`.
    pub fn variant(&self) -> Ident {
        let name = self.ident.to_string();
        let name = name.trim_start_matches("r#");
        let camel: String = name
            .split('_')
            .filter(|part| !part.is_empty())
            .map(|part| {
                let mut chars = part.chars();
                chars
                    .next()
                    .map(|c| c.to_ascii_uppercase())
                    .into_iter()
                    .chain(chars)
                    .collect::<String>()
            })
            .collect();
        Ident::new(&camel, self.ident.span())
    }
}
