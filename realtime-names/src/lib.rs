//! The channel-name rules of realtime-rs, defined once.
//!
//! A channel name holds ASCII letters, digits and [`NAME_PUNCTUATION`]. The `#[channel]`
//! macro (`realtime_macros`) checks name patterns against this rule at compile time, and
//! `realtime_core` checks concrete names against it at run time. It is a crate of its own,
//! with no dependencies, so that the macro crate needs nothing of the run time: a proc-macro
//! depending on `realtime_core` would build that crate and its dependencies a second time
//! for the host in every release build.
#![no_std]
#![warn(missing_docs)]

/// The characters other than ASCII letters and digits that a channel name may hold.
///
/// With [`is_name_char`] this is the one definition of the rule: the `#[channel]` macro
/// checks name patterns with it at compile time, and `realtime_core` checks concrete names
/// with it ([`is_valid_channel_name`]) at run time.
///
/// ```
/// assert_eq!(realtime_names::NAME_PUNCTUATION, "_-.:/@=");
/// ```
pub const NAME_PUNCTUATION: &str = "_-.:/@=";

/// Whether `c` may appear in a channel name: an ASCII letter or digit, or one of
/// [`NAME_PUNCTUATION`].
///
/// ```
/// use realtime_names::is_name_char;
/// assert!(is_name_char('a') && is_name_char('7') && is_name_char(':'));
/// assert!(!is_name_char(' ') && !is_name_char('<') && !is_name_char('é'));
/// ```
pub const fn is_name_char(c: char) -> bool {
    if c.is_ascii_alphanumeric() {
        return true;
    }
    let punctuation = NAME_PUNCTUATION.as_bytes();
    let mut i = 0;
    while i < punctuation.len() {
        if c as u32 == punctuation[i] as u32 {
            return true;
        }
        i += 1;
    }
    false
}

/// Whether a concrete channel name is non-empty and holds only allowed characters.
///
/// ```
/// use realtime_names::is_valid_channel_name;
/// assert!(is_valid_channel_name("pipeline:abc-123"));
/// assert!(!is_valid_channel_name("pipeline abc"));
/// assert!(!is_valid_channel_name(""));
/// ```
pub fn is_valid_channel_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(is_name_char)
}
