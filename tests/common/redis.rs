//! Helpers of the Redis transport tests: the test server's URL, unique key prefixes, a
//! tiny blocking Redis client for inspecting the server, and a `redis-server` process
//! that a test owns.
//!
//! Include with `#[path = "common/redis.rs"] mod redis_support;`.

// Each test crate uses only some of these items.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The Redis the tests use: `REALTIME_TEST_REDIS_URL`, or `redis://127.0.0.1:6379`.
pub fn url() -> String {
    std::env::var("REALTIME_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

/// A key prefix no other test (in this run or another) uses.
pub fn unique_prefix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "realtime-test:{}-{nanos}-{}:",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A reply of Redis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Nil,
    Int(i64),
    Text(String),
    Error(String),
    Array(Vec<Reply>),
}

impl Reply {
    pub fn int(&self) -> i64 {
        match self {
            Reply::Int(n) => *n,
            other => panic!("expected an integer reply, got {other:?}"),
        }
    }

    pub fn text(&self) -> &str {
        match self {
            Reply::Text(text) => text,
            other => panic!("expected a string reply, got {other:?}"),
        }
    }

    pub fn array(&self) -> &[Reply] {
        match self {
            Reply::Array(items) => items,
            other => panic!("expected an array reply, got {other:?}"),
        }
    }
}

/// A minimal blocking Redis client (RESP2), to look at what the transport did.
pub struct Inspector {
    reader: BufReader<TcpStream>,
}

impl Inspector {
    /// Connects to `url` (`redis://host[:port][/db]`).
    pub fn connect(url: &str) -> std::io::Result<Inspector> {
        let rest = url
            .strip_prefix("redis://")
            .unwrap_or_else(|| panic!("only redis:// URLs are supported by the test inspector, not {url}"));
        let (authority, db) = rest.split_once('/').unwrap_or((rest, ""));
        let address = if authority.contains(':') {
            authority.to_owned()
        } else {
            format!("{authority}:6379")
        };
        let stream = TcpStream::connect(address)?;
        stream.set_read_timeout(Some(Duration::from_secs(5)))?;
        let mut inspector = Inspector {
            reader: BufReader::new(stream),
        };
        if !db.is_empty() {
            inspector.cmd(&["SELECT", db]);
        }
        Ok(inspector)
    }

    /// Connects to the test server, or panics saying it is not there.
    pub fn test_server() -> Inspector {
        let url = url();
        Inspector::connect(&url).unwrap_or_else(|err| {
            panic!("the Redis tests need a Redis server at {url} (set REALTIME_TEST_REDIS_URL): {err}")
        })
    }

    /// Runs a command.
    pub fn cmd(&mut self, args: &[&str]) -> Reply {
        let mut request = format!("*{}\r\n", args.len()).into_bytes();
        for arg in args {
            request.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
            request.extend_from_slice(arg.as_bytes());
            request.extend_from_slice(b"\r\n");
        }
        self.reader.get_mut().write_all(&request).expect("write to Redis");
        self.read_reply()
    }

    /// Whether the server answers `PING` with `PONG`; an I/O error (a server still starting
    /// may accept and then reset a connection) is a no, not a panic.
    pub fn answers_ping(&mut self) -> bool {
        let mut line = String::new();
        self.reader.get_mut().write_all(b"*1\r\n$4\r\nPING\r\n").is_ok()
            && self.reader.read_line(&mut line).is_ok()
            && line == "+PONG\r\n"
    }

    /// How many clients subscribe to the pub/sub channel.
    pub fn numsub(&mut self, channel: &str) -> i64 {
        let reply = self.cmd(&["PUBSUB", "NUMSUB", channel]);
        reply.array()[1].int()
    }

    fn read_line(&mut self) -> String {
        let mut line = String::new();
        self.reader.read_line(&mut line).expect("read from Redis");
        assert!(line.ends_with("\r\n"), "truncated reply from Redis: {line:?}");
        line.truncate(line.len() - 2);
        line
    }

    fn read_reply(&mut self) -> Reply {
        let line = self.read_line();
        let (kind, rest) = line.split_at(1);
        match kind {
            "+" => Reply::Text(rest.to_owned()),
            "-" => Reply::Error(rest.to_owned()),
            ":" => Reply::Int(rest.parse().expect("an integer")),
            "$" => {
                let len: i64 = rest.parse().expect("a length");
                if len < 0 {
                    return Reply::Nil;
                }
                let mut bytes = vec![0; len as usize + 2];
                self.reader.read_exact(&mut bytes).expect("read from Redis");
                bytes.truncate(len as usize);
                Reply::Text(String::from_utf8(bytes).expect("UTF-8"))
            }
            "*" => {
                let len: i64 = rest.parse().expect("a length");
                if len < 0 {
                    return Reply::Nil;
                }
                Reply::Array((0..len).map(|_| self.read_reply()).collect())
            }
            _ => panic!("unexpected reply from Redis: {line:?}"),
        }
    }
}

/// Polls `check` until it holds, for up to `timeout`.
pub async fn eventually(timeout: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if check() {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().expect("local address").port()
}

/// A `redis-server` process owned by a test, killed when dropped. Unless ephemeral, it
/// keeps its data in an append-only file (fsynced on every write) in its own directory,
/// so a restart on the same port finds the data again.
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
    persistent: bool,
}

impl RedisServer {
    /// Starts a server on a free port, and waits until it answers.
    pub fn start() -> RedisServer {
        Self::start_with(true)
    }

    /// Starts a server that keeps nothing on disk: a restart loses all data.
    pub fn start_ephemeral() -> RedisServer {
        Self::start_with(false)
    }

    fn start_with(persistent: bool) -> RedisServer {
        let dir = std::env::temp_dir().join(format!("realtime-redis-{}", unique_prefix().replace(':', "")));
        std::fs::create_dir_all(&dir).expect("create the server's directory");
        let mut server = RedisServer {
            child: None,
            port: free_port(),
            dir,
            persistent,
        };
        server.spawn();
        server
    }

    /// The server's URL.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills the server (SIGKILL: no shutdown, no save).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            // A frozen process dies of SIGKILL too.
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops the server without closing its connections (SIGSTOP): it answers nothing
    /// until [`RedisServer::thaw`].
    pub fn freeze(&self) {
        self.signal("-STOP");
    }

    /// Lets a frozen server go on (SIGCONT).
    pub fn thaw(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().expect("the server runs").id().to_string();
        let status = Command::new("kill")
            .args([signal, &pid])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill {signal} {pid} failed");
    }

    /// Starts the server again, on the same port with the same data directory.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    fn spawn(&mut self) {
        let binary = std::env::var("REDIS_SERVER_BIN").unwrap_or_else(|_| "redis-server".to_owned());
        let child = Command::new(&binary)
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", ""])
            .args(if self.persistent {
                ["--appendonly", "yes", "--appendfsync", "always"]
            } else {
                ["--appendonly", "no", "--appendfsync", "no"]
            })
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| {
                panic!(
                    "this test starts its own Redis and needs `{binary}` (install redis-server, or set \
                     REDIS_SERVER_BIN): {err}"
                )
            });
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(mut inspector) = Inspector::connect(&self.url()) {
                if inspector.answers_ping() {
                    return;
                }
            }
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|child| child.try_wait().ok().flatten())
            {
                panic!("{binary} exited with {status} on port {}", self.port);
            }
            assert!(
                Instant::now() < deadline,
                "{binary} did not answer on port {} within 10 s",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
