//! The arguments of `#[channel(...)]` and `#[topic(...)]`.

use proc_macro2::TokenStream;
use syn::meta::ParseNestedMeta;
use syn::{Attribute, LitBool, LitStr};

use crate::ctxt::Ctxt;

/// `#[channel(name = "...")]`.
#[derive(Default)]
pub struct ChannelArgs {
    pub name: Option<LitStr>,
}

/// `#[topic]` or `#[topic(name = "...", validate = false, deprecated = "...")]`.
#[derive(Default)]
pub struct TopicArgs {
    pub name: Option<LitStr>,
    pub validate: Option<LitBool>,
    pub deprecated: Option<Deprecation>,
}

/// `deprecated` or `deprecated = "note"` in `#[topic(...)]`.
pub struct Deprecation {
    /// The note; `None` for a bare `deprecated`.
    pub note: Option<LitStr>,
}

/// Parses the arguments of `#[channel(...)]`, reporting unknown and repeated keys.
pub fn parse_channel_args(args: TokenStream, cx: &Ctxt) -> ChannelArgs {
    let mut out = ChannelArgs::default();
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("name") {
            set_once(&meta, &mut out.name, "name", cx)
        } else {
            cx.error_spanned_by(
                &meta.path,
                format_args!(
                    "unknown key `{}` in #[channel(...)]: the only key is `name = \"...\"`",
                    path_text(&meta)
                ),
            );
            skip_value(&meta)
        }
    });
    if let Err(err) = syn::parse::Parser::parse2(parser, args) {
        cx.syn_error(err);
    }
    out
}

/// Parses one `#[topic]` attribute into `out`.
pub fn parse_topic_attr(attr: &Attribute, out: &mut TopicArgs, cx: &Ctxt) {
    if let syn::Meta::Path(_) = attr.meta {
        return;
    }
    let result = attr.parse_nested_meta(|meta| {
        if meta.path.is_ident("name") {
            set_once(&meta, &mut out.name, "name", cx)
        } else if meta.path.is_ident("validate") {
            set_once(&meta, &mut out.validate, "validate", cx)
        } else if meta.path.is_ident("deprecated") {
            parse_deprecated(&meta, &mut out.deprecated, cx)
        } else {
            cx.error_spanned_by(
                &meta.path,
                format_args!(
                    "unknown key `{}` in #[topic(...)]: expected `name = \"...\"`, `validate = false` or `deprecated = \"...\"`",
                    path_text(&meta)
                ),
            );
            skip_value(&meta)
        }
    });
    if let Err(err) = result {
        cx.syn_error(err);
    }
}

fn set_once<T: syn::parse::Parse>(
    meta: &ParseNestedMeta,
    slot: &mut Option<T>,
    key: &str,
    cx: &Ctxt,
) -> syn::Result<()> {
    let value: T = meta.value()?.parse()?;
    if slot.is_some() {
        cx.error_spanned_by(&meta.path, format_args!("duplicate key `{key}`: give it once"));
    } else {
        *slot = Some(value);
    }
    Ok(())
}

/// `deprecated` alone, or `deprecated = "note"` with a note that is a non-empty string.
/// A value of another kind is reported on the value, and parsing goes on to the next key.
fn parse_deprecated(meta: &ParseNestedMeta, slot: &mut Option<Deprecation>, cx: &Ctxt) -> syn::Result<()> {
    let note = if meta.input.peek(syn::Token![=]) {
        match meta.value()?.parse::<syn::Expr>()? {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(note),
                ..
            }) if note.value().trim().is_empty() => {
                cx.error_spanned_by(
                    &note,
                    "the deprecation note is empty: say what to use instead, e.g. `deprecated = \"use `lines` instead\"`, or write `deprecated` alone",
                );
                return Ok(());
            }
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(note),
                ..
            }) => Some(note),
            other => {
                cx.error_spanned_by(
                    &other,
                    "`deprecated` takes a note as a string literal: write `deprecated = \"use `lines` instead\"`, or `deprecated` alone",
                );
                return Ok(());
            }
        }
    } else if meta.input.peek(syn::token::Paren) {
        let group: proc_macro2::Group = meta.input.parse()?;
        cx.error_spanned_by(
            &group,
            "write the note after `=`: `deprecated = \"use `lines` instead\"`, or `deprecated` alone",
        );
        return Ok(());
    } else {
        None
    };
    if slot.is_some() {
        cx.error_spanned_by(&meta.path, "duplicate key `deprecated`: give it once");
    } else {
        *slot = Some(Deprecation { note });
    }
    Ok(())
}

/// Consumes `= value` after an unknown key so parsing can go on to the next key.
fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        let _: syn::Expr = meta.value()?.parse()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.parse_nested_meta(|_| Ok(()))?;
    }
    Ok(())
}

fn path_text(meta: &ParseNestedMeta) -> String {
    meta.path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}
