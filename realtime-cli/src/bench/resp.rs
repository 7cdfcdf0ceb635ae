//! Just enough of the Redis protocol (RESP2) for raw subscribers, `PUBLISH` and `INFO`.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::payload::find;

/// One RESP value.
#[derive(Debug, PartialEq)]
pub enum Resp {
    /// `+OK`, or `-ERR …` (`error` set).
    Simple { text: String, error: bool },
    /// `:<n>`.
    Int(i64),
    /// `$<len>` bytes, or `None` for the null bulk string.
    Bulk(Option<Vec<u8>>),
    /// `*<n>` values.
    Array(Vec<Resp>),
}

/// Parses one value from the front of `buf`: the value and the bytes it took, or `None`
/// if `buf` does not hold a whole value yet.
pub fn parse(buf: &[u8]) -> Option<(Resp, usize)> {
    let line_end = find(buf, b"\r\n")?;
    let line = std::str::from_utf8(&buf[1..line_end]).ok()?;
    let after = line_end + 2;
    match buf.first()? {
        b'+' | b'-' => Some((
            Resp::Simple {
                text: line.to_owned(),
                error: buf[0] == b'-',
            },
            after,
        )),
        b':' => Some((Resp::Int(line.parse().ok()?), after)),
        b'$' => {
            let len: i64 = line.parse().ok()?;
            if len < 0 {
                return Some((Resp::Bulk(None), after));
            }
            let end = after + len as usize;
            (buf.len() >= end + 2).then(|| (Resp::Bulk(Some(buf[after..end].to_vec())), end + 2))
        }
        b'*' => {
            let count: i64 = line.parse().ok()?;
            let mut at = after;
            let mut items = Vec::with_capacity(count.max(0) as usize);
            for _ in 0..count.max(0) {
                let (item, used) = parse(&buf[at..])?;
                items.push(item);
                at += used;
            }
            Some((Resp::Array(items), at))
        }
        _ => None,
    }
}

/// Encodes a command.
pub fn command(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// A connection that sends commands and reads their replies, one at a time.
pub struct RespConnection {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl RespConnection {
    /// Connects to `addr` (`host:port`).
    pub async fn connect(addr: &str) -> Result<Self, String> {
        let stream = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("Redis at {addr}: {e}"))?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        Ok(RespConnection {
            stream,
            buf: Vec::with_capacity(4096),
        })
    }

    /// Sends a command without reading a reply.
    pub async fn send(&mut self, args: &[&[u8]]) -> Result<(), String> {
        self.stream
            .write_all(&command(args))
            .await
            .map_err(|e| e.to_string())
    }

    /// Reads the next value (a reply, or a pushed pub/sub message); `None` at the end.
    pub async fn next(&mut self) -> Option<Resp> {
        loop {
            if let Some((value, used)) = parse(&self.buf) {
                self.buf.drain(..used);
                return Some(value);
            }
            let mut chunk = [0u8; 16 * 1024];
            match self.stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return None,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
            }
        }
    }

    /// Sends a command and reads its reply.
    pub async fn call(&mut self, args: &[&[u8]]) -> Result<Resp, String> {
        self.send(args).await?;
        match self.next().await {
            Some(Resp::Simple { text, error: true }) => Err(text),
            Some(value) => Ok(value),
            None => Err("Redis closed the connection".into()),
        }
    }

    /// A field of `INFO` (e.g. `used_memory_rss`, `used_cpu_user`).
    pub async fn info_field(&mut self, field: &str) -> Option<String> {
        let Ok(Resp::Bulk(Some(text))) = self.call(&[b"INFO"]).await else {
            return None;
        };
        let text = String::from_utf8_lossy(&text).into_owned();
        let prefix = format!("{field}:");
        text.lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .map(|v| v.trim().to_owned())
    }
}

/// `host:port` of a `redis://host:port[/db]` URL (no credentials or TLS: loopback only).
pub fn redis_addr(url: &str) -> Result<String, String> {
    let rest = url
        .strip_prefix("redis://")
        .ok_or_else(|| format!("`{url}` is not a redis:// URL"))?;
    let host = rest.split('/').next().unwrap_or(rest);
    if host.contains('@') {
        return Err("the load tool's raw Redis clients take no credentials".into());
    }
    Ok(if host.contains(':') {
        host.to_owned()
    } else {
        format!("{host}:6379")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pushed_message_parses_only_when_whole() {
        let wire = b"*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n";
        assert_eq!(parse(&wire[..wire.len() - 1]), None);
        let (value, used) = parse(wire).unwrap();
        assert_eq!(used, wire.len());
        let Resp::Array(items) = value else { panic!() };
        assert_eq!(items[2], Resp::Bulk(Some(b"hello".to_vec())));
        assert_eq!(redis_addr("redis://127.0.0.1:6379/0").unwrap(), "127.0.0.1:6379");
    }
}
