//! The macro's own model of a channel declaration.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{Attribute, Ident, LitStr, Token, Type, Visibility};

use crate::attr::Deprecation;
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
    /// `deprecated` or `deprecated = "note"`, when given.
    pub deprecated: Option<Deprecation>,
    /// The doc comment, joined into one text.
    pub doc: Option<String>,
    /// Attributes other than `#[topic]` and doc comments (kept on the accessor).
    pub attrs: Vec<Attribute>,
}

impl TopicField {
    /// The field's name without a leading `r#`.
    pub fn field_name(&self) -> String {
        let name = self.ident.to_string();
        name.strip_prefix("r#").unwrap_or(&name).to_owned()
    }

    /// The variant name in the generated enums, as text: `llm_tokens` becomes `LlmTokens`.
    /// It may not be an identifier (`__`, `_1`, `self_`); `check` refuses those.
    pub fn variant_name(&self) -> String {
        self.field_name()
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
            .collect()
    }

    /// The deprecation note as the core's `TopicSpec` holds it: `Some("")` for a bare
    /// `deprecated`, `None` when the topic is not deprecated.
    pub fn deprecation_note(&self) -> Option<String> {
        self.deprecated
            .as_ref()
            .map(|d| d.note.as_ref().map(LitStr::value).unwrap_or_default())
    }

    /// `#[deprecated(note = "...")]` (or `#[deprecated]`) for the generated items that
    /// name the topic; nothing when it is not deprecated.
    pub fn deprecated_attr(&self) -> TokenStream {
        match &self.deprecated {
            Some(Deprecation { note: Some(note) }) => quote!(#[deprecated(note = #note)]),
            Some(Deprecation { note: None }) => quote!(#[deprecated]),
            None => TokenStream::new(),
        }
    }

    /// The variant name in the generated enums, spanned on the field. Only for a checked
    /// definition, whose variant names are identifiers.
    pub fn variant(&self) -> Ident {
        Ident::new(&self.variant_name(), self.ident.span())
    }
}
