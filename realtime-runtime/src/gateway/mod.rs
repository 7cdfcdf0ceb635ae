//! The gateway: an HTTP server that puts a [`Realtime`] in front of browsers and services.
//!
//! Routes, compatible with the reference system's wire protocol so its SDKs work unchanged:
//!
//! | route | what it does |
//! | --- | --- |
//! | `GET /v1/realtime/connect?token=<jwt>` | subscribe over WebSocket |
//! | `GET /v1/realtime/sse?token=<jwt>` | subscribe over Server-Sent Events |
//! | `POST /v1/realtime/token` | mint a token (signing key) from `[{"channel", "name"}]`; `201 {"jwt"}` |
//! | `POST /v1/realtime/revoke` | revoke (signing key) a token `{"jti"}`, a subject's `{"sub"}` or a channel's `{"channel"}` tokens on every node: see [`RevocationTarget`] |
//! | `POST /v1/realtime/publish?channel=&topic=[&run_id=]` | publish the JSON body (signing key or publish token); with `Content-Type: text/stream`, the body as a data stream of text chunks |
//! | `GET /healthz`, `GET /metrics` | health, and Prometheus metrics |
//! | `GET /.well-known/realtime/` (and `channels.schema.json`, `asyncapi.json`, `channels.ts`) | the registered channels' documents, public: see [`docs`] |
//!
//! Publishes to registered channels are validated against the topic's schema (400 with
//! the violations); unknown channels pass through unless the gateway is strict (404).
//! Malformed JSON is 400, missing or wrong credentials 401, an out-of-scope token 403, a
//! body over the limit 413 (never truncated), too many connections 503, a client over its
//! rate 429 with `Retry-After` (see [`Limits`]). Every error is a
//! JSON body `{"error", "code", "status", "data"}` whose `code` is an [`ErrorCode`].
//!
//! A subscriber connection lives as long as its session: until the earliest expiry of the
//! tokens it holds (plus the authority's leeway) or [`GatewayConfig::max_session`] after it
//! opened, with a `session_expiring` notice before and a `closing` notice (code
//! `session_expired`) at the end; a WebSocket client extends it in band with
//! `{"kind": "refresh", "data": "<jwt>"}`. Revoking a token ([`Gateway::revoke`]) closes the
//! connections holding it on every node sharing the transport. The rules are in the
//! `session` and `revocation` modules' docs, and the README's security section.
//!
//! The modules: `routes` (the handlers and the router), `server` (accepting
//! connections and answering them), `extract` (the typed extractors handlers read requests
//! with), `auth` (credentials), `jwks` (the public keys of asymmetric tokens), `scope` (what
//! one subscriber connection receives), `position` (the notice that confirms a subscription
//! with where to resume from), `session` (how long it lives), `revocation` (revoked tokens,
//! across nodes), `code` and
//! `error` (the error codes and responses), `metrics` (counters, and the one place refusals
//! are counted), `limits` (rates, subscriptions per connection, request heads, frame sizes).

mod auth;
mod code;
mod error;
mod extract;
mod jwks;
mod limits;
mod metrics;
mod position;
mod revocation;
pub(crate) mod routes;
mod scope;
pub(crate) mod server;
mod session;

use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
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
pub use limits::{Limits, RateLimit, RateLimitParseError, RateLimits, RateUnit, MIN_HEAD_BYTES};
pub use metrics::GatewayMetrics;
pub use revocation::{Revocation, RevocationError, RevocationTarget, REVOCATION_CHANNEL};
pub use routes::docs;
pub use session::{REVOKED_CLOSE, SESSION_EXPIRED_CLOSE};

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
    /// A JWKS file of the public keys EdDSA and ES256 tokens are verified with (read once,
    /// at [`Gateway::new`]). Without it or `jwks_url`, only HS256 tokens are accepted.
    pub jwks_file: Option<PathBuf>,
    /// An `http://` URL of such a JWKS, fetched when serving starts, every `jwks_refresh`,
    /// and when a token names an unknown kid (at most once per `jwks_min_interval`).
    pub jwks_url: Option<String>,
    /// How often `jwks_url` is fetched again (default 5 minutes).
    pub jwks_refresh: Duration,
    /// The least time between two fetches of `jwks_url` prompted by unknown kids
    /// (default 10 seconds), so a flood of them cannot hammer the URL.
    pub jwks_min_interval: Duration,
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
    /// Rate limits, subscriptions per connection, request heads and client frame sizes.
    pub limits: Limits,
    /// The longest a subscriber connection lives, counted from its opening, however its
    /// tokens are refreshed; `None` (the default) leaves it to the tokens' expiry. See
    /// the session rules in the README (`### Sessions and refresh`).
    pub max_session: Option<Duration>,
    /// The longest lifetime (`exp - iat`) of a token the gateway accepts (default 24 hours);
    /// a longer one is refused with `token_lifetime_too_long`. It is also how long each
    /// node holds a revocation: after it, no token the revocation covers can be valid.
    /// Never less than `token_ttl`.
    pub max_token_lifetime: Duration,
}

/// The longest token lifetime a gateway accepts unless configured otherwise: 24 hours.
pub const DEFAULT_MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

impl Default for GatewayConfig {
    fn default() -> Self {
        GatewayConfig {
            signing_key: None,
            fallback_key: None,
            jwks_file: None,
            jwks_url: None,
            jwks_refresh: Duration::from_secs(300),
            jwks_min_interval: Duration::from_secs(10),
            dev: false,
            strict: false,
            allowed_origins: Vec::new(),
            max_connections: 10_000,
            keepalive: Duration::from_secs(15),
            token_ttl: realtime_core::DEFAULT_TOKEN_TTL,
            shutdown_grace: Duration::from_secs(5),
            write_delay: Duration::ZERO,
            limits: Limits::default(),
            max_session: None,
            max_token_lifetime: DEFAULT_MAX_TOKEN_LIFETIME,
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
    /// Both a JWKS file and a JWKS URL.
    #[error("give a JWKS file or a JWKS URL, not both")]
    JwksFileAndUrl,
    /// The JWKS file cannot be read.
    #[error("cannot read the JWKS file {path}: {reason}")]
    JwksFileUnreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The JWKS file is not a usable key set.
    #[error("the JWKS file {path} is refused: {source}")]
    JwksInvalid {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        source: realtime_core::KeySetError,
    },
    /// The JWKS URL is not an `http://` URL.
    #[error("the JWKS URL `{url}` is refused: {reason}")]
    JwksUrlInvalid {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
}

/// State shared by every route and connection.
pub(crate) struct GatewayState {
    pub(crate) realtime: Realtime,
    pub(crate) tokens: TokenAuthority,
    pub(crate) jwks: Option<Arc<jwks::JwksFetcher>>,
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
    pub(crate) limits: limits::GatewayLimits,
    pub(crate) max_session: Option<Duration>,
    pub(crate) max_token_lifetime: Duration,
    pub(crate) revocations: revocation::Revocations,
    /// Whether the task following other nodes' revocations was started.
    pub(crate) following: AtomicBool,
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
        let metrics = GatewayMetrics::default();
        let (keys, jwks) = jwks::key_source(&config, metrics.jwks_fetches())?;
        if let Some(keys) = keys {
            tokens = tokens.with_key_set(keys);
        }
        // The gateway accepts the tokens it mints itself.
        let max_token_lifetime = config.max_token_lifetime.max(config.token_ttl);
        Ok(Gateway {
            state: Arc::new(GatewayState {
                realtime,
                tokens,
                jwks,
                registry: ChannelRegistry::new(),
                metrics,
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
                limits: limits::GatewayLimits::new(&config.limits),
                max_session: config.max_session,
                max_token_lifetime,
                revocations: revocation::Revocations::new(max_token_lifetime),
                following: AtomicBool::new(false),
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

    /// Revokes a token (by `jti`), every token of a subject, or every token of a channel,
    /// on this node at once and on every node sharing its transport (see
    /// [`RevocationTarget`]): open connections holding such a token get `closing` with
    /// code `revoked` and are closed; new uses are refused with `token_revoked`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use realtime_runtime::gateway::{Gateway, GatewayConfig, RevocationTarget};
    /// use realtime_runtime::Realtime;
    ///
    /// let gateway = Gateway::new(Realtime::in_memory(), GatewayConfig { dev: true, ..Default::default() }).unwrap();
    /// let token = gateway.tokens().mint_names_for("user-42", "room:1", ["chat"], false).unwrap();
    /// gateway.revoke(RevocationTarget::Sub("user-42".into())).await.unwrap();
    /// assert!(gateway.check_token(&token.jwt).await.is_err());
    /// # }
    /// ```
    pub async fn revoke(&self, target: RevocationTarget) -> Result<Revocation, RevocationError> {
        self.start_following();
        self.state.revoke(target).await
    }

    /// Verifies a token as the gateway's routes do: signature, times, lifetime, channel
    /// name, and revocations.
    pub async fn check_token(&self, jwt: &str) -> Result<realtime_core::TokenClaims, ApiError> {
        self.state.verify_token(jwt).await
    }

    /// The routes, to serve or to merge into a larger application.
    pub fn router(&self) -> Router {
        self.start_following();
        routes::router(&self.state)
    }

    /// Starts following the revocations of other nodes, once, if on a Tokio runtime.
    fn start_following(&self) {
        if !self.state.following.swap(true, Ordering::AcqRel) && !revocation::start_following(&self.state) {
            self.state.following.store(false, Ordering::Release);
        }
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
        if let Some(jwks) = &self.state.jwks {
            jwks.fetch_first().await;
            let refresh = jwks.clone().refresh_periodically(self.state.shutdown.clone());
            self.state.tracker.spawn(refresh);
        }
        let head = self.state.limits.head;
        let connections =
            server::accept_until(listener, app, head, shutdown, self.state.shutdown.clone()).await;
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
