//! The command line: `realtime serve` and its settings, from flags and the environment.

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use realtime_runtime::gateway::{Gateway, GatewayConfig};

use crate::{Realtime, SigningKey};

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
    /// The largest payload accepted, in bytes of JSON.
    #[arg(long, env = "REALTIME_MAX_PAYLOAD_BYTES", default_value_t = crate::DEFAULT_MAX_PAYLOAD_BYTES)]
    pub max_payload_bytes: usize,
    /// Also serve the demo: a page at `/` that watches a scripted pipeline run live.
    #[arg(long, env = "REALTIME_DEMO")]
    pub demo: bool,
}

impl ServeArgs {
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
            dev: self.dev,
            strict: self.strict,
            allowed_origins: self.allowed_origins.clone(),
            max_connections: self.max_connections,
            keepalive: Duration::from_secs(self.keepalive_secs.max(1)),
            token_ttl: Duration::from_secs(self.token_ttl_secs.max(1)),
            ..GatewayConfig::default()
        }
    }
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match cli.command {
        Command::Serve(args) => serve(args).await,
    }
}

async fn serve(args: ServeArgs) -> Result<(), Box<dyn std::error::Error>> {
    let realtime = Realtime::builder()
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
    let mut gateway = Gateway::new(realtime, config)?;
    if args.demo {
        gateway = gateway.register::<crate::demo::Demo>();
    }
    let listener = tokio::net::TcpListener::bind(args.addr).await?;
    let addr = listener.local_addr()?;
    let mut router = gateway.router();
    if args.demo {
        router = router.merge(crate::demo::router(gateway.clone(), crate::demo::DEFAULT_PACE));
    }
    if args.demo {
        // Before the "listening on" line, which launchers wait for.
        tracing::info!("demo page: http://{addr}/");
        println!("demo page: http://{addr}/");
    }
    tracing::info!(%addr, transport = "memory", "realtime gateway listening on http://{addr}");
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
