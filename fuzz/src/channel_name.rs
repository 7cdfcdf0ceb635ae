//! Target `channel_name`: the channel-name rule and name patterns.

use realtime_core::{is_valid_channel_name, ChannelPattern, PatternSegment};

/// The input, as text, is a pattern and a name on two lines (or one text as both).
/// Checks that a parsed pattern spells its source, that the `#[channel]` macro's form of it
/// ([`ChannelPattern::from_static_parts`]) accepts what [`ChannelPattern::parse`] accepts,
/// and that a name that matches is valid and is the pattern with its matched values put in.
pub fn channel_name(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    is_valid_channel_name(&text);
    let (source, name) = text.split_once('\n').unwrap_or((&text, &text));
    let Some(pattern) = ChannelPattern::parse(source) else {
        return;
    };
    assert_eq!(
        spell(pattern.segments(), &[]),
        source,
        "segments spell the source"
    );
    // The static form panics when its parts do not pass the checks `parse` made.
    let segments: &'static [PatternSegment<'static>] = Box::leak(
        pattern
            .segments()
            .iter()
            .map(|s| match s {
                PatternSegment::Literal(l) => PatternSegment::Literal(leak(l)),
                PatternSegment::Param(p) => PatternSegment::Param(leak(p)),
            })
            .collect(),
    );
    let fixed = ChannelPattern::from_static_parts(leak(source), segments);
    assert_eq!(
        (fixed.as_str(), fixed.segments()),
        (pattern.as_str(), pattern.segments())
    );
    if let Ok(values) = pattern.match_name(name) {
        assert!(is_valid_channel_name(name), "a matching name is valid: {name:?}");
        assert_eq!(values.len(), pattern.params().count());
        assert!(values.iter().all(|v| !v.is_empty()), "no empty parameter");
        assert_eq!(
            spell(pattern.segments(), &values),
            name,
            "values put back spell the name"
        );
    }
}

/// The segments written out, parameters as `<name>`, or as the given values when there are.
fn spell(segments: &[PatternSegment<'_>], values: &[&str]) -> String {
    let mut values = values.iter();
    segments
        .iter()
        .map(|s| match s {
            PatternSegment::Literal(l) => (*l).to_owned(),
            PatternSegment::Param(p) => values
                .next()
                .map_or_else(|| format!("<{p}>"), |v| (*v).to_owned()),
        })
        .collect()
}

/// A `'static` copy, as `from_static_parts` needs (a fuzzing process restarts often enough).
fn leak(text: &str) -> &'static str {
    Box::leak(text.to_owned().into_boxed_str())
}
