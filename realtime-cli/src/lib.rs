//! The `realtime` command line as a library: `serve` (the gateway), `schema` (the channels'
//! schemas as JSON Schema, AsyncAPI or TypeScript) and `bench` (the load tool), with their
//! settings from flags and the environment.
//!
//! The tools live apart from the `realtime` library, as `sqlx-cli` does beside `sqlx`: an
//! application that depends on `realtime` compiles none of this crate's dependencies (clap,
//! an HTTP client, the load tool) unless it wants its own command line.
//!
//! The channels both commands know are the `#[channel]` types linked into the binary
//! ([`channels`]). So an application gets the command line over its own channels with a
//! one-line `main`:
//!
//! ```no_run
//! use realtime::channel;
//!
//! #[derive(serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
//! struct Status {
//!     message: String,
//! }
//!
//! #[channel(name = "pipeline:<run_id>")]
//! struct Pipeline {
//!     run_id: String,
//!     #[topic]
//!     status: Status,
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     realtime_cli::main()
//! }
//! ```
//!
//! Then `my-app schema --format typescript` prints the declarations of `Pipeline`, and
//! `my-app serve` validates publishes to `pipeline:*` against its schemas.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use realtime::core::ChannelRegistry;
use realtime::gateway::{Gateway, GatewayConfig, Limits, RateLimit, RateLimitParseError, RateLimits};

use axum::Router;
use realtime::{
    HistoryLimits, MemoryTransport, Realtime, RedisTransport, SigningKey, Transport, TransportError,
};

use crate::schema::SchemaArgs;

pub mod bench;
pub mod schema;

/// Typed realtime channels: the gateway server and tools.
#[derive(Debug, Parser)]
#[command(name = "realtime", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the gateway: WebSocket and SSE for subscribers, HTTP publish and tokens.
    Serve(ServeArgs),
    /// Export the channels' schemas (JSON Schema, AsyncAPI or TypeScript), or lock and check
    /// their contract.
    Schema(SchemaArgs),
    /// Load-test the gateway on loopback against same-run baselines; see BENCHMARKS.md.
    Bench(bench::BenchArgs),
    /// A load-generator worker of `bench` (internal).
    #[command(hide = true)]
    BenchWorker,
    /// A gateway node of `bench`: `serve`, exiting when stdin closes (internal).
    #[command(hide = true)]
    BenchGateway(ServeArgs),
}

/// Settings of `realtime serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// The address to listen on.
    #[arg(long, env = "REALTIME_ADDR", default_value = "127.0.0.1:8288")]
    pub addr: SocketAddr,
    /// The signing key (tokens are signed with it; server-side callers present it).
    #[arg(long, env = "REALTIME_SIGNING_KEY", hide_env_values = true)]
    pub signing_key: Option<String>,
    /// The previous signing key, still accepted while keys rotate.
    #[arg(long, env = "REALTIME_SIGNING_KEY_FALLBACK", hide_env_values = true)]
    pub signing_key_fallback: Option<String>,
    /// A JWKS file of the public keys EdDSA and ES256 tokens are verified with (by `kid`).
    #[arg(long, env = "REALTIME_JWKS_FILE", conflicts_with = "jwks_url")]
    pub jwks_file: Option<PathBuf>,
    /// An `http://` URL of that JWKS: fetched at start, every `--jwks-refresh-secs`, and
    /// when a token names an unknown kid (at most once per `--jwks-min-interval-secs`).
    #[arg(long, env = "REALTIME_JWKS_URL")]
    pub jwks_url: Option<String>,
    /// Seconds between fetches of `--jwks-url`.
    #[arg(long, env = "REALTIME_JWKS_REFRESH_SECS", default_value_t = 300)]
    pub jwks_refresh_secs: u64,
    /// The fewest seconds between two fetches of `--jwks-url` prompted by unknown kids.
    #[arg(long, env = "REALTIME_JWKS_MIN_INTERVAL_SECS", default_value_t = 10)]
    pub jwks_min_interval_secs: u64,
    /// Dev mode: no credentials needed. Never on a shared or public machine.
    #[arg(long, env = "REALTIME_DEV")]
    pub dev: bool,
    /// Refuse publishes and tokens for channels that no registered type matches.
    #[arg(long, env = "REALTIME_STRICT")]
    pub strict: bool,
    /// A browser origin allowed to subscribe (repeat, or comma-separate); none allows any.
    #[arg(
        long = "allowed-origin",
        env = "REALTIME_ALLOWED_ORIGINS",
        value_delimiter = ','
    )]
    pub allowed_origins: Vec<String>,
    /// The most subscriber connections held at once.
    #[arg(long, env = "REALTIME_MAX_CONNECTIONS", default_value_t = 10_000)]
    pub max_connections: usize,
    /// Seconds between keepalives (WebSocket ping, SSE comment).
    #[arg(long, env = "REALTIME_KEEPALIVE_SECS", default_value_t = 15)]
    pub keepalive_secs: u64,
    /// Seconds a minted token lives.
    #[arg(long, env = "REALTIME_TOKEN_TTL_SECS", default_value_t = 60)]
    pub token_ttl_secs: u64,
    /// Milliseconds a WebSocket connection waits, once a message is ready, to write more
    /// with the same flush (0: at once). Trades that much latency for fewer system calls
    /// under heavy fan-out. At most 1000.
    #[arg(long, env = "REALTIME_WRITE_DELAY_MS", default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=1000))]
    pub write_delay_ms: u64,
    /// The longest, in seconds, a subscriber connection lives from its opening, however
    /// its tokens are refreshed (0, the default: until its tokens expire).
    #[arg(long, env = "REALTIME_MAX_SESSION_SECS", default_value_t = 0)]
    pub max_session_secs: u64,
    /// The longest lifetime (`exp - iat`), in seconds, of a token the gateway accepts; also
    /// how long each revocation is held. At least `--token-ttl-secs`.
    #[arg(long, env = "REALTIME_MAX_TOKEN_LIFETIME_SECS", default_value_t = realtime::gateway::DEFAULT_MAX_TOKEN_LIFETIME.as_secs())]
    pub max_token_lifetime_secs: u64,
    /// The largest payload accepted, in bytes of JSON.
    #[arg(long, env = "REALTIME_MAX_PAYLOAD_BYTES", default_value_t = realtime::DEFAULT_MAX_PAYLOAD_BYTES)]
    pub max_payload_bytes: usize,
    /// Also serve the demo: a page at `/` that watches a scripted pipeline run live (the
    /// `realtime` binary only: an application's command line has no demo).
    #[arg(long, env = "REALTIME_DEMO")]
    pub demo: bool,
    /// Refuse to start when the channels break this lock file (`realtime schema lock`), as
    /// `realtime schema check --lock FILE --mode <lock-mode>` would.
    #[arg(long, env = "REALTIME_LOCK", value_name = "FILE")]
    pub lock: Option<std::path::PathBuf>,
    /// Which changes from --lock refuse the start: backward, forward or full.
    #[arg(
        long,
        env = "REALTIME_LOCK_MODE",
        value_name = "MODE",
        default_value = "full",
        value_parser = clap::builder::EnumValueParser::<crate::schema::compat::ModeArg>::new()
    )]
    pub lock_mode: crate::schema::compat::ModeArg,
    /// Use Redis as the transport (e.g. `redis://127.0.0.1:6379`), so that several gateway
    /// processes share channels and history; without it, the in-memory transport.
    #[arg(long, env = "REALTIME_REDIS_URL")]
    pub redis: Option<String>,
    /// The prefix of every Redis key and pub/sub channel the transport uses.
    #[arg(long, env = "REALTIME_REDIS_PREFIX", default_value = realtime::runtime::redis::DEFAULT_KEY_PREFIX)]
    pub redis_prefix: String,
    /// The most messages each channel's history keeps, for subscribers that resume.
    #[arg(long, env = "REALTIME_HISTORY_LEN", default_value_t = HistoryLimits::DEFAULT_MAX_LEN)]
    pub history_len: usize,
    /// The oldest, in seconds, a message in a channel's history may be.
    #[arg(long, env = "REALTIME_HISTORY_AGE_SECS", default_value_t = HistoryLimits::DEFAULT_MAX_AGE.as_secs())]
    pub history_age_secs: u64,
    /// Subscriptions (WebSocket and SSE) one IP address may open, as `<count>/<s|m|h>[:<burst>]`
    /// or `off`; default `20/s:200`.
    #[arg(long, env = "REALTIME_CONNECT_RATE_IP", value_name = "RATE")]
    pub connect_rate_ip: Option<RateFlag>,
    /// Subscriptions one token may open; default `10/s:100`.
    #[arg(long, env = "REALTIME_CONNECT_RATE_KEY", value_name = "RATE")]
    pub connect_rate_key: Option<RateFlag>,
    /// Token requests from one IP address; default `20/s:200`.
    #[arg(long, env = "REALTIME_TOKEN_RATE_IP", value_name = "RATE")]
    pub token_rate_ip: Option<RateFlag>,
    /// Token requests with the signing key; default `200/s:2000`.
    #[arg(long, env = "REALTIME_TOKEN_RATE_KEY", value_name = "RATE")]
    pub token_rate_key: Option<RateFlag>,
    /// Publishes from one IP address; default `500/s:5000`.
    #[arg(long, env = "REALTIME_PUBLISH_RATE_IP", value_name = "RATE")]
    pub publish_rate_ip: Option<RateFlag>,
    /// Publishes with one credential (the signing key, or one publish token); default
    /// `1000/s:10000`.
    #[arg(long, env = "REALTIME_PUBLISH_RATE_KEY", value_name = "RATE")]
    pub publish_rate_key: Option<RateFlag>,
    /// No rate limit at all (the `--*-rate-*` flags are then ignored), e.g. for a load test
    /// from one address.
    #[arg(long, env = "REALTIME_NO_RATE_LIMITS")]
    pub no_rate_limits: bool,
    /// The most channels one WebSocket connection may subscribe to.
    #[arg(long, env = "REALTIME_MAX_SUBSCRIPTIONS", default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_subscriptions: u64,
    /// Seconds a client may take to send a request head before its connection is closed.
    #[arg(long, env = "REALTIME_HEAD_TIMEOUT_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub head_timeout_secs: u64,
    /// The largest request head (request line and headers), in bytes; at least 8192.
    #[arg(long, env = "REALTIME_MAX_HEAD_BYTES", default_value_t = 32 * 1024, value_parser = clap::value_parser!(u64).range(8192..))]
    pub max_head_bytes: u64,
    /// The largest WebSocket frame or message a client may send, in bytes.
    #[arg(long, env = "REALTIME_MAX_FRAME_BYTES", default_value_t = 64 * 1024, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_frame_bytes: u64,
    /// A proxy whose `X-Forwarded-For` is believed for the per-IP rates (repeat, or
    /// comma-separate); none by default, and then the header is never read.
    #[arg(
        long = "trusted-proxy",
        env = "REALTIME_TRUSTED_PROXIES",
        value_delimiter = ',',
        value_name = "IP"
    )]
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

/// A `--*-rate-*` flag: a [`RateLimit`] such as `20/s:200`, or `off`.
///
/// ```
/// use realtime_cli::RateFlag;
///
/// assert_eq!("off".parse::<RateFlag>().unwrap().0, None);
/// assert_eq!("5/s".parse::<RateFlag>().unwrap().0.unwrap().burst(), 5);
/// assert!("5 per second".parse::<RateFlag>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateFlag(pub Option<RateLimit>);

impl std::str::FromStr for RateFlag {
    type Err = RateLimitParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.trim().eq_ignore_ascii_case("off") {
            return Ok(RateFlag(None));
        }
        text.parse().map(|rate| RateFlag(Some(rate)))
    }
}

impl ServeArgs {
    /// The history limits these arguments describe.
    pub fn history_limits(&self) -> HistoryLimits {
        HistoryLimits {
            max_len: self.history_len,
            max_age: Duration::from_secs(self.history_age_secs.max(1)),
        }
    }

    /// The transport these arguments describe: Redis with `--redis`, else in memory.
    pub async fn transport(&self) -> Result<Arc<dyn Transport>, TransportError> {
        Ok(match &self.redis {
            Some(url) => Arc::new(
                RedisTransport::builder(url.clone())
                    .history(self.history_limits())
                    .key_prefix(self.redis_prefix.clone())
                    .connect()
                    .await?,
            ),
            None => Arc::new(MemoryTransport::builder().history(self.history_limits()).build()),
        })
    }

    /// The rate limits these arguments describe: each flag given, else the default.
    pub fn rate_limits(&self) -> RateLimits {
        if self.no_rate_limits {
            return RateLimits::off();
        }
        let defaults = RateLimits::default();
        let pick = |flag: Option<RateFlag>, default| flag.map_or(default, |RateFlag(rate)| rate);
        RateLimits {
            connect_per_ip: pick(self.connect_rate_ip, defaults.connect_per_ip),
            connect_per_key: pick(self.connect_rate_key, defaults.connect_per_key),
            token_per_ip: pick(self.token_rate_ip, defaults.token_per_ip),
            token_per_key: pick(self.token_rate_key, defaults.token_per_key),
            publish_per_ip: pick(self.publish_rate_ip, defaults.publish_per_ip),
            publish_per_key: pick(self.publish_rate_key, defaults.publish_per_key),
        }
    }

    /// The limits these arguments describe.
    pub fn limits(&self) -> Limits {
        let size = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        Limits {
            rates: self.rate_limits(),
            max_subscriptions: size(self.max_subscriptions),
            head_timeout: Duration::from_secs(self.head_timeout_secs),
            max_head_bytes: size(self.max_head_bytes),
            max_frame_bytes: size(self.max_frame_bytes),
            trusted_proxies: self.trusted_proxies.clone(),
        }
    }

    /// The gateway settings these arguments describe.
    pub fn gateway_config(&self) -> GatewayConfig {
        GatewayConfig {
            signing_key: self
                .signing_key
                .clone()
                .filter(|k| !k.is_empty())
                .map(SigningKey::new),
            fallback_key: self
                .signing_key_fallback
                .clone()
                .filter(|k| !k.is_empty())
                .map(SigningKey::new),
            jwks_file: self.jwks_file.clone(),
            jwks_url: self.jwks_url.clone().filter(|u| !u.is_empty()),
            jwks_refresh: Duration::from_secs(self.jwks_refresh_secs.max(1)),
            jwks_min_interval: Duration::from_secs(self.jwks_min_interval_secs),
            dev: self.dev,
            strict: self.strict,
            allowed_origins: self.allowed_origins.clone(),
            max_connections: self.max_connections,
            keepalive: Duration::from_secs(self.keepalive_secs.max(1)),
            token_ttl: Duration::from_secs(self.token_ttl_secs.max(1)),
            write_delay: Duration::from_millis(self.write_delay_ms),
            limits: self.limits(),
            max_session: (self.max_session_secs > 0).then(|| Duration::from_secs(self.max_session_secs)),
            max_token_lifetime: Duration::from_secs(self.max_token_lifetime_secs.max(1)),
            ..GatewayConfig::default()
        }
    }
}

/// The channels of this binary, which `serve` registers and `schema` exports: every
/// `#[channel]` type linked into it ([`ChannelRegistry::discovered`]).
///
/// ```
/// // This doctest declares no channel, and the `realtime` library brings none of its own.
/// assert!(realtime_cli::channels().is_empty());
/// ```
pub fn channels() -> ChannelRegistry {
    ChannelRegistry::discovered()
}

/// What `serve --demo` adds to a gateway: it registers the demo's channel and returns the
/// demo's routes, served beside the gateway's. Only the `realtime` binary has a demo
/// ([`main_with_demo`]); elsewhere `--demo` is refused with an error.
pub type Demo = fn(Gateway) -> (Gateway, Router);

/// Runs the command line of this process over the binary's [`channels`]: the whole `main`
/// of an application that wants `serve` and `schema` for its own channels.
///
/// ```no_run
/// fn main() -> std::process::ExitCode {
///     realtime_cli::main()
/// }
/// ```
pub fn main() -> ExitCode {
    run_with(std::env::args_os())
}

/// [`main`] with a [`Demo`] for `serve --demo`: the `main` of the `realtime` binary.
pub fn main_with_demo(demo: Demo) -> ExitCode {
    run_args(std::env::args_os(), Some(demo))
}

/// Parses `args` (the program name first) and runs them, as [`main`] does with the
/// process's arguments: a usage error or `--help` is printed as clap prints it (exit code
/// 2, or 0 for help), a failure as `error: ...` on stderr (exit code 1).
///
/// ```
/// let code = realtime_cli::run_with(["realtime", "schema", "--format", "yaml"]);
/// assert_eq!(code, std::process::ExitCode::from(2));
/// ```
pub fn run_with<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    run_args(args, None)
}

fn run_args<I, T>(args: I, demo: Option<Demo>) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(2));
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run_inner(cli, demo)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Runs a parsed command line over the binary's [`channels`], with no demo.
pub async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    run_inner(cli, None).await
}

async fn run_inner(cli: Cli, demo: Option<Demo>) -> Result<(), Box<dyn std::error::Error>> {
    // Ignored if already set: by the application, or by an earlier run in this process.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .try_init();
    match cli.command {
        Command::Serve(args) => serve(args, channels(), demo).await,
        Command::Schema(args) => {
            crate::schema::run(&args, &channels(), &mut std::io::stdout().lock())?;
            Ok(())
        }
        Command::Bench(args) => crate::bench::run(args).await,
        Command::BenchWorker => crate::bench::worker().await,
        Command::BenchGateway(args) => crate::bench::until_orphaned(serve(args, channels(), demo)).await,
    }
}

async fn serve(
    args: ServeArgs,
    channels: ChannelRegistry,
    demo: Option<Demo>,
) -> Result<(), Box<dyn std::error::Error>> {
    let demo = match (args.demo, demo) {
        (false, _) => None,
        (true, Some(demo)) => Some(demo),
        (true, None) => {
            return Err(
                "`--demo` is served by the `realtime` binary only; this command line has no demo".into(),
            )
        }
    };
    if let Some(lock) = &args.lock {
        let outcome = crate::schema::compat::check_before_serving(
            lock,
            args.lock_mode.0,
            &channels,
            &mut std::io::stderr(),
        )?;
        tracing::info!(lock = %lock.display(), changes = outcome.report.changes.len(), "the channels keep the lock's contract");
    }
    let transport = args.transport().await?;
    let kind = transport.kind();
    let realtime = Realtime::builder()
        .shared_transport(transport)
        .max_payload_bytes(args.max_payload_bytes)
        .build();
    let config = args.gateway_config();
    if config.dev {
        let banner = "=".repeat(72);
        tracing::warn!("{banner}");
        tracing::warn!("DEV MODE: requests need no credentials and tokens are signed with a public key.");
        tracing::warn!("Never run dev mode where anyone else can reach this server.");
        tracing::warn!("{banner}");
    }
    let gateway = Gateway::new(realtime, config)?.register_all(&channels);
    let listener = tokio::net::TcpListener::bind(args.addr).await?;
    let addr = listener.local_addr()?;
    let (gateway, router) = match demo {
        Some(demo) => {
            let (gateway, demo_routes) = demo(gateway);
            // Before the "listening on" line, which launchers wait for.
            tracing::info!("demo page: http://{addr}/");
            println!("demo page: http://{addr}/");
            let router = gateway.router().merge(demo_routes);
            (gateway, router)
        }
        None => {
            let router = gateway.router();
            (gateway, router)
        }
    };
    tracing::info!(%addr, transport = kind, "realtime gateway listening on http://{addr}");
    println!("listening on http://{addr}");
    gateway.serve_router(listener, router, shutdown_signal()).await?;
    tracing::info!("realtime gateway stopped");
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
