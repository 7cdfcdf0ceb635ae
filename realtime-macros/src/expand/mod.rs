//! Stage three: the code generated for a checked [`ChannelDef`], one function per item.
//!
//! Everything is named through `::realtime::__private`, so the code does not depend on
//! the user's imports or dependencies. The struct and its two enums are emitted as items;
//! every `impl` and every helper lives inside `const _: () = { ... };`, so nothing else
//! enters the user's namespace.
//!
//! A payload or parameter type is used through helper traits only ([`payload`], [`param`]),
//! one per capability, each named with the span of the type in the struct: a type that
//! lacks a capability gets one error, on its field, saying what to add.
//!
//! Generated code must compile without warnings in a crate that denies lints, even
//! pedantic ones (`tests/ui/pass/deny_lints.rs`): impls are `#[automatically_derived]`,
//! the const block allows what generated code cannot help, and public items have docs.
//!
//! A topic declared `#[topic(deprecated = "...")]` makes its accessor and its topic enum
//! variant `#[deprecated]`: the user's code that publishes to it, or names it, is warned
//! by rustc. Generated code names them too, inside the const block, which allows
//! `deprecated`. The message enum's variant is not deprecated: a subscriber keeps
//! reading what old publishers still send while they move on.

mod channel_impl;
mod enums;
mod inherent;
mod param;
mod payload;

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;

use crate::ast::{ChannelDef, ParamField};
use crate::template::Template;

/// A checked definition with the names the generated items share.
struct Channel<'a> {
    def: &'a ChannelDef,
    template: &'a Template,
    /// `PipelineTopic`.
    topic_enum: Ident,
    /// `PipelineMessage`.
    message_enum: Ident,
}

impl Channel<'_> {
    /// The parameter fields in the order their placeholders appear in the pattern.
    fn params_in_pattern_order(&self) -> Vec<&ParamField> {
        self.template
            .params()
            .map(|(name, _)| {
                self.def
                    .params
                    .iter()
                    .find(|p| p.ident == name)
                    .expect("checked: every placeholder names a parameter")
            })
            .collect()
    }
}

/// The path of the facade's hidden module, through which generated code names everything.
fn rt() -> TokenStream {
    quote!(::realtime::__private)
}

/// Emits the struct, its enums, its inherent methods and its trait implementations.
pub fn expand(def: &ChannelDef) -> TokenStream {
    let cx = Channel {
        def,
        template: def.template.as_ref().expect("checked: the name is present"),
        topic_enum: format_ident!("{}Topic", def.ident),
        message_enum: format_ident!("{}Message", def.ident),
    };
    let struct_item = expand_struct(&cx);
    let topic_enum = enums::expand_topic_enum(&cx);
    let message_enum = enums::expand_message_enum(&cx);
    let payload_traits = payload::expand_payload_traits();
    let param_traits = param::expand_param_traits();
    let pattern = channel_impl::expand_pattern(&cx);
    let topic_specs = channel_impl::expand_topic_specs(&cx);
    let inherent = inherent::expand_inherent_impl(&cx);
    let message_impl = enums::expand_message_impl(&cx);
    let channel_impl = channel_impl::expand_channel_impl(&cx);
    let topic_key_impl = enums::expand_topic_key_impl(&cx);
    let display = channel_impl::expand_display(&cx);
    let debug = channel_impl::expand_debug(&cx);
    let from_str = channel_impl::expand_from_str(&cx);
    let message_debug = enums::expand_message_debug(&cx);
    let registration = channel_impl::expand_registration(&cx);
    quote! {
        #struct_item
        #topic_enum
        #message_enum

        #[allow(
            deprecated,
            unused_qualifications,
            unreachable_pub,
            clippy::all,
            clippy::pedantic,
            clippy::nursery
        )]
        const _: () = {
            #payload_traits
            #param_traits
            #pattern
            #topic_specs
            #inherent
            #message_impl
            #channel_impl
            #topic_key_impl
            #display
            #debug
            #from_str
            #message_debug
            #registration
        };
    }
}

/// The user's struct, keeping only the parameters as fields.
fn expand_struct(cx: &Channel) -> TokenStream {
    let ChannelDef {
        attrs,
        vis,
        ident,
        params,
        ..
    } = cx.def;
    let fields = params.iter().map(|p| {
        let (attrs, vis, ident, ty) = (&p.attrs, &p.vis, &p.ident, &p.ty);
        quote!(#(#attrs)* #vis #ident: #ty)
    });
    // Spanned on the user's `struct` token, so "not found for this struct" points at the
    // declaration rather than at the attribute.
    quote_spanned! {cx.def.struct_token.span=>
        #(#attrs)*
        #vis struct #ident {
            #(#fields,)*
        }
    }
}

/// `Some(text)` or `None`, as an expression of type `Option<&'static str>`.
fn option_str(text: Option<&String>) -> TokenStream {
    match text {
        Some(text) => quote!(::core::option::Option::Some(#text)),
        None => quote!(::core::option::Option::None),
    }
}
