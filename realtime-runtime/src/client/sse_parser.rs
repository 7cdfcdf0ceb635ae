//! An incremental parser for the Server-Sent Events wire format.
//!
//! It follows the event stream interpretation of the HTML standard: lines end with CRLF,
//! LF or CR (a CRLF split across two chunks counts once); a line starting with `:` is a
//! comment; `field: value` loses one space after the colon; a line without a colon is a
//! field with an empty value; `data` lines are joined with LF; a blank line dispatches the
//! event, unless no `data` line came; `id` is remembered across events (the *last event
//! id*), ignored when it holds NUL; `retry` is taken only when it is all ASCII digits;
//! other fields are ignored; a leading byte order mark is skipped. Bytes may arrive in
//! chunks of any size, split anywhere, including inside a UTF-8 sequence: lines are cut
//! on bytes and decoded whole, invalid UTF-8 becoming U+FFFD. An event not ended by a
//! blank line when the stream ends is never dispatched.

use std::mem;

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SseEvent {
    /// The `event:` field, or `message` when none was given.
    pub(crate) event: String,
    /// The `data:` lines, joined with LF.
    pub(crate) data: String,
    /// The last event id at dispatch, if one was ever set (and not reset by an empty `id:`).
    #[allow(
        dead_code,
        reason = "the client resumes with `?since=` from the envelope's id; the field follows the SSE spec"
    )]
    pub(crate) id: Option<String>,
}

/// Turns chunks of bytes into [`SseEvent`]s.
#[derive(Debug, Default)]
pub(crate) struct SseParser {
    /// Bytes received and not yet cut into lines.
    pending: Vec<u8>,
    /// How far `pending` has been consumed.
    consumed: usize,
    /// The previous line ended with CR, so a LF first in the next bytes ends nothing.
    after_cr: bool,
    /// Whether the start of the stream (and its possible byte order mark) is behind us.
    started: bool,
    event: String,
    data: String,
    has_data: bool,
    last_id: Option<String>,
    retry: Option<u64>,
}

impl SseParser {
    /// A parser at the start of a stream.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Adds received bytes; read the events they complete with [`next_event`](Self::next_event).
    pub(crate) fn push(&mut self, bytes: &[u8]) {
        if self.consumed > 0 {
            self.pending.drain(..self.consumed);
            self.consumed = 0;
        }
        self.pending.extend_from_slice(bytes);
    }

    /// The next complete event, if the bytes pushed so far hold one.
    pub(crate) fn next_event(&mut self) -> Option<SseEvent> {
        while let Some(line) = self.next_line() {
            if let Some(event) = self.process(&line) {
                return Some(event);
            }
        }
        None
    }

    /// The reconnection time in milliseconds the server last asked for with `retry:`.
    #[allow(
        dead_code,
        reason = "the client's own backoff decides; kept for a complete parser"
    )]
    pub(crate) fn retry(&self) -> Option<u64> {
        self.retry
    }

    /// How many bytes are held: an unfinished line plus the data of an unfinished event.
    /// Lets a reader refuse a server that never ends a line or an event.
    pub(crate) fn buffered(&self) -> usize {
        self.pending.len() - self.consumed + self.data.len()
    }

    /// Cuts the next complete line off the pending bytes.
    fn next_line(&mut self) -> Option<String> {
        let mut rest = &self.pending[self.consumed..];
        if self.after_cr && !rest.is_empty() {
            self.after_cr = false;
            if rest[0] == b'\n' {
                self.consumed += 1;
                rest = &rest[1..];
            }
        }
        if !self.started {
            // Wait for enough bytes to tell whether the stream opens with a BOM.
            const BOM: &[u8] = "\u{feff}".as_bytes();
            if rest.len() < BOM.len() && BOM.starts_with(rest) {
                return None;
            }
            self.started = true;
            if rest.starts_with(BOM) {
                self.consumed += BOM.len();
                rest = &rest[BOM.len()..];
            }
        }
        let end = rest.iter().position(|&b| b == b'\n' || b == b'\r')?;
        let line = String::from_utf8_lossy(&rest[..end]).into_owned();
        self.after_cr = rest[end] == b'\r';
        self.consumed += end + 1;
        Some(line)
    }

    /// Applies one line; a blank line may dispatch an event.
    fn process(&mut self, line: &str) -> Option<SseEvent> {
        if line.is_empty() {
            return self.dispatch();
        }
        if line.starts_with(':') {
            return None;
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match field {
            "event" => value.clone_into(&mut self.event),
            "data" => {
                self.data.push_str(value);
                self.data.push('\n');
                self.has_data = true;
            }
            "id" if !value.contains('\0') => {
                self.last_id = (!value.is_empty()).then(|| value.to_owned());
            }
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                self.retry = value.parse().ok();
            }
            _ => {}
        }
        None
    }

    fn dispatch(&mut self) -> Option<SseEvent> {
        let event = mem::take(&mut self.event);
        if !mem::take(&mut self.has_data) {
            self.data.clear();
            return None;
        }
        let mut data = mem::take(&mut self.data);
        data.pop(); // the LF after the last data line
        let event = if event.is_empty() {
            "message".to_owned()
        } else {
            event
        };
        Some(SseEvent {
            event,
            data,
            id: self.last_id.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_chunks(chunks: &[&[u8]]) -> Vec<SseEvent> {
        let mut parser = SseParser::new();
        let mut events = Vec::new();
        for chunk in chunks {
            parser.push(chunk);
            events.extend(std::iter::from_fn(|| parser.next_event()));
        }
        events
    }

    fn parse(text: &str) -> Vec<SseEvent> {
        parse_chunks(&[text.as_bytes()])
    }

    fn event(event: &str, data: &str, id: Option<&str>) -> SseEvent {
        SseEvent {
            event: event.into(),
            data: data.into(),
            id: id.map(Into::into),
        }
    }

    #[test]
    fn parses_a_gateway_message() {
        let events = parse("id: 5-0\ndata: {\"topic\":\"status\"}\n\n");
        assert_eq!(events, [event("message", "{\"topic\":\"status\"}", Some("5-0"))]);
    }

    #[test]
    fn joins_data_lines_with_lf() {
        assert_eq!(
            parse("data: a\ndata:b\ndata\ndata:  c\n\n"),
            [event("message", "a\nb\n\n c", None)]
        );
    }

    #[test]
    fn names_events_and_resets_the_name_after_dispatch() {
        let events = parse("event: lagged\ndata: {}\n\ndata: x\n\n");
        assert_eq!(events, [event("lagged", "{}", None), event("message", "x", None)]);
    }

    #[test]
    fn skips_comments_and_events_without_data() {
        let events = parse(": keepalive\n\nretry: 1000\n: connected\n\nevent: nothing\n\ndata: y\n\n");
        assert_eq!(events, [event("message", "y", None)]);
    }

    #[test]
    fn accepts_crlf_cr_and_lf_line_ends() {
        let events = parse("data: a\r\n\r\ndata: b\r\rdata: c\n\n");
        assert_eq!(
            events,
            [
                event("message", "a", None),
                event("message", "b", None),
                event("message", "c", None)
            ]
        );
    }

    #[test]
    fn a_crlf_split_across_chunks_ends_one_line() {
        let events = parse_chunks(&[b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"]);
        assert_eq!(events, [event("message", "a\nb", None)]);
    }

    #[test]
    fn bytes_may_be_split_anywhere() {
        let text = "\u{feff}id: 1-0\nevent: error\ndata: {\"é\": \"ü\"}\r\n\r\ndata: z\n\n";
        let whole = parse(text);
        for size in 1..text.len() {
            let chunks: Vec<&[u8]> = text.as_bytes().chunks(size).collect();
            assert_eq!(parse_chunks(&chunks), whole, "chunks of {size} bytes");
        }
        assert_eq!(
            whole,
            [
                event("error", "{\"é\": \"ü\"}", Some("1-0")),
                event("message", "z", Some("1-0"))
            ]
        );
    }

    #[test]
    fn the_last_event_id_persists_and_an_empty_id_clears_it() {
        let events = parse("id: 7-1\ndata: a\n\ndata: b\n\nid\ndata: c\n\nid: x\0y\ndata: d\n\n");
        assert_eq!(
            events,
            [
                event("message", "a", Some("7-1")),
                event("message", "b", Some("7-1")),
                event("message", "c", None),
                event("message", "d", None),
            ]
        );
    }

    #[test]
    fn reads_retry_only_when_it_is_digits() {
        let mut parser = SseParser::new();
        parser.push(b"retry: 1000\n\nretry: 5s\n\nretry\n\n");
        assert_eq!(parser.next_event(), None);
        assert_eq!(parser.retry(), Some(1000));
    }

    #[test]
    fn a_field_without_colon_and_unknown_fields() {
        assert_eq!(parse("event\nfoo: bar\ndata\n\n"), [event("message", "", None)]);
    }

    #[test]
    fn a_bom_is_skipped_only_at_the_start() {
        assert_eq!(parse("\u{feff}data: a\n\n"), [event("message", "a", None)]);
        // Later, the BOM is part of a field name, which is then unknown.
        assert_eq!(
            parse("data: a\n\n\u{feff}data: b\n\n"),
            [event("message", "a", None)]
        );
    }

    #[test]
    fn an_unfinished_event_is_not_dispatched() {
        let mut parser = SseParser::new();
        parser.push(b"data: half");
        assert_eq!(parser.next_event(), None);
        parser.push(b"\n");
        assert_eq!(parser.next_event(), None);
        assert_eq!(parser.buffered(), "half\n".len());
        parser.push(b"\n");
        assert_eq!(parser.next_event(), Some(event("message", "half", None)));
        assert_eq!(parser.buffered(), 0);
    }

    #[test]
    fn invalid_utf8_becomes_replacement_characters() {
        assert_eq!(
            parse_chunks(&[b"data: \xff\n\n"]),
            [event("message", "\u{fffd}", None)]
        );
    }
}
