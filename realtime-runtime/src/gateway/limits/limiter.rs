//! The rate limiters: one keyed GCRA limiter (the `governor` crate) per kind of request
//! and per way of telling clients apart.
//!
//! - **Per IP**: the TCP peer address of the connection, or the client a trusted proxy
//!   names (see [`super::client_ip`]; `X-Forwarded-For` from anyone else is not read, as
//!   anyone can write it). IPv6 addresses count per /64 (one host usually holds a whole
//!   /64), IPv4-mapped IPv6 addresses as IPv4.
//! - **Per key**: the credential the request presents, as a hash (with a key random per
//!   process) of its exact text: the signing key for tokens and publishes, the token for
//!   subscriptions and token-authorized publishes (each token counts on its own, two
//!   tokens of one subject separately). The credential is never kept nor used as a label.
//!   A request without one (dev mode) has no per-key limit.
//!
//! A key's state is kept only while it matters: every [`PRUNE_EVERY`] checks, a limiter
//! drops the keys whose allowance has fully come back (they behave exactly as new ones), so
//! memory grows with the clients active within one burst's time, not with every client
//! ever seen.

use std::hash::{BuildHasher, RandomState};
use std::net::{IpAddr, Ipv6Addr};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use governor::clock::Clock;
use governor::DefaultKeyedRateLimiter;

use super::{RateLimit, RateLimits, Route};

/// How many checks a limiter makes between two prunings of its idle keys.
pub(crate) const PRUNE_EVERY: u32 = 1024;

/// What a refused request is told: which limit, and when to come back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Exceeded {
    /// `"ip"` or `"key"`.
    pub(crate) by: &'static str,
    /// How long until one more request of this client would pass.
    pub(crate) wait: Duration,
}

impl Exceeded {
    /// The wait in whole seconds, rounded up, at least one: the `Retry-After` value.
    pub(crate) fn retry_after_secs(&self) -> u64 {
        let secs = self.wait.as_secs() + u64::from(self.wait.subsec_nanos() > 0);
        secs.max(1)
    }
}

/// One keyed limiter, pruned as it goes.
struct Keyed<K: std::hash::Hash + Eq + Clone> {
    limiter: DefaultKeyedRateLimiter<K>,
    checks: AtomicU32,
}

impl<K: std::hash::Hash + Eq + Clone> Keyed<K> {
    fn new(rate: Option<RateLimit>) -> Option<Self> {
        rate.map(|rate| Keyed {
            limiter: DefaultKeyedRateLimiter::keyed(rate.quota()),
            checks: AtomicU32::new(0),
        })
    }

    fn check(&self, key: &K) -> Result<(), Duration> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        self.limiter
            .check_key(key)
            .map_err(|not_until| not_until.wait_time_from(self.limiter.clock().now()))
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.limiter.len()
    }
}

/// The limiters of one kind of request.
struct RouteLimiters {
    ip: Option<Keyed<IpAddr>>,
    key: Option<Keyed<u64>>,
}

impl RouteLimiters {
    fn new(ip: Option<RateLimit>, key: Option<RateLimit>) -> Self {
        RouteLimiters {
            ip: Keyed::new(ip),
            key: Keyed::new(key),
        }
    }
}

/// Every rate limiter of the gateway.
pub(crate) struct RateLimiters {
    connect: RouteLimiters,
    token: RouteLimiters,
    publish: RouteLimiters,
    hasher: RandomState,
}

impl RateLimiters {
    pub(crate) fn new(rates: &RateLimits) -> Self {
        RateLimiters {
            connect: RouteLimiters::new(rates.connect_per_ip, rates.connect_per_key),
            token: RouteLimiters::new(rates.token_per_ip, rates.token_per_key),
            publish: RouteLimiters::new(rates.publish_per_ip, rates.publish_per_key),
            hasher: RandomState::new(),
        }
    }

    fn route(&self, route: Route) -> &RouteLimiters {
        match route {
            Route::Connect => &self.connect,
            Route::Token => &self.token,
            Route::Publish => &self.publish,
        }
    }

    /// Counts one request of `route` from `ip` presenting `credential`: refused if either
    /// its address or its credential is over its rate (the address is checked first).
    pub(crate) fn check(
        &self,
        route: Route,
        ip: Option<IpAddr>,
        credential: Option<&str>,
    ) -> Result<(), Exceeded> {
        let limiters = self.route(route);
        if let (Some(limiter), Some(ip)) = (&limiters.ip, ip) {
            limiter
                .check(&client_address(ip))
                .map_err(|wait| Exceeded { by: "ip", wait })?;
        }
        if let (Some(limiter), Some(credential)) = (&limiters.key, credential) {
            limiter
                .check(&self.hasher.hash_one(credential))
                .map_err(|wait| Exceeded { by: "key", wait })?;
        }
        Ok(())
    }

    /// How many clients (addresses and credentials) `route`'s limiters hold state for.
    #[cfg(test)]
    fn tracked(&self, route: Route) -> usize {
        let limiters = self.route(route);
        limiters.ip.as_ref().map_or(0, Keyed::len) + limiters.key.as_ref().map_or(0, Keyed::len)
    }
}

/// The address a client is counted under: IPv4 as is (also when mapped into IPv6), IPv6 by
/// its /64 network.
pub(crate) fn client_address(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !((1u128 << 64) - 1))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiters(rate: RateLimit) -> RateLimiters {
        RateLimiters::new(&RateLimits {
            publish_per_ip: Some(rate),
            publish_per_key: Some(rate),
            ..RateLimits::off()
        })
    }

    #[test]
    fn a_burst_passes_then_the_client_is_told_how_long_to_wait() {
        let limiters = limiters(RateLimit::per_minute(2));
        let ip = Some("10.0.0.1".parse().unwrap());
        assert_eq!(limiters.check(Route::Publish, ip, None), Ok(()));
        assert_eq!(limiters.check(Route::Publish, ip, None), Ok(()));
        let exceeded = limiters.check(Route::Publish, ip, None).unwrap_err();
        assert_eq!(exceeded.by, "ip");
        assert!(exceeded.wait > Duration::from_secs(29), "{exceeded:?}");
        assert!(exceeded.retry_after_secs() <= 30, "{exceeded:?}");
        // Another address, and routes without limits, are not held back.
        assert_eq!(
            limiters.check(Route::Publish, Some("10.0.0.2".parse().unwrap()), None),
            Ok(())
        );
        assert_eq!(limiters.check(Route::Connect, ip, Some("t")), Ok(()));
    }

    #[test]
    fn credentials_are_limited_apart_from_addresses() {
        let limiters = limiters(RateLimit::per_minute(1));
        let a = Some("10.0.0.1".parse().unwrap());
        let b = Some("10.0.0.2".parse().unwrap());
        assert_eq!(limiters.check(Route::Publish, a, Some("key-1")), Ok(()));
        assert_eq!(
            limiters.check(Route::Publish, b, Some("key-1")).unwrap_err().by,
            "key"
        );
        assert_eq!(limiters.check(Route::Publish, None, Some("key-2")), Ok(()));
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        let at = |millis| {
            Exceeded {
                by: "ip",
                wait: Duration::from_millis(millis),
            }
            .retry_after_secs()
        };
        assert_eq!((at(1), at(999), at(1000), at(1001), at(0)), (1, 1, 1, 2, 1));
    }

    #[test]
    fn ipv6_clients_count_per_64_and_mapped_ipv4_as_ipv4() {
        let net = |text: &str| client_address(text.parse().unwrap());
        assert_eq!(net("2001:db8:1:2:aaaa::1"), net("2001:db8:1:2:bbbb::9"));
        assert_ne!(net("2001:db8:1:2::1"), net("2001:db8:1:3::1"));
        assert_eq!(net("::ffff:10.0.0.1"), net("10.0.0.1"));
    }

    #[test]
    fn idle_clients_are_forgotten() {
        // A rate that comes back at once: every client is idle by the next check.
        let limiters = limiters(RateLimit::per_second(1_000_000_000));
        for i in 0..PRUNE_EVERY * 3 {
            let ip = IpAddr::from(std::net::Ipv4Addr::from(i));
            limiters.check(Route::Publish, Some(ip), None).unwrap();
        }
        assert!(
            limiters.tracked(Route::Publish) < PRUNE_EVERY as usize + 1,
            "{} clients tracked",
            limiters.tracked(Route::Publish)
        );
    }
}
