//! The struct's inherent methods: `new`, `name`, `from_name` and one accessor per topic.
//!
//! `name` and `from_name` are implemented here, once; the `Channel`, `Display` and
//! `FromStr` implementations call them. Being inherent, they need no trait in scope.

use proc_macro2::TokenStream;
use quote::quote;

use super::{param, rt, Channel};
use crate::template::Segment;

/// `impl Pipeline { ... }` with every inherent method.
pub fn expand_inherent_impl(cx: &Channel) -> TokenStream {
    let ident = &cx.def.ident;
    let new = expand_new(cx);
    let name = expand_name(cx);
    let from_name = expand_from_name(cx);
    let accessors = expand_topic_accessors(cx);
    quote! {
        #[automatically_derived]
        impl #ident {
            #new
            #name
            #from_name
            #accessors
        }
    }
}

/// `new`, taking each parameter as anything that converts into its type.
fn expand_new(cx: &Channel) -> TokenStream {
    let (vis, ident) = (&cx.def.vis, &cx.def.ident);
    let idents: Vec<_> = cx.def.params.iter().map(|p| &p.ident).collect();
    let tys = cx.def.params.iter().map(|p| &p.ty);
    let doc = format!(
        "Builds the channel `{}` from its parameters.",
        cx.template.lit.value()
    );
    quote! {
        #[doc = #doc]
        #[allow(clippy::new_without_default)]
        #vis fn new(#(#idents: impl ::core::convert::Into<#tys>),*) -> Self {
            #ident { #(#idents: ::core::convert::Into::into(#idents)),* }
        }
    }
}

/// `name`: the literal parts of the pattern and each parameter's `Display`, in order.
fn expand_name(cx: &Channel) -> TokenStream {
    let (vis, rt) = (&cx.def.vis, rt());
    let parts = cx.template.segments.iter().map(|segment| match segment {
        Segment::Literal(text) => quote!(name.push_str(#text);),
        Segment::Param { name, .. } => {
            let param = cx
                .def
                .params
                .iter()
                .find(|p| p.ident == name)
                .expect("checked: every placeholder names a parameter");
            let (field, write) = (&param.ident, param::write_param(param));
            quote!(#write(&self.#field, &mut name);)
        }
    });
    quote! {
        /// The concrete name of this channel.
        #vis fn name(&self) -> #rt::String {
            let mut name = #rt::String::new();
            #(#parts)*
            name
        }
    }
}

/// `from_name`: the name matched against the pattern parsed at compile time, then each
/// parameter parsed with its type's `FromStr`.
fn expand_from_name(cx: &Channel) -> TokenStream {
    let (vis, ident, rt) = (&cx.def.vis, &cx.def.ident, rt());
    let params = cx.params_in_pattern_order();
    let fields = params.iter().enumerate().map(|(i, param)| {
        let (field, parse, name) = (&param.ident, param::parse_param(param), param.ident.to_string());
        quote! {
            #field: match #parse(values[#i]) {
                ::core::result::Result::Ok(value) => value,
                ::core::result::Result::Err(reason) => {
                    return ::core::result::Result::Err(#rt::ChannelNameError::InvalidParam {
                        name: #rt::ToOwned::to_owned(name),
                        param: #name,
                        value: #rt::ToOwned::to_owned(values[#i]),
                        reason,
                    });
                }
            }
        }
    });
    // A name without parameters only has to match.
    let matched = if params.is_empty() {
        quote!(::core::mem::drop(PATTERN.match_name(name)?);)
    } else {
        quote!(let values = PATTERN.match_name(name)?;)
    };
    let doc = format!(
        "Parses a concrete name of the pattern `{}` back into the channel.\n\n\
         Fails with `ChannelNameError::NoMatch` when the name does not fit the pattern and \
         with `ChannelNameError::InvalidParam` when a parameter does not parse.",
        cx.template.lit.value()
    );
    quote! {
        #[doc = #doc]
        #vis fn from_name(name: &str) -> ::core::result::Result<Self, #rt::ChannelNameError> {
            #matched
            ::core::result::Result::Ok(#ident { #(#fields,)* })
        }
    }
}

/// One method per topic, named after its field, returning the typed topic handle; a
/// deprecated topic's is `#[deprecated]`, so code that still publishes to it is warned.
fn expand_topic_accessors(cx: &Channel) -> TokenStream {
    let (vis, topic_enum, rt) = (&cx.def.vis, &cx.topic_enum, rt());
    let accessors = cx.def.topics.iter().map(|topic| {
        let (field, ty, attrs, variant) = (&topic.ident, &topic.ty, &topic.attrs, topic.variant());
        let deprecated = topic.deprecated_attr();
        let doc = match &topic.doc {
            Some(text) => text.clone(),
            None => format!("The `{}` topic of this channel.", topic.wire_name),
        };
        quote! {
            #[doc = #doc]
            #deprecated
            #(#attrs)*
            #vis fn #field(&self) -> #rt::Topic<Self, #ty> {
                #rt::Topic::__new(Self::name(self), #topic_enum::#variant)
            }
        }
    });
    quote!(#(#accessors)*)
}
