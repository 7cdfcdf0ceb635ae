//! The traits through which generated code uses a topic's payload type.

use proc_macro2::TokenStream;
use quote::quote;

use super::rt;

/// The traits through which generated code uses a payload type, one per capability.
///
/// Each has a blanket implementation for the types that have the capability, marked
/// `do_not_recommend` so that a missing capability is reported as the message below rather
/// than as serde's or schemars' bound deep inside generated code. Each is used once per topic,
/// so one missing derive is one error.
pub fn expand_payload_traits() -> TokenStream {
    let rt = rt();
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
        impl<T: #rt::schemars::JsonSchema> PayloadWithSchema for T {
            fn schema() -> #rt::serde_json::Value {
                #rt::schema_for::<T>()
            }
        }
    }
}
