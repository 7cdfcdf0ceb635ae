//! The `#[channel]` attribute macro of realtime-rs.
//!
//! Use it through the `realtime` facade crate (`realtime::channel`); the code it generates
//! names everything through `::realtime::__private`, so the facade is the only dependency
//! a user needs.
//!
//! The macro works in three stages, each in its own (private) module:
//! `parse` turns the attribute and the struct into a `ChannelDef` (`ast.rs`)
//! (the name pattern is read by `template`), `check` validates the combination, and
//! `expand` emits the code. Every mistake found on the way is collected in a
//! `Ctxt` (`ctxt.rs`) and reported together, each spanned on the token at fault.

mod ast;
mod attr;
mod check;
mod ctxt;
mod expand;
mod parse;
mod template;

use proc_macro::TokenStream;

use crate::ctxt::Ctxt;

/// Declares a typed realtime channel on a struct.
///
/// ```ignore
/// #[realtime::channel(name = "pipeline:<run_id>")]
/// pub struct Pipeline {
///     run_id: String,                              // a parameter of the name
///     /// Progress of the run.
///     #[topic] status: Status,                     // a typed topic
///     #[topic(name = "llm_tokens")] tokens: Token, // wire name differs from the field
///     #[topic(validate = false)] raw: RawEvent,    // type only, no run-time validation
///     #[topic(deprecated = "use `tokens` instead")] // accessor and topic key #[deprecated]
///     words: Token,
/// }
/// ```
///
/// Fields without `#[topic]` are the parameters of the name, and stay as the struct's
/// fields. The macro generates `new`, `name`, `from_name`, one accessor per topic, the enums
/// `PipelineTopic` and `PipelineMessage`, and implementations of `realtime::Channel`,
/// `Display`, `FromStr` and `Debug`. `from_name` is also an inherent method, so it needs no
/// import of the trait. See the `realtime` crate for the full description.
#[proc_macro_attribute]
pub fn channel(args: TokenStream, input: TokenStream) -> TokenStream {
    expand_channel(args.into(), input.into())
        .unwrap_or_else(|err| err.to_compile_error())
        .into()
}

/// Parse, check, expand: every error found by the first two stages is reported together.
fn expand_channel(
    args: proc_macro2::TokenStream,
    input: proc_macro2::TokenStream,
) -> syn::Result<proc_macro2::TokenStream> {
    let cx = Ctxt::new();
    let def = parse::parse(&cx, args, input);
    if let Some(def) = &def {
        check::check(&cx, def);
    }
    cx.check()?;
    let def = def.expect("parse reports why it returns no definition");
    Ok(expand::expand(&def))
}
