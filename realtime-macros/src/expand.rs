//! Stage three: the code generated for a checked [`ChannelDef`].
//!
//! Everything is named through `::realtime::__private`, so the code does not depend on
//! the user's imports. Helper items live inside `const _: () = { ... };`.
//!
//! A payload type is used through [`payload_traits`] only, one trait per capability, so a
//! payload that lacks e.g. `Serialize` gets one error, on its type in the struct, saying
//! what to derive.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::ast::ChannelDef;
use crate::template::Segment;

/// Emits the struct, its enums and its trait implementations.
pub fn expand(def: ChannelDef) -> TokenStream {
    let ChannelDef {
        attrs,
        vis,
        ident,
        template,
        params,
        topics,
        ..
    } = &def;
    let template = template.as_ref().expect("checked: the name is present");
    let pattern = template.lit.value();
    let rt = quote!(::realtime::__private);
    let topic_enum = format_ident!("{}Topic", ident);
    let message_enum = format_ident!("{}Message", ident);

    // The struct keeps only the parameters.
    let param_fields = params.iter().map(|p| {
        let (attrs, vis, ident, ty) = (&p.attrs, &p.vis, &p.ident, &p.ty);
        quote!(#(#attrs)* #vis #ident: #ty)
    });
    let param_idents: Vec<_> = params.iter().map(|p| &p.ident).collect();
    let param_tys: Vec<_> = params.iter().map(|p| &p.ty).collect();
    let param_names: Vec<String> = params_in_pattern_order(template);

    // `name()`: literal parts joined with the parameters' Display.
    let mut format = String::new();
    let mut format_args = Vec::new();
    for segment in &template.segments {
        match segment {
            Segment::Literal(text) => format.push_str(text),
            Segment::Param { name, .. } => {
                format.push_str("{}");
                let field = syn::Ident::new(name, proc_macro2::Span::call_site());
                format_args.push(quote!(self.#field));
            }
        }
    }

    // `from_name()`: each value parsed with the parameter type's FromStr.
    let parse_fields = param_names.iter().enumerate().map(|(i, name)| {
        let param = params.iter().find(|p| p.ident == name).expect("checked");
        let (field, ty) = (&param.ident, &param.ty);
        quote_spanned! {ty.span()=>
            #field: match <#ty as #rt::FromStr>::from_str(values[#i]) {
                ::core::result::Result::Ok(value) => value,
                ::core::result::Result::Err(err) => {
                    return ::core::result::Result::Err(#rt::ChannelNameError::InvalidParam {
                        name: #rt::ToOwned::to_owned(name),
                        param: #name,
                        value: #rt::ToOwned::to_owned(values[#i]),
                        reason: #rt::ToString::to_string(&err),
                    })
                }
            }
        }
    });

    let variants: Vec<_> = topics.iter().map(|t| t.variant()).collect();
    let payloads: Vec<_> = topics.iter().map(|t| &t.ty).collect();
    let wire_names: Vec<_> = topics.iter().map(|t| &t.wire_name).collect();
    let indices: Vec<usize> = (0..topics.len()).collect();
    let count = topics.len();

    let specs = topics.iter().map(|t| {
        let (wire, field, validate, ty) = (&t.wire_name, t.ident.to_string(), t.validate, &t.ty);
        let doc = match &t.doc {
            Some(text) => quote!(::core::option::Option::Some(#text)),
            None => quote!(::core::option::Option::None),
        };
        let schema = quote_spanned!(ty.span()=> <#ty as PayloadWithSchema>::schema);
        quote!(#rt::TopicSpec::new(#wire, #field, #doc, #validate, #schema))
    });

    let accessors = topics.iter().zip(&variants).map(|(t, variant)| {
        let (field, ty, attrs) = (&t.ident, &t.ty, &t.attrs);
        let doc = match &t.doc {
            Some(text) => quote!(#[doc = #text]),
            None => {
                let text = format!("The `{}` topic of this channel.", t.wire_name);
                quote!(#[doc = #text])
            }
        };
        quote! {
            #doc
            #(#attrs)*
            #vis fn #field(&self) -> #rt::Topic<Self, #ty> {
                #rt::Topic::__new(#rt::Channel::name(self), #topic_enum::#variant)
            }
        }
    });

    // Each use names the payload type with its own span, so an error lands on the field.
    let decoders = payloads
        .iter()
        .map(|ty| quote_spanned!(ty.span()=> <#ty as DeserializablePayload>::decode));
    let debuggers = payloads
        .iter()
        .map(|ty| quote_spanned!(ty.span()=> <#ty as SerializablePayload>::debug));
    let payload_traits = payload_traits();

    let new_doc = format!("Builds the channel `{pattern}` from its parameters.");
    let topic_enum_doc = format!("The topics of [`{ident}`], one variant each.");
    let message_enum_doc =
        format!("A typed message of [`{ident}`]: one variant per topic, holding its payload, `Run` for run lifecycle updates and `Stream` for data streams.");
    let variant_docs = wire_names.iter().map(|w| format!("The `{w}` topic."));
    let variant_docs2 = variant_docs.clone();
    let ident_text = ident.to_string();
    let description = match &def.doc {
        Some(text) => quote!(::core::option::Option::Some(#text)),
        None => quote!(::core::option::Option::None),
    };
    let param_types: Vec<String> = param_names
        .iter()
        .map(|name| {
            let param = params.iter().find(|p| p.ident == name).expect("checked");
            let ty = &param.ty;
            quote!(#ty).to_string().replace(' ', "")
        })
        .collect();
    let variant_names: Vec<String> = variants.iter().map(|v| v.to_string()).collect();

    // Spanned on the user's `struct` token, so "not found for this struct" points at the
    // declaration rather than at the attribute.
    let struct_item = quote_spanned! {def.struct_token.span=>
        #(#attrs)*
        #vis struct #ident {
            #(#param_fields,)*
        }
    };

    quote! {
        #struct_item

        #[doc = #topic_enum_doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #vis enum #topic_enum {
            #(#[doc = #variant_docs] #variants,)*
        }

        #[doc = #message_enum_doc]
        #vis enum #message_enum {
            #(#[doc = #variant_docs2] #variants(#payloads),)*
            /// A run lifecycle update (a `run` kind message, on the reserved `run` topic).
            Run(#rt::RunUpdate),
            /// A data stream on one of the topics: its chunks, each the topic's variant.
            Stream(#rt::DataStream<#message_enum>),
        }

        impl #ident {
            #[doc = #new_doc]
            #[allow(clippy::new_without_default)]
            #vis fn new(#(#param_idents: impl ::core::convert::Into<#param_tys>),*) -> Self {
                #ident { #(#param_idents: ::core::convert::Into::into(#param_idents)),* }
            }

            /// The concrete name of this channel.
            #vis fn name(&self) -> #rt::String {
                #rt::Channel::name(self)
            }

            #(#accessors)*
        }

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

        const _: () = {
            #payload_traits

            static TOPICS: [#rt::TopicSpec; #count] = [#(#specs),*];

            #rt::inventory::submit! {
                #rt::ChannelRegistration::new(#rt::ChannelDescriptor::of::<#ident>)
            }

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
                    #rt::format!(#format, #(#format_args),*)
                }

                fn from_name(name: &str) -> ::core::result::Result<Self, #rt::ChannelNameError> {
                    let pattern = #rt::ChannelPattern::parse(#pattern)
                        .expect("the pattern was checked at compile time");
                    #[allow(unused_variables)]
                    let values = pattern.match_name(name)?;
                    ::core::result::Result::Ok(#ident { #(#parse_fields,)* })
                }

                fn stream_message(
                    stream: #rt::DataStream<#message_enum>,
                ) -> #message_enum {
                    #message_enum::Stream(stream)
                }

                fn run_update(
                    message: &#message_enum,
                ) -> ::core::option::Option<&#rt::RunUpdate> {
                    #message_enum::as_run(message)
                }

                fn decode(
                    topic: &str,
                    data: &#rt::serde_json::Value,
                ) -> ::core::result::Result<#message_enum, #rt::DecodeError> {
                    match topic {
                        #rt::RUN_TOPIC => <#rt::RunUpdate as #rt::serde::Deserialize>::deserialize(data)
                            .map(#message_enum::Run)
                            .map_err(|source| #rt::DecodeError::Data { topic: #rt::RUN_TOPIC, source }),
                        #(#wire_names => #decoders(data)
                            .map(#message_enum::#variants)
                            .map_err(|source| #rt::DecodeError::Data { topic: #wire_names, source }),)*
                        other => ::core::result::Result::Err(#rt::DecodeError::UnknownTopic {
                            topic: #rt::ToOwned::to_owned(other),
                        }),
                    }
                }
            }

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

            impl ::core::fmt::Display for #ident {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    f.write_str(&#rt::Channel::name(self))
                }
            }

            impl ::core::fmt::Debug for #ident {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    f.debug_tuple(#ident_text).field(&#rt::Channel::name(self)).finish()
                }
            }

            impl #rt::FromStr for #ident {
                type Err = #rt::ChannelNameError;
                fn from_str(name: &str) -> ::core::result::Result<Self, Self::Err> {
                    <#ident as #rt::Channel>::from_name(name)
                }
            }

            impl ::core::fmt::Debug for #message_enum {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    match self {
                        #(#message_enum::#variants(data) => #debuggers(data, f, #variant_names),)*
                        #message_enum::Run(update) => f.debug_tuple("Run").field(update).finish(),
                        #message_enum::Stream(stream) => f.debug_tuple("Stream").field(stream).finish(),
                    }
                }
            }
        };
    }
}

/// The traits through which generated code uses a payload type, one per capability.
///
/// Each has a blanket implementation for the types that have the capability, marked
/// `do_not_recommend` so that a missing capability is reported as the message below rather
/// than as serde's or schemars' bound deep inside generated code. Each is used once per topic,
/// so one missing derive is one error.
fn payload_traits() -> TokenStream {
    let rt = quote!(::realtime::__private);
    // `__private` has no `JsonSchema`; the facade's public re-export is just as absolute.
    let schemars = quote!(::realtime::schemars);
    let derive_note = |derive: &str| {
        format!(
            "add `#[derive({derive})]` to `{{Self}}`: a topic payload implements `Serialize`, `Deserialize` and `schemars::JsonSchema`"
        )
    };
    let (serialize_note, deserialize_note, schema_note) = (
        derive_note("serde::Serialize"),
        derive_note("serde::Deserialize"),
        derive_note("schemars::JsonSchema"),
    );
    let foreign_note = "for a type from another crate, enable the crate's `serde` / `schemars` feature, or wrap the type in one of your own";
    quote! {
        #[diagnostic::on_unimplemented(
            message = "`{Self}` cannot be a topic payload: it does not implement `Serialize`",
            label = "published data is serialized to JSON",
            note = #serialize_note,
            note = #foreign_note
        )]
        trait SerializablePayload {
            fn debug(&self, f: &mut ::core::fmt::Formatter<'_>, variant: &str) -> ::core::fmt::Result;
        }
        #[diagnostic::do_not_recommend]
        impl<T: #rt::serde::Serialize> SerializablePayload for T {
            fn debug(&self, f: &mut ::core::fmt::Formatter<'_>, variant: &str) -> ::core::fmt::Result {
                #rt::debug_payload(f, variant, self)
            }
        }

        #[diagnostic::on_unimplemented(
            message = "`{Self}` cannot be a topic payload: it does not implement `Deserialize`",
            label = "received data is deserialized from JSON",
            note = #deserialize_note,
            note = #foreign_note
        )]
        trait DeserializablePayload: ::core::marker::Sized {
            fn decode(data: &#rt::serde_json::Value) -> ::core::result::Result<Self, #rt::serde_json::Error>;
        }
        #[diagnostic::do_not_recommend]
        impl<T: #rt::serde::de::DeserializeOwned> DeserializablePayload for T {
            fn decode(data: &#rt::serde_json::Value) -> ::core::result::Result<Self, #rt::serde_json::Error> {
                <T as #rt::serde::Deserialize>::deserialize(data)
            }
        }

        #[diagnostic::on_unimplemented(
            message = "`{Self}` cannot be a topic payload: it does not implement `JsonSchema`",
            label = "each topic publishes the JSON Schema of its payload",
            note = #schema_note,
            note = #foreign_note
        )]
        trait PayloadWithSchema {
            fn schema() -> #rt::serde_json::Value;
        }
        #[diagnostic::do_not_recommend]
        impl<T: #schemars::JsonSchema> PayloadWithSchema for T {
            fn schema() -> #rt::serde_json::Value {
                #rt::schema_for::<T>()
            }
        }
    }
}

/// Parameter names in the order their placeholders appear in the pattern.
fn params_in_pattern_order(template: &crate::template::Template) -> Vec<String> {
    template.params().map(|(name, _)| name.to_owned()).collect()
}
