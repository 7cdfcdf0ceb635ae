//! Stage one: the attribute arguments and the struct into a [`ChannelDef`].

use proc_macro2::{Span, TokenStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Token};

use crate::ast::{ChannelDef, ParamField, TopicField};
use crate::attr::{parse_channel_args, parse_topic_attr, TopicArgs};
use crate::ctxt::Ctxt;
use crate::template::parse_template;

/// Parses `#[channel(args)] input`, collecting every mistake in `cx`. Returns `None` only
/// when the item is not even a struct, enum or union (and says so in `cx`).
pub fn parse(cx: &Ctxt, args: TokenStream, input: TokenStream) -> Option<ChannelDef> {
    let channel_args = parse_channel_args(args, cx);
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(err) => {
            cx.error_at(
                err.span(),
                "#[channel] goes on a struct with named fields, e.g. `struct Pipeline { run_id: String, #[topic] status: Status }`",
            );
            return None;
        }
    };
    let fields = named_fields(cx, &input);
    check_not_generic(cx, &input.generics);
    let template = match &channel_args.name {
        Some(lit) => Some(parse_template(lit, cx)),
        None => {
            cx.error_at(
                Span::call_site(),
                "#[channel] needs a name pattern: write `#[channel(name = \"pipeline:<run_id>\")]`",
            );
            None
        }
    };

    let mut params = Vec::new();
    let mut topics = Vec::new();
    for field in fields.into_iter().flatten() {
        match parse_field(cx, field) {
            Field::Param(param) => params.push(param),
            Field::Topic(topic) => topics.push(topic),
        }
    }

    let struct_token = match &input.data {
        Data::Struct(data) => data.struct_token,
        Data::Enum(_) | Data::Union(_) => Token![struct](input.ident.span()),
    };
    Some(ChannelDef {
        attrs: input.attrs.clone(),
        vis: input.vis.clone(),
        struct_token,
        doc: doc_text(&input.attrs),
        ident: input.ident.clone(),
        template,
        params,
        topics,
        named_fields: fields.is_some(),
    })
}

/// The struct's named fields; anything else (a tuple or unit struct, an enum, a union) is
/// reported in `cx`.
fn named_fields<'a>(cx: &Ctxt, input: &'a DeriveInput) -> Option<&'a Punctuated<syn::Field, Token![,]>> {
    match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(named) => Some(&named.named),
            Fields::Unnamed(_) | Fields::Unit => {
                let at: Span = match &data.fields {
                    Fields::Unit => input.ident.span(),
                    fields => fields.span(),
                };
                cx.error_at(
                    at,
                    "#[channel] needs a struct with named fields: parameters and topics are named, e.g. `struct Pipeline { run_id: String, #[topic] status: Status }`",
                );
                None
            }
        },
        Data::Enum(data) => {
            cx.error_spanned_by(
                data.enum_token,
                "#[channel] cannot be used on an enum: declare a struct whose fields are the name's parameters and the #[topic]s",
            );
            None
        }
        Data::Union(data) => {
            cx.error_spanned_by(
                data.union_token,
                "#[channel] cannot be used on a union: declare a struct",
            );
            None
        }
    }
}

/// A generic struct cannot be a channel: every topic needs one payload type and schema.
fn check_not_generic(cx: &Ctxt, generics: &syn::Generics) {
    if !generics.params.is_empty() || generics.where_clause.is_some() {
        cx.error_spanned_by(
            generics,
            "a #[channel] struct cannot be generic: every topic needs one concrete payload type and one schema; use concrete types",
        );
    }
}

/// One field of the struct: a parameter of the name, or a `#[topic]`.
enum Field {
    Param(ParamField),
    Topic(TopicField),
}

/// A field without `#[topic]` is a parameter; with it, a topic whose arguments are parsed
/// (a repeated `#[topic]` is reported, its keys still read).
fn parse_field(cx: &Ctxt, field: &syn::Field) -> Field {
    let ident = field.ident.clone().expect("named fields have idents");
    let topic_attrs: Vec<_> = field
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("topic"))
        .collect();
    if topic_attrs.is_empty() {
        return Field::Param(ParamField {
            attrs: field.attrs.clone(),
            vis: field.vis.clone(),
            ident,
            ty: field.ty.clone(),
        });
    }
    let mut args = TopicArgs::default();
    for (i, attr) in topic_attrs.iter().enumerate() {
        if i > 0 {
            cx.error_spanned_by(
                attr,
                "duplicate #[topic] attribute: give the keys in one #[topic(...)]",
            );
        }
        parse_topic_attr(attr, &mut args, cx);
    }
    let attrs = field
        .attrs
        .iter()
        .filter(|a| !a.path().is_ident("topic") && !a.path().is_ident("doc"))
        .cloned()
        .collect();
    let (wire_name, wire_span) = match &args.name {
        Some(lit) => (lit.value(), lit.span()),
        None => (
            ident.to_string().trim_start_matches("r#").to_owned(),
            ident.span(),
        ),
    };
    Field::Topic(TopicField {
        ident,
        ty: field.ty.clone(),
        wire_name,
        wire_span,
        validate: args.validate.is_none_or(|b| b.value),
        deprecated: args.deprecated,
        doc: doc_text(&field.attrs),
        attrs,
    })
}

/// The text of `///` comments, one line each, with the one leading space removed.
fn doc_text(attrs: &[syn::Attribute]) -> Option<String> {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .map(|line| line.strip_prefix(' ').unwrap_or(&line).trim_end().to_owned())
        .collect();
    let text = lines.join("\n").trim().to_owned();
    (!text.is_empty()).then_some(text)
}
