//! Channel name patterns such as `pipeline:<run_id>`, and matching names against them.
//!
//! A pattern is literal text with placeholders `<param>`. Literal text may hold ASCII
//! letters, digits and [`NAME_PUNCTUATION`] (`_ - . : / @ =`), the rule [`is_name_char`]
//! defines once for the macro and the run time; two placeholders are always separated by literal
//! text, so that a concrete name splits back into its parameters in one way. The
//! `#[channel]` macro checks all of this at compile time; this module does the matching
//! at run time.

use std::borrow::Cow;

use crate::ChannelNameError;

pub use realtime_names::{is_name_char, is_valid_channel_name, NAME_PUNCTUATION};

/// One piece of a [`ChannelPattern`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatternSegment<'a> {
    /// Literal text.
    Literal(&'a str),
    /// A placeholder, by parameter name.
    Param(&'a str),
}

/// A parsed channel name pattern.
///
/// ```
/// use realtime_core::ChannelPattern;
/// let pattern = ChannelPattern::parse("run:<run_id>/step:<step>").unwrap();
/// assert_eq!(pattern.params().collect::<Vec<_>>(), ["run_id", "step"]);
/// assert_eq!(pattern.match_name("run:r1/step:s2").unwrap(), ["r1", "s2"]);
/// assert!(pattern.match_name("run:r1").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelPattern<'a> {
    source: &'a str,
    /// Borrowed when built by [`ChannelPattern::from_static_parts`], owned when parsed.
    segments: Cow<'a, [PatternSegment<'a>]>,
}

impl ChannelPattern<'static> {
    /// A pattern from its source and its already parsed segments, in a `const` or `static`.
    ///
    /// This is how `#[channel]` emits the pattern it parsed at compile time, so that
    /// `from_name` never parses it again. The parts are checked as [`parse`](Self::parse)
    /// checks a source, and must spell `source` exactly; in a `const` or `static` a
    /// mistake is a compile error.
    ///
    /// ```
    /// use realtime_core::{ChannelPattern, PatternSegment};
    /// static PATTERN: ChannelPattern<'static> = ChannelPattern::from_static_parts(
    ///     "pipeline:<run_id>",
    ///     &[PatternSegment::Literal("pipeline:"), PatternSegment::Param("run_id")],
    /// );
    /// assert_eq!(PATTERN, ChannelPattern::parse("pipeline:<run_id>").unwrap());
    /// assert_eq!(PATTERN.match_name("pipeline:abc").unwrap(), ["abc"]);
    /// ```
    ///
    /// Parts that do not spell the source do not compile:
    ///
    /// ```compile_fail
    /// use realtime_core::{ChannelPattern, PatternSegment};
    /// static PATTERN: ChannelPattern<'static> = ChannelPattern::from_static_parts(
    ///     "pipeline:<run_id>",
    ///     &[PatternSegment::Literal("pipeline:"), PatternSegment::Param("run")],
    /// );
    /// ```
    ///
    /// # Panics
    ///
    /// If the segments are malformed (empty, two placeholders side by side, a character
    /// not allowed in a name) or do not spell `source`.
    pub const fn from_static_parts(
        source: &'static str,
        segments: &'static [PatternSegment<'static>],
    ) -> Self {
        assert!(
            parts_spell_source(source.as_bytes(), segments),
            "the segments of a channel pattern are malformed or do not spell its source"
        );
        ChannelPattern {
            source,
            segments: Cow::Borrowed(segments),
        }
    }
}

/// Whether `segments` are well formed and, written out, are exactly `source`.
const fn parts_spell_source(source: &[u8], segments: &[PatternSegment<'_>]) -> bool {
    if segments.is_empty() {
        return false;
    }
    let mut pos = 0;
    let mut i = 0;
    while i < segments.len() {
        let (text, is_param) = match segments[i] {
            PatternSegment::Literal(text) => (text.as_bytes(), false),
            PatternSegment::Param(name) => (name.as_bytes(), true),
        };
        if text.is_empty() {
            return false;
        }
        if is_param {
            if i > 0 && matches!(segments[i - 1], PatternSegment::Param(_)) {
                return false;
            }
            if pos >= source.len() || source[pos] != b'<' {
                return false;
            }
            pos += 1;
        }
        let mut j = 0;
        while j < text.len() {
            let byte = text[j];
            let allowed = if is_param {
                byte != b'<' && byte != b'>'
            } else {
                byte.is_ascii() && is_name_char(byte as char)
            };
            if !allowed || pos >= source.len() || source[pos] != byte {
                return false;
            }
            pos += 1;
            j += 1;
        }
        if is_param {
            if pos >= source.len() || source[pos] != b'>' {
                return false;
            }
            pos += 1;
        }
        i += 1;
    }
    pos == source.len()
}

impl<'a> ChannelPattern<'a> {
    /// Parses a pattern, or returns `None` if it is malformed (the macro rejects such
    /// patterns at compile time, so generated code never sees one).
    pub fn parse(source: &'a str) -> Option<Self> {
        let mut segments = Vec::new();
        let mut rest = source;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('<') {
                let end = after.find('>')?;
                let param = &after[..end];
                // `<` inside a placeholder (`a<b<c>`) is refused, as `#[channel]` and
                // `from_static_parts` refuse it: a pattern parses only if the macro could emit it.
                if param.is_empty()
                    || param.contains('<')
                    || matches!(segments.last(), Some(PatternSegment::Param(_)))
                {
                    return None;
                }
                segments.push(PatternSegment::Param(param));
                rest = &after[end + 1..];
            } else {
                let end = rest.find('<').unwrap_or(rest.len());
                let literal = &rest[..end];
                if !literal.chars().all(is_name_char) {
                    return None;
                }
                segments.push(PatternSegment::Literal(literal));
                rest = &rest[end..];
            }
        }
        if segments.is_empty() {
            return None;
        }
        Some(ChannelPattern {
            source,
            segments: Cow::Owned(segments),
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &'a str {
        self.source
    }

    /// The pieces of the pattern, in order.
    pub fn segments(&self) -> &[PatternSegment<'a>] {
        &self.segments
    }

    /// The parameter names, in order.
    pub fn params(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.segments.iter().filter_map(|s| match s {
            PatternSegment::Param(p) => Some(*p),
            PatternSegment::Literal(_) => None,
        })
    }

    /// Splits a concrete name into the text of each parameter, in order.
    ///
    /// A parameter takes the text up to the first occurrence of the literal that follows
    /// it, or the rest of the name if it is last; it must not be empty.
    pub fn match_name<'n>(&self, name: &'n str) -> Result<Vec<&'n str>, ChannelNameError> {
        let no_match = || ChannelNameError::NoMatch {
            name: name.to_owned(),
            pattern: self.source.to_owned(),
        };
        if !is_valid_channel_name(name) {
            return Err(ChannelNameError::InvalidCharacters {
                name: name.to_owned(),
            });
        }
        let mut values = Vec::new();
        let mut rest = name;
        for (i, segment) in self.segments.iter().enumerate() {
            match segment {
                PatternSegment::Literal(lit) => {
                    rest = rest.strip_prefix(lit).ok_or_else(no_match)?;
                }
                PatternSegment::Param(_) => {
                    let end = match self.segments.get(i + 1) {
                        Some(PatternSegment::Literal(next)) => rest.find(next).ok_or_else(no_match)?,
                        _ => rest.len(),
                    };
                    if end == 0 {
                        return Err(no_match());
                    }
                    values.push(&rest[..end]);
                    rest = &rest[end..];
                }
            }
        }
        if rest.is_empty() {
            Ok(values)
        } else {
            Err(no_match())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_pattern_matches_only_itself() {
        let p = ChannelPattern::parse("logs").unwrap();
        assert_eq!(p.match_name("logs").unwrap(), Vec::<&str>::new());
        assert!(matches!(
            p.match_name("logs2"),
            Err(ChannelNameError::NoMatch { .. })
        ));
    }

    #[test]
    fn parameter_must_not_be_empty() {
        let p = ChannelPattern::parse("pipeline:<run_id>").unwrap();
        assert!(p.match_name("pipeline:").is_err());
        assert_eq!(p.match_name("pipeline:a:b").unwrap(), ["a:b"]);
    }

    #[test]
    fn rejects_bad_characters() {
        let p = ChannelPattern::parse("pipeline:<run_id>").unwrap();
        assert!(matches!(
            p.match_name("pipeline:a b"),
            Err(ChannelNameError::InvalidCharacters { .. })
        ));
    }

    #[test]
    fn static_parts_equal_the_parsed_pattern() {
        const PATTERN: ChannelPattern<'static> = ChannelPattern::from_static_parts(
            "run:<run_id>/step:<step>",
            &[
                PatternSegment::Literal("run:"),
                PatternSegment::Param("run_id"),
                PatternSegment::Literal("/step:"),
                PatternSegment::Param("step"),
            ],
        );
        assert_eq!(
            PATTERN,
            ChannelPattern::parse("run:<run_id>/step:<step>").unwrap()
        );
        assert_eq!(PATTERN.match_name("run:a/step:b").unwrap(), ["a", "b"]);
    }

    #[test]
    fn static_parts_must_spell_the_source() {
        use PatternSegment::{Literal, Param};
        let cases: [(&str, &[PatternSegment<'static>]); 6] = [
            ("", &[]),
            ("a:<b>", &[Literal("a:"), Param("c")]),
            ("a:<b>", &[Literal("a:")]),
            ("<a><b>", &[Param("a"), Param("b")]),
            ("a b", &[Literal("a b")]),
            ("a<>", &[Literal("a"), Param("")]),
        ];
        for (source, segments) in cases {
            assert!(
                !parts_spell_source(source.as_bytes(), segments),
                "{source} accepted"
            );
        }
        assert!(parts_spell_source(b"a:<b>", &[Literal("a:"), Param("b")]));
    }

    #[test]
    fn name_chars_are_ascii_letters_digits_and_the_punctuation() {
        for c in NAME_PUNCTUATION.chars().chain(['a', 'Z', '0']) {
            assert!(is_name_char(c), "{c:?}");
        }
        for c in [' ', '<', '>', '#', '\u{e9}', '\0'] {
            assert!(!is_name_char(c), "{c:?}");
        }
    }

    #[test]
    fn a_placeholder_holding_an_open_bracket_does_not_parse() {
        // Found by fuzzing (target `channel_name`): `parse` took `a<b<c>` with a parameter
        // `b<c`, which `from_static_parts` (and so the macro's form of it) refuses.
        for bad in ["a<b<c>", "<<>", "x:<a<b>/y"] {
            assert!(ChannelPattern::parse(bad).is_none(), "{bad} parsed");
        }
    }

    #[test]
    fn malformed_patterns_do_not_parse() {
        for bad in ["", "a<", "a<>", "<a><b>", "a b<c>", "<a"] {
            assert!(ChannelPattern::parse(bad).is_none(), "{bad} parsed");
        }
    }
}
