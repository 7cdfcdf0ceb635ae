//! The public keys of asymmetric tokens (EdDSA, ES256): a JWKS read from a file at start,
//! or fetched from a URL and cached.
//!
//! A URL is fetched when the gateway starts serving, again every refresh period, and again
//! when a token names a kid the cached set does not hold (a key rotated in). Fetches are
//! rate-limited: at most one per minimum interval, however many tokens with unknown kids
//! arrive, and requests waiting meanwhile are answered with the set that fetch brought. A
//! fetch that fails (unreachable, not 200, not a valid JWKS) keeps the last good set.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use realtime_core::{KeySetError, PublicKeySet, SharedKeySet};
use reqwest::Url;
use tokio::sync::Mutex;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::metrics::JwksFetchCounter;
use super::{GatewayConfig, GatewayConfigError};

/// How long one fetch of the JWKS may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest JWKS document read (a set of a few keys is under 2 KB).
const MAX_JWKS_BYTES: usize = 256 * 1024;

/// Why a fetch of the JWKS URL brought no new set (the last good one stays).
#[derive(Debug, thiserror::Error)]
pub(crate) enum JwksFetchError {
    /// The request failed (connection, timeout, body).
    #[error("the JWKS request failed: {0}")]
    Request(#[from] reqwest::Error),
    /// The server answered another status than 200.
    #[error("the JWKS URL answered {0}")]
    Status(u16),
    /// The body is over [`MAX_JWKS_BYTES`].
    #[error("the JWKS document is over {MAX_JWKS_BYTES} bytes")]
    TooLarge,
    /// The body is not a usable JWKS.
    #[error(transparent)]
    KeySet(#[from] KeySetError),
}

/// Fetches a JWKS URL into a [`SharedKeySet`], rate-limited.
pub(crate) struct JwksFetcher {
    url: Url,
    http: reqwest::Client,
    keys: SharedKeySet,
    refresh: Duration,
    min_interval: Duration,
    /// When the last fetch started; held while a fetch runs, so fetches never overlap.
    last_fetch: Mutex<Option<Instant>>,
    counter: JwksFetchCounter,
}

/// The key set of a configuration, and the fetcher that keeps it current if it comes
/// from a URL.
pub(crate) fn key_source(
    config: &GatewayConfig,
    counter: JwksFetchCounter,
) -> Result<(Option<SharedKeySet>, Option<Arc<JwksFetcher>>), GatewayConfigError> {
    match (&config.jwks_file, &config.jwks_url) {
        (Some(_), Some(_)) => Err(GatewayConfigError::JwksFileAndUrl),
        (Some(path), None) => Ok((Some(SharedKeySet::new(read_file(path)?)), None)),
        (None, Some(url)) => {
            let fetcher = JwksFetcher::new(url, config, counter)?;
            Ok((Some(fetcher.keys.clone()), Some(Arc::new(fetcher))))
        }
        (None, None) => Ok((None, None)),
    }
}

fn read_file(path: &Path) -> Result<PublicKeySet, GatewayConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| GatewayConfigError::JwksFileUnreadable {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    PublicKeySet::from_json(&text).map_err(|source| GatewayConfigError::JwksInvalid {
        path: PathBuf::from(path),
        source,
    })
}

impl JwksFetcher {
    fn new(url: &str, config: &GatewayConfig, counter: JwksFetchCounter) -> Result<Self, GatewayConfigError> {
        let invalid = |reason: String| GatewayConfigError::JwksUrlInvalid {
            url: url.to_owned(),
            reason,
        };
        let parsed = Url::parse(url).map_err(|e| invalid(e.to_string()))?;
        if parsed.scheme() != "http" {
            return Err(invalid(format!(
                "the `{}` scheme is not supported: the gateway fetches JWKS over http (a local proxy or sidecar)",
                parsed.scheme()
            )));
        }
        let http = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .build()
            .map_err(|e| invalid(e.to_string()))?;
        Ok(JwksFetcher {
            url: parsed,
            http,
            keys: SharedKeySet::default(),
            refresh: config.jwks_refresh,
            min_interval: config.jwks_min_interval,
            last_fetch: Mutex::new(None),
            counter,
        })
    }

    /// Fetches now, unless a fetch started less than the minimum interval ago; either way
    /// returns once no fetch is running, so the caller reads the newest set.
    pub(crate) async fn refresh_unless_recent(&self) {
        let mut last = self.last_fetch.lock().await;
        if last.is_some_and(|at| at.elapsed() < self.min_interval) {
            return;
        }
        *last = Some(Instant::now());
        self.fetch_logged().await;
    }

    /// Fetches every refresh period until `shutdown` (the first fetch, at start, is the
    /// server's own).
    pub(crate) async fn refresh_periodically(self: Arc<Self>, shutdown: CancellationToken) {
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(self.refresh) => {}
            }
            let mut last = self.last_fetch.lock().await;
            *last = Some(Instant::now());
            self.fetch_logged().await;
        }
    }

    /// The first fetch, when the gateway starts serving.
    pub(crate) async fn fetch_first(&self) {
        let mut last = self.last_fetch.lock().await;
        *last = Some(Instant::now());
        self.fetch_logged().await;
    }

    async fn fetch_logged(&self) {
        let fetched = self.fetch().await;
        self.counter.fetched(fetched.is_ok());
        match fetched {
            Ok(set) => {
                tracing::debug!(url = %self.url, keys = set.len(), "fetched the JWKS");
                self.keys.replace(set);
            }
            Err(error) => tracing::warn!(url = %self.url, %error, "kept the last JWKS"),
        }
    }

    async fn fetch(&self) -> Result<PublicKeySet, JwksFetchError> {
        let mut response = self.http.get(self.url.clone()).send().await?;
        if response.status() != reqwest::StatusCode::OK {
            return Err(JwksFetchError::Status(response.status().as_u16()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err(JwksFetchError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        let text = String::from_utf8_lossy(&body);
        Ok(PublicKeySet::from_json(&text)?)
    }
}
