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
    if value.is_empty() {
        cx.error_spanned_by(
            lit,
            "the channel name is empty: write e.g. `name = \"pipeline:<run_id>\"`",
        );
    }
    let mut parser = TemplateParser {
        cx,
        value: &value,
        spans: SubSpans::new(lit, &value),
        segments: Vec::new(),
        literal: String::new(),
        has_malformed_placeholder: false,
    };
    let mut pos = 0;
    while pos < value.len() {
        let c = value[pos..].chars().next().expect("pos is on a char boundary");
        pos = match c {
            '<' => match parser.placeholder(pos) {
                Some(next) => next,
                None => break,
            },
            '>' => parser.stray_close(pos),
            c if is_name_char(c) => {
                parser.literal.push(c);
                pos + c.len_utf8()
            }
            c => parser.bad_char(pos, c),
        };
    }
    parser.end_literal();
    Template {
        lit: lit.clone(),
        segments: parser.segments,
        has_malformed_placeholder: parser.has_malformed_placeholder,
    }
}

/// The state of [`parse_template`]: what parsed so far, and where to report.
struct TemplateParser<'a> {
    cx: &'a Ctxt,
    value: &'a str,
    spans: SubSpans,
    segments: Vec<Segment>,
    /// Literal text read since the last placeholder.
    literal: String,
    has_malformed_placeholder: bool,
}

impl TemplateParser<'_> {
    /// Ends the literal text read so far as a segment.
    fn end_literal(&mut self) {
        if !self.literal.is_empty() {
            self.segments
                .push(Segment::Literal(std::mem::take(&mut self.literal)));
        }
    }

    /// The placeholder starting with the `<` at `pos`: the position after it, or `None`
    /// when it is never closed (nothing after it can be read).
    fn placeholder(&mut self, pos: usize) -> Option<usize> {
        let value = self.value;
        let Some(len) = value[pos + 1..].find('>') else {
            self.has_malformed_placeholder = true;
            let open = &value[pos..];
            let example = match syn::parse_str::<syn::Ident>(&open[1..]) {
                Ok(_) => format!("{open}>"),
                Err(_) => "<run_id>".to_owned(),
            };
            self.cx.error_at(
                self.spans.range(pos, value.len()),
                format_args!(
                    "unclosed placeholder `{open}` in the channel name: close it with `>`, e.g. `{example}`"
                ),
            );
            return None;
        };
        let name = &value[pos + 1..pos + 1 + len];
        let span = self.spans.range(pos, pos + len + 2);
        self.end_literal();
        if name.is_empty() {
            self.has_malformed_placeholder = true;
            self.cx.error_at(
                span,
                "empty placeholder `<>`: name the parameter, e.g. `<run_id>`",
            );
        } else if syn::parse_str::<syn::Ident>(name).is_err() || name.contains('<') {
            self.has_malformed_placeholder = true;
            self.cx.error_at(
                span,
                format_args!(
                    "placeholder `<{name}>` is not a field name: write a Rust identifier such as `<run_id>`"
                ),
            );
        } else {
            if let Some(Segment::Param { name: prev, .. }) = self.segments.last() {
                self.cx.error_at(
                    span,
                    format_args!(
                        "placeholders `<{prev}>` and `<{name}>` must be separated by literal text, e.g. `<{prev}>:<{name}>`, so that a name can be split back into its parameters"
                    ),
                );
            }
            self.segments.push(Segment::Param {
                name: name.to_owned(),
                span,
            });
        }
        Some(pos + len + 2)
    }

    /// A `>` with no placeholder open, at `pos`; the position after it.
    fn stray_close(&mut self, pos: usize) -> usize {
        self.cx.error_at(
            self.spans.range(pos, pos + 1),
            format_args!(
                "unexpected `>` {} in the channel name: placeholders are written `<param>`",
                place(self.value, pos)
            ),
        );
        pos + 1
    }

    /// A character no name may hold, `c` at `pos`; the position after it.
    fn bad_char(&mut self, pos: usize, c: char) -> usize {
        self.cx.error_at(
            self.spans.range(pos, pos + c.len_utf8()),
            format_args!(
                "character {c:?} {} is not allowed in a channel name: use ASCII letters, digits and `{}`",
                place(self.value, pos),
                punctuation_list()
            ),
        );
        pos + c.len_utf8()
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
