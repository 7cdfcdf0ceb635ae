//! The topic enum (`PipelineTopic`) and the message enum (`PipelineMessage`), with their impls.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::{rt, Channel};

/// Lints a user may deny that the enums' shape cannot help: variants are named after the
/// user's fields, a payload may be much larger than a run update, and a crate that only
/// publishes on a channel never reads its messages.
fn enum_allows() -> TokenStream {
    quote! {
        #[allow(
            dead_code,
            variant_size_differences,
            clippy::enum_variant_names,
            clippy::large_enum_variant,
            clippy::pedantic,
            clippy::nursery
        )]
    }
}

/// `PipelineTopic`: one fieldless variant per topic.
pub fn expand_topic_enum(cx: &Channel) -> TokenStream {
    let (vis, topic_enum) = (&cx.def.vis, &cx.topic_enum);
    let doc = format!("The topics of [`{}`], one variant each.", cx.def.ident);
    let variants = cx.def.topics.iter().map(|topic| {
        let (variant, doc) = (topic.variant(), format!("The `{}` topic.", topic.wire_name));
        let deprecated = topic.deprecated_attr();
        quote!(#[doc = #doc] #deprecated #variant)
    });
    let allows = enum_allows();
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #allows
        #vis enum #topic_enum {
            #(#variants,)*
        }
    }
}

/// `PipelineMessage`: one variant per topic holding its payload, `Run` and `Stream`.
pub fn expand_message_enum(cx: &Channel) -> TokenStream {
    let (vis, message_enum, rt) = (&cx.def.vis, &cx.message_enum, rt());
    let doc = format!(
        "A typed message of [`{}`]: one variant per topic, holding its payload, `Run` for run lifecycle updates and `Stream` for data streams.",
        cx.def.ident
    );
    let variants = cx.def.topics.iter().map(|topic| {
        let (variant, ty) = (topic.variant(), &topic.ty);
        let doc = format!("The `{}` topic.", topic.wire_name);
        quote!(#[doc = #doc] #variant(#ty))
    });
    let allows = enum_allows();
    quote! {
        #[doc = #doc]
        #allows
        #vis enum #message_enum {
            #(#variants,)*
            /// A run lifecycle update (a `run` kind message, on the reserved `run` topic).
            Run(#rt::RunUpdate),
            /// A data stream on one of the topics: its chunks, each the topic's variant.
            Stream(#rt::DataStream<#message_enum>),
        }
    }
}

/// `PipelineMessage::topic` and `PipelineMessage::as_run`.
pub fn expand_message_impl(cx: &Channel) -> TokenStream {
    let (vis, topic_enum, message_enum, rt) = (&cx.def.vis, &cx.topic_enum, &cx.message_enum, rt());
    let variants: Vec<_> = cx.def.topics.iter().map(|t| t.variant()).collect();
    quote! {
        #[automatically_derived]
        impl #message_enum {
            /// The topic this message belongs to (a data stream's too); `None` for a run
            /// lifecycle update.
            #vis fn topic(&self) -> ::core::option::Option<#topic_enum> {
                match self {
                    #(#message_enum::#variants(_) => ::core::option::Option::Some(#topic_enum::#variants),)*
                    #message_enum::Run(_) => ::core::option::Option::None,
                    #message_enum::Stream(stream) => <#topic_enum as #rt::TopicKey>::all()
                        .iter()
                        .copied()
                        .find(|topic| #rt::TopicKey::name(*topic) == stream.topic()),
                }
            }

            /// The run lifecycle update, if this message is one.
            #vis fn as_run(&self) -> ::core::option::Option<&#rt::RunUpdate> {
                match self {
                    #message_enum::Run(update) => ::core::option::Option::Some(update),
                    #[allow(unreachable_patterns)]
                    _ => ::core::option::Option::None,
                }
            }
        }
    }
}

/// `Debug` for the message enum: payloads are shown as their JSON, so they need no `Debug`.
pub fn expand_message_debug(cx: &Channel) -> TokenStream {
    let message_enum = &cx.message_enum;
    let arms = cx.def.topics.iter().map(|topic| {
        let (variant, ty) = (topic.variant(), &topic.ty);
        let text = variant.to_string();
        // Named with the payload's span, so a payload without `Serialize` is reported on it.
        let debug = quote_spanned!(ty.span()=> <#ty as SerializablePayload>::debug);
        quote!(#message_enum::#variant(data) => #debug(data, f, #text),)
    });
    quote! {
        #[automatically_derived]
        impl ::core::fmt::Debug for #message_enum {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                match self {
                    #(#arms)*
                    #message_enum::Run(update) => f.debug_tuple("Run").field(update).finish(),
                    #message_enum::Stream(stream) => f.debug_tuple("Stream").field(stream).finish(),
                }
            }
        }
    }
}

/// `TopicKey` for the topic enum: every key, and each key's spec in `TOPICS`.
pub fn expand_topic_key_impl(cx: &Channel) -> TokenStream {
    let (ident, topic_enum, rt) = (&cx.def.ident, &cx.topic_enum, rt());
    let variants: Vec<_> = cx.def.topics.iter().map(|t| t.variant()).collect();
    let indices = 0..variants.len();
    quote! {
        #[automatically_derived]
        impl #rt::TopicKey for #topic_enum {
            type Channel = #ident;

            fn all() -> &'static [Self] {
                &[#(#topic_enum::#variants),*]
            }

            fn spec(self) -> &'static #rt::TopicSpec {
                match self {
                    #(#topic_enum::#variants => &TOPICS[#indices],)*
                }
            }
        }
    }
}
