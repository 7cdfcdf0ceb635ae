//! The payload every scenario publishes, and how a subscriber reads it back.
//!
//! A payload is a JSON object `{"seq": <n>, "t": <ns>, "pad": "xx…"}`: `seq` counts the
//! messages of its channel from 0, `t` is when the publisher made it, in nanoseconds since
//! the Unix epoch (all processes share one machine, so one wall clock), and `pad` fills the
//! object to the configured size. Subscribers do not parse the whole frame: they look for
//! `"seq":` and `"t":` in whatever carries the payload (a gateway envelope, a Socket.IO
//! event, a Redis message), so reading costs the same for every system measured.

use std::time::{SystemTime, UNIX_EPOCH};

/// Nanoseconds since the Unix epoch, now.
pub fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

/// The payload of message `seq`, stamped now, padded to `size` bytes of JSON.
pub fn make(seq: u64, size: usize) -> String {
    let mut text = format!("{{\"seq\":{seq},\"t\":{},\"pad\":\"", now_ns());
    let fill = size.saturating_sub(text.len() + 2);
    text.extend(std::iter::repeat_n('x', fill));
    text.push_str("\"}");
    text
}

/// The `seq` and `t` of the payload inside `frame`, if it holds one.
pub fn read(frame: &[u8]) -> Option<(u64, u64)> {
    let seq = number_after(frame, b"\"seq\":")?;
    let t = number_after(frame, b"\"t\":")?;
    Some((seq, t))
}

fn number_after(hay: &[u8], key: &[u8]) -> Option<u64> {
    let start = find(hay, key)? + key.len();
    let digits = hay[start..].iter().take_while(|b| b.is_ascii_digit());
    let mut value: u64 = 0;
    let mut any = false;
    for b in digits {
        value = value.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
        any = true;
    }
    any.then_some(value)
}

/// The first position of `needle` in `hay`.
pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let first = *needle.first()?;
    let mut from = 0;
    while let Some(offset) = hay[from..].iter().position(|&b| b == first) {
        let at = from + offset;
        if hay.len() - at < needle.len() {
            return None;
        }
        if &hay[at..at + needle.len()] == needle {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_reads_back_inside_any_frame() {
        let payload = make(42, 256);
        assert_eq!(payload.len(), 256);
        let frame = format!("42[\"m\",{payload}]");
        let (seq, t) = read(frame.as_bytes()).unwrap();
        assert_eq!(seq, 42);
        assert!(t > 0 && t <= now_ns());
        assert_eq!(read(b"{\"kind\":\"sub\"}"), None);
    }
}
