//! The channel name pattern, e.g. `pipeline:<run_id>`, with a span for each piece.

use proc_macro2::Span;
use syn::LitStr;

use crate::ctxt::Ctxt;

// The rule for the literal text of a name is realtime-core's, the one its run-time
// matching uses.
use realtime_names::{is_name_char, NAME_PUNCTUATION};

/// A parsed name pattern.
pub struct Template {
    pub lit: LitStr,
    pub segments: Vec<Segment>,
    /// Whether a placeholder could not be read (unclosed, empty, not an identifier). Then
    /// a field missing from the name is most likely the one meant there, and is not
    /// reported a second time.
    pub has_malformed_placeholder: bool,
}

/// A piece of the pattern.
pub enum Segment {
    Literal(String),
    Param { name: String, span: Span },
}

impl Template {
    /// The placeholders, with their spans.
    pub fn params(&self) -> impl Iterator<Item = (&str, Span)> {
        self.segments.iter().filter_map(|s| match s {
            Segment::Param { name, span } => Some((name.as_str(), *span)),
            Segment::Literal(_) => None,
        })
    }
}

/// Parses the pattern, reporting every malformed piece; the result holds what parsed.
pub fn parse_template(lit: &LitStr, cx: &Ctxt) -> Template {
    let value = lit.value();
    let spans = SubSpans::new(lit, &value);
    let mut segments = Vec::new();
    let mut has_malformed_placeholder = false;
    if value.is_empty() {
        cx.error_spanned_by(
            lit,
            "the channel name is empty: write e.g. `name = \"pipeline:<run_id>\"`",
        );
    }
    let mut literal = String::new();
    let mut pos = 0;
    while pos < value.len() {
        let c = value[pos..].chars().next().expect("pos is on a char boundary");
        match c {
            '<' => {
                let Some(len) = value[pos + 1..].find('>') else {
                    has_malformed_placeholder = true;
                    let open = &value[pos..];
                    let example = match syn::parse_str::<syn::Ident>(&open[1..]) {
                        Ok(_) => format!("{open}>"),
                        Err(_) => "<run_id>".to_owned(),
                    };
                    cx.error_at(
                        spans.range(pos, value.len()),
                        format_args!("unclosed placeholder `{open}` in the channel name: close it with `>`, e.g. `{example}`"),
                    );
                    break;
                };
                let name = &value[pos + 1..pos + 1 + len];
                let span = spans.range(pos, pos + len + 2);
                if !literal.is_empty() {
                    segments.push(Segment::Literal(std::mem::take(&mut literal)));
                }
                if name.is_empty() {
                    has_malformed_placeholder = true;
                    cx.error_at(
                        span,
                        "empty placeholder `<>`: name the parameter, e.g. `<run_id>`",
                    );
                } else if syn::parse_str::<syn::Ident>(name).is_err() || name.contains('<') {
                    has_malformed_placeholder = true;
                    cx.error_at(
                        span,
                        format_args!("placeholder `<{name}>` is not a field name: write a Rust identifier such as `<run_id>`"),
                    );
                } else {
                    if let Some(Segment::Param { name: prev, .. }) = segments.last() {
                        cx.error_at(
                            span,
                            format_args!(
                                "placeholders `<{prev}>` and `<{name}>` must be separated by literal text, e.g. `<{prev}>:<{name}>`, so that a name can be split back into its parameters"
                            ),
                        );
                    }
                    segments.push(Segment::Param {
                        name: name.to_owned(),
                        span,
                    });
                }
                pos += len + 2;
            }
            '>' => {
                cx.error_at(
                    spans.range(pos, pos + 1),
                    format_args!(
                        "unexpected `>` {} in the channel name: placeholders are written `<param>`",
                        place(&value, pos)
                    ),
                );
                pos += 1;
            }
            c if is_name_char(c) => {
                literal.push(c);
                pos += c.len_utf8();
            }
            c => {
                cx.error_at(
                    spans.range(pos, pos + c.len_utf8()),
                    format_args!(
                        "character {c:?} {} is not allowed in a channel name: use ASCII letters, digits and `{}`",
                        place(&value, pos),
                        punctuation_list()
                    ),
                );
                pos += c.len_utf8();
            }
        }
    }
    if !literal.is_empty() {
        segments.push(Segment::Literal(literal));
    }
    Template {
        lit: lit.clone(),
        segments,
        has_malformed_placeholder,
    }
}

/// The punctuation a name allows, spaced for reading: `_ - . : / @ =`.
fn punctuation_list() -> String {
    let chars: Vec<String> = NAME_PUNCTUATION.chars().map(String::from).collect();
    chars.join(" ")
}

/// Where a character is, in words, for when the span cannot point at it.
fn place(value: &str, pos: usize) -> String {
    match &value[..pos] {
        "" => "at the start".to_owned(),
        before => format!("after `{before}`"),
    }
}

/// Narrows spans to a byte range of the string literal where the compiler allows it, and
/// falls back to the whole literal where it does not (stable Rust, escapes, raw strings).
struct SubSpans {
    token: proc_macro2::Literal,
    whole: Span,
    exact: bool,
}

impl SubSpans {
    fn new(lit: &LitStr, value: &str) -> Self {
        let token = lit.token();
        let exact = token.to_string() == format!("\"{value}\"");
        SubSpans {
            token,
            whole: lit.span(),
            exact,
        }
    }

    fn range(&self, start: usize, end: usize) -> Span {
        if !self.exact {
            return self.whole;
        }
        self.token.subspan(start + 1..end + 1).unwrap_or(self.whole)
    }
}
