//! Server-Sent Events subscribers over plain HTTP/1.1: a `GET` written by hand, the
//! response's chunked encoding undone, events split at blank lines.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::payload::find;
use super::plan::Target;
use super::sink::Sink;

/// A subscriber whose response headers have arrived (so it is subscribed).
pub struct SseSubscriber {
    stream: TcpStream,
    body: Body,
    pending: Vec<u8>,
}

impl SseSubscriber {
    /// Sends the request and reads the response's headers.
    pub async fn connect(target: &Target) -> Result<Self, String> {
        let mut stream = TcpStream::connect(&target.addr)
            .await
            .map_err(|e| format!("SSE to {}: {e}", target.addr))?;
        let request = format!(
            "GET {} HTTP/1.1\r\nHost: {}\r\nAccept: text/event-stream\r\n\r\n",
            target.path, target.addr
        );
        stream
            .write_all(request.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        let mut head = Vec::with_capacity(512);
        let mut buf = [0u8; 1024];
        let end = loop {
            let n = stream.read(&mut buf).await.map_err(|e| e.to_string())?;
            if n == 0 {
                return Err("SSE: connection closed before the response headers".into());
            }
            head.extend_from_slice(&buf[..n]);
            if let Some(at) = find(&head, b"\r\n\r\n") {
                break at + 4;
            }
        };
        let headers = String::from_utf8_lossy(&head[..end]).to_ascii_lowercase();
        if !headers.starts_with("http/1.1 200") {
            let status = headers.lines().next().unwrap_or("").to_owned();
            return Err(format!("SSE: {status}"));
        }
        let body = if headers.contains("transfer-encoding: chunked") {
            Body::Chunked(Chunked::default())
        } else {
            Body::Plain
        };
        let mut subscriber = SseSubscriber {
            stream,
            body,
            pending: Vec::new(),
        };
        let rest = head[end..].to_vec();
        subscriber.body.feed(&rest, &mut subscriber.pending);
        Ok(subscriber)
    }

    /// Reads until the stream ends, recording payloads as subscriber `index`.
    pub async fn read(mut self, index: usize, sink: Sink) {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            self.events(index, &sink);
            match self.stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => self.body.feed(&buf[..n], &mut self.pending),
            }
        }
        sink.disconnected();
    }

    /// Records every complete event in `pending`.
    fn events(&mut self, index: usize, sink: &Sink) {
        let mut start = 0;
        while let Some(at) = find(&self.pending[start..], b"\n\n") {
            let event = &self.pending[start..start + at];
            if find(event, b"data:").is_some() {
                sink.frame(index, event);
            }
            start += at + 2;
        }
        self.pending.drain(..start);
    }
}

/// How the response body is framed.
enum Body {
    Plain,
    Chunked(Chunked),
}

impl Body {
    fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) {
        match self {
            Body::Plain => out.extend_from_slice(input),
            Body::Chunked(chunked) => chunked.feed(input, out),
        }
    }
}

/// A decoder of `Transfer-Encoding: chunked`.
#[derive(Default)]
struct Chunked {
    /// Bytes of the current chunk still to come.
    remaining: usize,
    /// An unfinished size line (or the CRLF after a chunk).
    line: Vec<u8>,
}

impl Chunked {
    fn feed(&mut self, mut input: &[u8], out: &mut Vec<u8>) {
        while !input.is_empty() {
            if self.remaining > 0 {
                let take = self.remaining.min(input.len());
                out.extend_from_slice(&input[..take]);
                self.remaining -= take;
                input = &input[take..];
                continue;
            }
            let Some(newline) = input.iter().position(|&b| b == b'\n') else {
                self.line.extend_from_slice(input);
                return;
            };
            self.line.extend_from_slice(&input[..newline]);
            input = &input[newline + 1..];
            let line = String::from_utf8_lossy(&self.line).trim().to_owned();
            self.line.clear();
            // An empty line is the CRLF that closes a chunk's data.
            if let Some(size) = line.split(';').next().filter(|s| !s.is_empty()) {
                self.remaining = usize::from_str_radix(size, 16).unwrap_or(0);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_bodies_decode_across_any_split() {
        let wire = b"5\r\nhello\r\n7;x=1\r\n, world\r\n0\r\n\r\n";
        for split in 0..wire.len() {
            let mut chunked = Chunked::default();
            let mut out = Vec::new();
            chunked.feed(&wire[..split], &mut out);
            chunked.feed(&wire[split..], &mut out);
            assert_eq!(out, b"hello, world", "split at {split}");
        }
    }
}
