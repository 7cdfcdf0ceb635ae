//! Compile-time behaviour of `#[channel]`: every mistake in `tests/ui/*.rs` must fail with
//! the message in the `.stderr` beside it, and every program in `tests/ui/pass/` must build
//! and run.
//!
//! Regenerate the expected output with
//! `TRYBUILD=overwrite cargo test -p typed-realtime --test compiletest`, then read every `.stderr`:
//! the message is the product.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
