//! The `Channel` implementation and what it refers to (`PATTERN`, `TOPICS`), the
//! registration in the channel registry, and `Display`, `Debug` and `FromStr`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::{option_str, rt, Channel};
use crate::template::Segment;

/// `static PATTERN`: the name pattern as parsed at compile time, so `from_name` never parses
/// it again.
pub fn expand_pattern(cx: &Channel) -> TokenStream {
    let rt = rt();
    let source = cx.template.lit.value();
    let segments = cx.template.segments.iter().map(|segment| match segment {
        Segment::Literal(text) => quote!(#rt::PatternSegment::Literal(#text)),
        Segment::Param { name, .. } => quote!(#rt::PatternSegment::Param(#name)),
    });
    quote! {
        static PATTERN: #rt::ChannelPattern<'static> =
            #rt::ChannelPattern::from_static_parts(#source, &[#(#segments),*]);
    }
}

/// `static TOPICS`: the spec of each topic, in declaration order.
pub fn expand_topic_specs(cx: &Channel) -> TokenStream {
    let rt = rt();
    let count = cx.def.topics.len();
    let specs = cx.def.topics.iter().map(|topic| {
        let (wire, field, validate, ty) = (&topic.wire_name, topic.field_name(), topic.validate, &topic.ty);
        let doc = option_str(topic.doc.as_ref());
        let deprecated = option_str(topic.deprecation_note().as_ref());
        // Named with the payload's span, so a payload without a schema is reported on it.
        let schema = quote_spanned!(ty.span()=> <#ty as PayloadWithSchema>::schema);
        quote!(#rt::TopicSpec::new(#wire, #field, #doc, #validate, #deprecated, #schema))
    });
    quote! {
        static TOPICS: [#rt::TopicSpec; #count] = [#(#specs),*];
    }
}

/// `impl Channel`: the pattern and parameters, the topics, and decoding by wire name.
pub fn expand_channel_impl(cx: &Channel) -> TokenStream {
    let (ident, topic_enum, message_enum, rt) = (&cx.def.ident, &cx.topic_enum, &cx.message_enum, rt());
    let pattern = cx.template.lit.value();
    let params = cx.params_in_pattern_order();
    let param_names = params.iter().map(|p| p.ident.to_string());
    let param_types = params.iter().map(|p| {
        let ty = &p.ty;
        quote!(#ty).to_string().replace(' ', "")
    });
    let description = option_str(cx.def.doc.as_ref());
    let decode = expand_decode(cx);
    quote! {
        #[automatically_derived]
        impl #rt::Channel for #ident {
            type Topic = #topic_enum;
            type Message = #message_enum;
            const PATTERN: &'static str = #pattern;
            const PARAMS: &'static [&'static str] = &[#(#param_names),*];
            const PARAM_TYPES: &'static [&'static str] = &[#(#param_types),*];
            const DESCRIPTION: ::core::option::Option<&'static str> = #description;

            fn topics() -> &'static [#rt::TopicSpec] {
                &TOPICS
            }

            fn name(&self) -> #rt::String {
                #ident::name(self)
            }

            fn from_name(name: &str) -> ::core::result::Result<Self, #rt::ChannelNameError> {
                #ident::from_name(name)
            }

            fn stream_message(stream: #rt::DataStream<#message_enum>) -> #message_enum {
                #message_enum::Stream(stream)
            }

            fn run_update(message: &#message_enum) -> ::core::option::Option<&#rt::RunUpdate> {
                #message_enum::as_run(message)
            }

            #decode
        }
    }
}

/// `Channel::decode`: a message's JSON data into the message enum variant its topic names.
fn expand_decode(cx: &Channel) -> TokenStream {
    let (message_enum, rt) = (&cx.message_enum, rt());
    let decode_arms = cx.def.topics.iter().map(|topic| {
        let (wire, variant, ty) = (&topic.wire_name, topic.variant(), &topic.ty);
        // Named with the payload's span, so a payload without `Deserialize` is reported on it.
        let decode = quote_spanned!(ty.span()=> <#ty as DeserializablePayload>::decode);
        quote! {
            #wire => #decode(data)
                .map(#message_enum::#variant)
                .map_err(|source| #rt::DecodeError::Data { topic: #wire, source }),
        }
    });
    quote! {
        fn decode(
            topic: &str,
            data: &#rt::serde_json::Value,
        ) -> ::core::result::Result<#message_enum, #rt::DecodeError> {
            match topic {
                #rt::RUN_TOPIC => <#rt::RunUpdate as #rt::serde::Deserialize>::deserialize(data)
                    .map(#message_enum::Run)
                    .map_err(|source| #rt::DecodeError::Data { topic: #rt::RUN_TOPIC, source }),
                #(#decode_arms)*
                other => ::core::result::Result::Err(#rt::DecodeError::UnknownTopic {
                    topic: #rt::ToOwned::to_owned(other),
                }),
            }
        }
    }
}

/// `Display`: the concrete name.
pub fn expand_display(cx: &Channel) -> TokenStream {
    let ident = &cx.def.ident;
    quote! {
        #[automatically_derived]
        impl ::core::fmt::Display for #ident {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(&#ident::name(self))
            }
        }
    }
}

/// `Debug`: the struct's name around the concrete name, `Pipeline("pipeline:abc")`.
pub fn expand_debug(cx: &Channel) -> TokenStream {
    let ident = &cx.def.ident;
    let text = ident.to_string();
    quote! {
        #[automatically_derived]
        impl ::core::fmt::Debug for #ident {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_tuple(#text).field(&#ident::name(self)).finish()
            }
        }
    }
}

/// `FromStr`: the same as `from_name`.
pub fn expand_from_str(cx: &Channel) -> TokenStream {
    let (ident, rt) = (&cx.def.ident, rt());
    quote! {
        #[automatically_derived]
        impl #rt::FromStr for #ident {
            type Err = #rt::ChannelNameError;

            fn from_str(name: &str) -> ::core::result::Result<Self, Self::Err> {
                #ident::from_name(name)
            }
        }
    }
}

/// The channel's entry in the registry that the schema export and the gateway read.
pub fn expand_registration(cx: &Channel) -> TokenStream {
    let (ident, rt) = (&cx.def.ident, rt());
    quote! {
        #rt::inventory::submit! {
            #rt::ChannelRegistration::new(#rt::ChannelDescriptor::of::<#ident>)
        }
    }
}
