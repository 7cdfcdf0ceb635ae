//! The traits through which generated code uses a parameter's type.
//!
//! `name()` writes each parameter with `Display` and `from_name` parses it with `FromStr`.
//! Both go through a helper trait named with the span of the field's type, so a type
//! without one of them gets one error, on the field, saying what to implement.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::rt;
use crate::ast::ParamField;

/// The helper traits `NameParamDisplay` and `NameParamFromStr`, with blanket implementations
/// marked `do_not_recommend` so the message below is the one reported.
pub fn expand_param_traits() -> TokenStream {
    let rt = rt();
    let examples = "or use a type that has it, such as `String`, `u64` or `uuid::Uuid`";
    let display_note = format!("implement `std::fmt::Display` for `{{Self}}`, {examples}");
    let from_str_note =
        format!("implement `std::str::FromStr` for `{{Self}}`, with an `Err` type that implements `Display`, {examples}");
    quote! {
        #[diagnostic::on_unimplemented(
            message = "`{Self}` cannot be a parameter of a channel name: it does not implement `Display`",
            label = "`name()` writes each parameter into the name with `Display`",
            note = #display_note
        )]
        trait NameParamDisplay {
            fn write_param(&self, name: &mut #rt::String);
        }
        #[diagnostic::do_not_recommend]
        impl<T: ::core::fmt::Display> NameParamDisplay for T {
            fn write_param(&self, name: &mut #rt::String) {
                // Writing into a `String` cannot fail.
                let _ = ::core::fmt::Write::write_fmt(name, ::core::format_args!("{}", self));
            }
        }

        #[diagnostic::on_unimplemented(
            message = "`{Self}` cannot be a parameter of a channel name: it does not implement `FromStr` with an error that implements `Display`",
            label = "`from_name` parses each parameter out of the name with `FromStr`",
            note = #from_str_note
        )]
        trait NameParamFromStr: ::core::marker::Sized {
            fn parse_param(value: &str) -> ::core::result::Result<Self, #rt::String>;
        }
        #[diagnostic::do_not_recommend]
        impl<T> NameParamFromStr for T
        where
            T: #rt::FromStr,
            <T as #rt::FromStr>::Err: ::core::fmt::Display,
        {
            fn parse_param(value: &str) -> ::core::result::Result<Self, #rt::String> {
                <T as #rt::FromStr>::from_str(value).map_err(|err| #rt::ToString::to_string(&err))
            }
        }
    }
}

/// `<Type as NameParamDisplay>::write_param`, spanned on the field's type.
pub fn write_param(param: &ParamField) -> TokenStream {
    let ty = &param.ty;
    quote_spanned!(ty.span()=> <#ty as NameParamDisplay>::write_param)
}

/// `<Type as NameParamFromStr>::parse_param`, spanned on the field's type.
pub fn parse_param(param: &ParamField) -> TokenStream {
    let ty = &param.ty;
    quote_spanned!(ty.span()=> <#ty as NameParamFromStr>::parse_param)
}
