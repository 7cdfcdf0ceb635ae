//! The gateway: an HTTP server that puts a [`Realtime`] in front of browsers and services.
//!
//! Routes, compatible with the reference system's wire protocol so its SDKs work unchanged:
//!
//! | route | what it does |
//! | --- | --- |
//! | `GET /v1/realtime/connect?token=<jwt>` | subscribe over WebSocket |
//! | `GET /v1/realtime/sse?token=<jwt>` | subscribe over Server-Sent Events |
//! | `POST /v1/realtime/token` | mint a token (signing key) from `[{"channel", "name"}]`; `201 {"jwt"}` |
//! | `POST /v1/realtime/publish?channel=&topic=[&run_id=]` | publish the JSON body (signing key or publish token); with `Content-Type: text/stream`, the body as a data stream of text chunks |
//! | `GET /healthz`, `GET /metrics` | health, and Prometheus metrics |
//! | `GET /.well-known/realtime/` (and `channels.schema.json`, `asyncapi.json`, `channels.ts`) | the registered channels' documents, public: see [`docs`] |
//!
//! Publishes to registered channels are validated against the topic's schema (400 with
//! the violations); unknown channels pass through unless the gateway is strict (404).
//! Malformed JSON is 400, missing or wrong credentials 401, an out-of-scope token 403, a
//! body over the limit 413 (never truncated), too many connections 503. Every error is a
//! JSON body `{"error", "code", "status", "data"}` whose `code` is an [`ErrorCode`].
//!
//! The modules: `routes` (the handlers and the router), `server` (accepting
//! connections and answering them), `extract` (the typed extractors handlers read requests
//! with), `auth` (credentials), `scope` (what one subscriber connection receives), `code` and
//! `error` (the error codes and responses), `metrics` (counters, and the one place refusals
//! are counted).

mod auth;
mod code;
mod error;
mod extract;
mod metrics;
pub(crate) mod routes;
mod scope;
pub(crate) mod server;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::http::HeaderValue;
use axum::Router;
use realtime_core::{Channel, ChannelRegistry, SigningKey, TokenAuthority};
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use code::ErrorCode;
pub use error::ApiError;
pub use metrics::GatewayMetrics;
pub use routes::docs;

use crate::Realtime;

/// The key tokens are signed with in dev mode, when no signing key is configured. It is
/// public: dev mode is for a developer's own machine only.
pub const DEV_SIGNING_KEY: &str = "dev-mode-is-not-secret";

/// Settings of a [`Gateway`].
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// The signing key; `None` only in dev mode.
    pub signing_key: Option<SigningKey>,
    /// A previous signing key still accepted for tokens and publishes.
    pub fallback_key: Option<SigningKey>,
    /// Accept requests without credentials (and sign with [`DEV_SIGNING_KEY`] if no key).
    pub dev: bool,
    /// Refuse publishes and tokens for channels no registered type matches.
    pub strict: bool,
    /// Browser origins allowed to subscribe; empty allows any.
    pub allowed_origins: Vec<String>,
    /// The most subscriber connections held at once.
    pub max_connections: usize,
    /// How often a WebSocket ping or SSE comment goes out.
    pub keepalive: Duration,
    /// How long minted tokens live.
    pub token_ttl: Duration,
    /// How long shutdown waits for connections to drain.
    pub shutdown_grace: Duration,
    /// How long a WebSocket connection waits, once a message is ready for it, to gather
    /// more before writing them all with one flush (at most 64). Zero, the default, writes
    /// at once (messages already waiting are still written together). A few milliseconds
    /// trade that much latency for fewer system calls per delivery under heavy fan-out.
    pub write_delay: Duration,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        GatewayConfig {
            signing_key: None,
            fallback_key: None,
            dev: false,
            strict: false,
            allowed_origins: Vec::new(),
            max_connections: 10_000,
            keepalive: Duration::from_secs(15),
            token_ttl: realtime_core::DEFAULT_TOKEN_TTL,
            shutdown_grace: Duration::from_secs(5),
            write_delay: Duration::ZERO,
        }
    }
}

/// A configuration that cannot serve.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GatewayConfigError {
    /// Neither a signing key nor dev mode.
    #[error("no signing key: set REALTIME_SIGNING_KEY (or --signing-key), or run in dev mode (--dev)")]
    NoSigningKey,
}

/// State shared by every route and connection.
pub(crate) struct GatewayState {
    pub(crate) realtime: Realtime,
    pub(crate) tokens: TokenAuthority,
    pub(crate) registry: ChannelRegistry,
    pub(crate) metrics: GatewayMetrics,
    pub(crate) dev: bool,
    pub(crate) strict: bool,
    pub(crate) allowed_origins: Vec<HeaderValue>,
    pub(crate) keepalive: Duration,
    pub(crate) max_connections: usize,
    pub(crate) permits: Arc<Semaphore>,
    pub(crate) shutdown: CancellationToken,
    pub(crate) tracker: TaskTracker,
    pub(crate) shutdown_grace: Duration,
    pub(crate) write_delay: Duration,
}

impl GatewayState {
    /// A connection slot, or 503 when the cap is reached.
    pub(crate) fn acquire_connection(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        self.permits.clone().try_acquire_owned().map_err(|_| {
            ApiError::of(
                ErrorCode::TooManyConnections,
                format!(
                    "the server holds its maximum of {} connections",
                    self.max_connections
                ),
            )
        })
    }
}

/// The gateway server.
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use realtime_runtime::gateway::{Gateway, GatewayConfig};
/// use realtime_runtime::Realtime;
///
/// let config = GatewayConfig { dev: true, ..GatewayConfig::default() };
/// let gateway = Gateway::new(Realtime::in_memory(), config).unwrap();
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8288").await?;
/// gateway.serve(listener, async { let _ = tokio::signal::ctrl_c().await; }).await
/// # }
/// ```
#[derive(Clone)]
pub struct Gateway {
    state: Arc<GatewayState>,
}

impl Gateway {
    /// A gateway over `realtime` with `config`, knowing no channel types yet.
    pub fn new(realtime: Realtime, config: GatewayConfig) -> Result<Self, GatewayConfigError> {
        let key = match (&config.signing_key, config.dev) {
            (Some(key), _) => key.clone(),
            (None, true) => SigningKey::new(DEV_SIGNING_KEY),
            (None, false) => return Err(GatewayConfigError::NoSigningKey),
        };
        let mut tokens = TokenAuthority::new(key).with_ttl(config.token_ttl);
        if let Some(fallback) = &config.fallback_key {
            tokens = tokens.with_fallback(fallback.clone());
        }
        Ok(Gateway {
            state: Arc::new(GatewayState {
                realtime,
                tokens,
                registry: ChannelRegistry::new(),
                metrics: GatewayMetrics::default(),
                dev: config.dev,
                strict: config.strict,
                allowed_origins: auth::origin_values(&config.allowed_origins),
                keepalive: config.keepalive,
                max_connections: config.max_connections,
                permits: Arc::new(Semaphore::new(config.max_connections)),
                shutdown: CancellationToken::new(),
                tracker: TaskTracker::new(),
                shutdown_grace: config.shutdown_grace,
                write_delay: config.write_delay,
            }),
        })
    }

    /// Registers channel type `C`: its publishes and tokens are checked against its topics.
    ///
    /// # Panics
    /// If called after the gateway was cloned or started serving.
    pub fn register<C: Channel>(mut self) -> Self {
        Arc::get_mut(&mut self.state)
            .expect("register channels before the gateway is shared")
            .registry
            .register::<C>();
        self
    }

    /// Registers every channel type of `registry`.
    ///
    /// # Panics
    /// If called after the gateway was cloned or started serving.
    pub fn register_all(mut self, registry: &ChannelRegistry) -> Self {
        let state = Arc::get_mut(&mut self.state).expect("register channels before the gateway is shared");
        for descriptor in registry.iter() {
            state.registry.add(*descriptor);
        }
        self
    }

    /// The channel types the gateway knows.
    pub fn registry(&self) -> &ChannelRegistry {
        &self.state.registry
    }

    /// The token authority (to mint tokens in-process, e.g. for a demo page).
    pub fn tokens(&self) -> &TokenAuthority {
        &self.state.tokens
    }

    /// The metrics.
    pub fn metrics(&self) -> &GatewayMetrics {
        &self.state.metrics
    }

    /// The `Realtime` handle the gateway publishes and subscribes with.
    pub fn realtime(&self) -> &Realtime {
        &self.state.realtime
    }

    /// The routes, to serve or to merge into a larger application.
    pub fn router(&self) -> Router {
        routes::router(&self.state)
    }

    /// Serves `router` (this gateway's routes, possibly merged with others) over HTTP/1.1
    /// until `shutdown` completes; then stops accepting, tells every subscriber it is
    /// closing, lets in-flight responses finish, and waits up to the grace period for
    /// connections and subscribers to drain. Returns after the grace period at the latest.
    ///
    /// HTTP/1.1 only, with keep-alive and WebSocket upgrades: h2c is not offered (browsers
    /// use HTTP/2 only over TLS, which a proxy in front terminates).
    pub async fn serve_router(
        &self,
        listener: TcpListener,
        router: Router,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        // Served as one shared router: `axum::serve(listener, router)` would give every
        // connection its own deep copy of the routes (`Router::with_state` per connection),
        // about 16 KB held for as long as an SSE subscriber stays connected. A clone of the
        // already-stated router is a reference count.
        let app = router.with_state::<()>(());
        let connections = server::accept_until(listener, app, shutdown, self.state.shutdown.clone()).await;
        self.state.shutdown.cancel();
        self.state.tracker.close();
        let deadline = tokio::time::Instant::now() + self.state.shutdown_grace;
        let _ = tokio::time::timeout_at(deadline, connections.wait()).await;
        let _ = tokio::time::timeout_at(deadline, self.state.tracker.wait()).await;
        Ok(())
    }

    /// Serves the gateway's routes until `shutdown` completes, then drains.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let router = self.router();
        self.serve_router(listener, router, shutdown).await
    }
}
