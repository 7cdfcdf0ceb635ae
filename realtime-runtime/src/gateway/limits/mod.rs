//! What the gateway limits, so that no one client can take more than its share:
//!
//! - **Rates** ([`RateLimits`]): how fast one client connects (WebSocket and SSE
//!   subscriptions together), mints tokens and publishes, counted per client IP address and
//!   per credential. Over the rate a request is refused before anything else is read,
//!   `429 rate_limited` with `Retry-After` (whole seconds, rounded up), and counted in
//!   `realtime_rate_limited_total{route, by}`. See [`limiter`] for how clients are told
//!   apart.
//! - **Subscriptions per connection** ([`Limits::max_subscriptions`]): a WebSocket `sub`
//!   frame for one channel more is refused with `too_many_subscriptions`; the connection
//!   keeps serving.
//! - **Request heads** ([`Limits::head_timeout`], [`Limits::max_head_bytes`]): a head not
//!   complete in time closes its connection (however slowly its bytes trickle in; also an
//!   idle keep-alive connection waiting for its next request), and one over the size is
//!   answered `431` and closed.
//! - **Client WebSocket messages** ([`Limits::max_frame_bytes`]): a larger frame or message
//!   closes its connection with close code 1009 (message too big).

mod client_ip;
mod connection;
mod layer;
pub(crate) mod limiter;
mod rate;

use std::net::IpAddr;
use std::time::Duration;

pub(crate) use connection::{check_subscription, close_if_too_large};
pub(crate) use layer::{limit_rate, Route};
pub(crate) use limiter::RateLimiters;
pub use rate::{RateLimit, RateLimitParseError, RateUnit};

/// The smallest request head limit: hyper's HTTP/1 reader needs 8 KiB of buffer.
pub const MIN_HEAD_BYTES: usize = 8 * 1024;

/// The gateway's limits, part of [`GatewayConfig`](super::GatewayConfig).
///
/// ```
/// use std::time::Duration;
/// use realtime_runtime::gateway::{Limits, RateLimits};
///
/// let limits = Limits { rates: RateLimits::off(), max_subscriptions: 10, ..Limits::default() };
/// assert_eq!(limits.head_timeout, Duration::from_secs(30));
/// assert!(limits.rates.publish_per_ip.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Request rates per client IP and per credential.
    pub rates: RateLimits,
    /// The most channels one WebSocket connection may subscribe to (at least one: the
    /// connection's own). Default 100.
    pub max_subscriptions: usize,
    /// How long a client may take to send a request head, from its connection (or the end
    /// of its previous request) to the blank line. Default 30 s.
    pub head_timeout: Duration,
    /// The largest request head, request line and headers together, in bytes (at least
    /// [`MIN_HEAD_BYTES`]). Default 32 KiB.
    pub max_head_bytes: usize,
    /// The largest WebSocket frame and message a client may send, in bytes. Default 64 KiB:
    /// clients send only `sub` frames with a token, `unsub` frames and pongs.
    pub max_frame_bytes: usize,
    /// Proxies whose `X-Forwarded-For` is believed: a request from one of these addresses
    /// is counted under the client address the proxies name (the last one in the header
    /// that is not a trusted proxy). Empty by default: the header is never read.
    pub trusted_proxies: Vec<IpAddr>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            rates: RateLimits::default(),
            max_subscriptions: 100,
            head_timeout: Duration::from_secs(30),
            max_head_bytes: 32 * 1024,
            max_frame_bytes: 64 * 1024,
            trusted_proxies: Vec::new(),
        }
    }
}

/// Rates per client IP address and per credential, for each kind of request; `None` lets
/// that kind through unlimited.
///
/// The defaults let a browser, an office behind one NAT address or a backend do anything
/// ordinary and stop floods. A gateway behind a proxy sees every client at the proxy's
/// address: name the proxy in [`Limits::trusted_proxies`], or raise the per-IP rates.
///
/// ```
/// use realtime_runtime::gateway::{RateLimit, RateLimits};
///
/// let rates = RateLimits::default();
/// assert_eq!(rates.connect_per_ip, Some(RateLimit::per_second(20).with_burst(200)));
/// assert_eq!(RateLimits::off().connect_per_ip, None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimits {
    /// WebSocket and SSE subscriptions opened from one IP address. Default `20/s:200`.
    pub connect_per_ip: Option<RateLimit>,
    /// Subscriptions opened with one token. Default `10/s:100`.
    pub connect_per_key: Option<RateLimit>,
    /// Token requests from one IP address. Default `20/s:200`.
    pub token_per_ip: Option<RateLimit>,
    /// Token requests with one signing key (every backend holding it together). Default
    /// `200/s:2000`.
    pub token_per_key: Option<RateLimit>,
    /// Publishes from one IP address. Default `500/s:5000`.
    pub publish_per_ip: Option<RateLimit>,
    /// Publishes with one credential (the signing key, or one publish token). Default
    /// `1000/s:10000`.
    pub publish_per_key: Option<RateLimit>,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            connect_per_ip: Some(RateLimit::per_second(20).with_burst(200)),
            connect_per_key: Some(RateLimit::per_second(10).with_burst(100)),
            token_per_ip: Some(RateLimit::per_second(20).with_burst(200)),
            token_per_key: Some(RateLimit::per_second(200).with_burst(2000)),
            publish_per_ip: Some(RateLimit::per_second(500).with_burst(5000)),
            publish_per_key: Some(RateLimit::per_second(1000).with_burst(10_000)),
        }
    }
}

impl RateLimits {
    /// No rate limit at all (e.g. for a load test from one address).
    pub fn off() -> Self {
        RateLimits {
            connect_per_ip: None,
            connect_per_key: None,
            token_per_ip: None,
            token_per_key: None,
            publish_per_ip: None,
            publish_per_key: None,
        }
    }
}

/// How request heads are bounded, for the accept loop.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HeadLimits {
    pub(crate) timeout: Duration,
    pub(crate) max_bytes: usize,
}

/// The limits as the running gateway holds them.
pub(crate) struct GatewayLimits {
    pub(crate) rates: RateLimiters,
    pub(crate) max_subscriptions: usize,
    pub(crate) head: HeadLimits,
    pub(crate) max_frame_bytes: usize,
    pub(crate) trusted_proxies: Vec<IpAddr>,
}

impl GatewayLimits {
    pub(crate) fn new(limits: &Limits) -> Self {
        GatewayLimits {
            rates: RateLimiters::new(&limits.rates),
            max_subscriptions: limits.max_subscriptions.max(1),
            head: HeadLimits {
                timeout: limits.head_timeout,
                max_bytes: limits.max_head_bytes.max(MIN_HEAD_BYTES),
            },
            max_frame_bytes: limits.max_frame_bytes.max(1),
            trusted_proxies: limits.trusted_proxies.iter().map(IpAddr::to_canonical).collect(),
        }
    }
}
