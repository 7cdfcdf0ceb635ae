//! The child processes of a bench run: gateway nodes, the Socket.IO peer and load-generator
//! workers. Each is killed when its handle is dropped, so a failed or interrupted run leaves
//! nothing behind; workers and gateway nodes also exit when their stdin closes.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

use super::plan::{WorkerCommand, WorkerPlan, WorkerReport};

/// How long a server may take to print its address.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// A server child: a gateway node or the Socket.IO peer.
pub struct Server {
    child: Child,
    /// Kept open: the child exits when it closes.
    _stdin: Option<ChildStdin>,
    /// `host:port` it listens on.
    pub addr: String,
}

impl Server {
    /// Starts a gateway node (`realtime bench-gateway`, i.e. `serve` that also exits with its
    /// stdin) in dev mode on a free loopback port.
    pub async fn gateway(
        redis: Option<(&str, &str)>,
        max_connections: usize,
        write_delay_ms: u64,
    ) -> Result<Self, String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut command = Command::new(exe);
        command
            .args(["bench-gateway", "--dev", "--addr", "127.0.0.1:0"])
            // Every simulated client connects and publishes from 127.0.0.1.
            .arg("--no-rate-limits")
            .args(["--max-connections", &max_connections.to_string()])
            .args(["--write-delay-ms", &write_delay_ms.to_string()])
            // A connection ends when its token expires: the bench's tokens outlive any scenario.
            .args(["--token-ttl-secs", "3600"])
            .env("RUST_LOG", "error");
        if let Some((url, prefix)) = redis {
            command.args(["--redis", url, "--redis-prefix", prefix]);
        }
        Server::start(command, "gateway").await
    }

    /// Starts the Socket.IO peer, `node server.js` in `dir`, on a free loopback port.
    pub async fn socket_io(dir: &Path) -> Result<Self, String> {
        Server::socket_io_with(dir, false).await
    }

    /// Starts the Socket.IO peer, with its connection state recovery on if `recovery`.
    pub async fn socket_io_with(dir: &Path, recovery: bool) -> Result<Self, String> {
        let mut command = Command::new("node");
        command.arg("server.js").arg("0").current_dir(dir);
        if recovery {
            command.arg("--recovery");
        }
        Server::start(command, "Socket.IO server").await
    }

    async fn start(mut command: Command, what: &str) -> Result<Self, String> {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start the {what}: {e}"))?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let addr = tokio::time::timeout(START_TIMEOUT, async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(addr) = line.strip_prefix("listening on http://") {
                    return Some(addr.trim().to_owned());
                }
            }
            None
        })
        .await
        .ok()
        .flatten()
        .ok_or_else(|| format!("the {what} did not start"))?;
        Ok(Server {
            child,
            _stdin: stdin,
            addr,
        })
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id().unwrap_or(0)
    }
}

/// A load-generator worker child (`realtime bench-worker`).
pub struct Worker {
    child: Child,
    stdin: ChildStdin,
    stdout: Lines<BufReader<ChildStdout>>,
    /// The plan it runs.
    pub plan: WorkerPlan,
}

impl Worker {
    /// Starts a worker and sends it `plan`.
    pub async fn start(plan: WorkerPlan) -> Result<Self, String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut child = Command::new(exe)
            .arg("bench-worker")
            .env("RUST_LOG", "error")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start a worker: {e}"))?;
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let stdout = BufReader::new(child.stdout.take().ok_or("no stdout")?).lines();
        let mut worker = Worker {
            child,
            stdin,
            stdout,
            plan,
        };
        let line = serde_json::to_string(&worker.plan).map_err(|e| e.to_string())?;
        worker.write_line(&line).await?;
        Ok(worker)
    }

    /// Sends a command.
    pub async fn send(&mut self, command: &WorkerCommand) -> Result<(), String> {
        let line = serde_json::to_string(command).map_err(|e| e.to_string())?;
        self.write_line(&line).await
    }

    /// Reads the next report, waiting at most `timeout`.
    pub async fn report(&mut self, timeout: Duration) -> Result<WorkerReport, String> {
        let line = tokio::time::timeout(timeout, self.stdout.next_line())
            .await
            .map_err(|_| "a worker did not answer in time".to_owned())?
            .map_err(|e| e.to_string())?
            .ok_or("a worker exited early")?;
        serde_json::from_str(&line).map_err(|e| format!("a worker's report `{line}`: {e}"))
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id().unwrap_or(0)
    }

    async fn write_line(&mut self, line: &str) -> Result<(), String> {
        self.stdin
            .write_all(line.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        self.stdin.write_all(b"\n").await.map_err(|e| e.to_string())?;
        self.stdin.flush().await.map_err(|e| e.to_string())
    }
}

/// Completes when this process's stdin closes: its parent, the bench, has gone.
pub async fn stdin_closed() {
    let mut stdin = tokio::io::stdin();
    let mut buf = [0u8; 64];
    loop {
        match tokio::io::AsyncReadExt::read(&mut stdin, &mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}
