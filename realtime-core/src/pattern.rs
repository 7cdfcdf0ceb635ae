//! Channel name patterns such as `pipeline:<run_id>`, and matching names against them.
//!
//! A pattern is literal text with placeholders `<param>`. Literal text may hold ASCII
//! letters, digits and `_ - . : / @ =`; two placeholders are always separated by literal
//! text, so that a concrete name splits back into its parameters in one way. The
//! `#[channel]` macro checks all of this at compile time; this module does the matching
//! at run time.

use crate::ChannelNameError;

/// Whether `c` may appear in a channel name.
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':' | '/' | '@' | '=')
}

/// Whether a concrete channel name is non-empty and holds only allowed characters.
///
/// ```
/// use realtime_core::is_valid_channel_name;
/// assert!(is_valid_channel_name("pipeline:abc-123"));
/// assert!(!is_valid_channel_name("pipeline abc"));
/// assert!(!is_valid_channel_name(""));
/// ```
pub fn is_valid_channel_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(is_name_char)
}

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
    segments: Vec<PatternSegment<'a>>,
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
                if param.is_empty() || matches!(segments.last(), Some(PatternSegment::Param(_))) {
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
        Some(ChannelPattern { source, segments })
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
    fn malformed_patterns_do_not_parse() {
        for bad in ["", "a<", "a<>", "<a><b>", "a b<c>", "<a"] {
            assert!(ChannelPattern::parse(bad).is_none(), "{bad} parsed");
        }
    }
}
