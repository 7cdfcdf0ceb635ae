//! Collects every error found while parsing and checking, to report them together.

use std::cell::RefCell;
use std::fmt::Display;

use quote::ToTokens;

/// An error context: errors are added as they are found and combined at the end, so one
/// compile shows every mistake in a declaration.
#[derive(Default)]
pub struct Ctxt {
    errors: RefCell<Vec<syn::Error>>,
}

impl Ctxt {
    /// An error spanned on the tokens of `node`.
    pub fn error_spanned_by<T: ToTokens, M: Display>(&self, node: T, message: M) {
        self.push(syn::Error::new_spanned(node.into_token_stream(), message));
    }

    /// An error at a span.
    pub fn error_at<M: Display>(&self, span: proc_macro2::Span, message: M) {
        self.push(syn::Error::new(span, message));
    }

    /// An error produced by syn.
    pub fn push(&self, error: syn::Error) {
        self.errors.borrow_mut().push(error);
    }

    /// `Ok` if no error was found, else all of them combined into one.
    pub fn finish(self) -> syn::Result<()> {
        let mut errors = self.errors.into_inner().into_iter();
        let Some(mut combined) = errors.next() else {
            return Ok(());
        };
        for error in errors {
            combined.combine(error);
        }
        Err(combined)
    }
}
