//! Prometheus metrics of the gateway, served at `/metrics`, and the one place refusals are
//! counted.
//!
//! Every refused request is counted once, where its error becomes a response: the router's
//! [`count_refusals`] layer reads the [`Refusal`] an [`ApiError`](super::ApiError) response
//! carries. A refused WebSocket frame, which is no response, is counted by the one
//! function that writes its error frame, through [`GatewayMetrics::refused`].
//!
//! A refusal goes to one of four families, by its code: credentials and token scope to
//! `realtime_auth_failures_total{reason}`, a schema violation to
//! `realtime_validation_failures_total`, a rate limit to
//! `realtime_rate_limited_total{route, by}` (`route` is `connect`, `token` or `publish`,
//! `by` is `ip` or `key`), anything else to `realtime_rejected_requests_total{reason}`;
//! `reason` is the code (for `unauthorized`, `missing_credentials` or `wrong_key`).

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use super::code::ErrorCode;
use super::error::Refusal;
use super::GatewayState;

type Labels = Vec<(&'static str, &'static str)>;

/// The gateway's counters and gauges.
#[derive(Debug)]
pub struct GatewayMetrics {
    registry: Registry,
    connections: Family<Labels, Gauge>,
    published: Counter,
    delivered: Family<Labels, Counter>,
    auth_failures: Family<Labels, Counter>,
    validation_failures: Counter,
    rejected: Family<Labels, Counter>,
    rate_limited: Family<Labels, Counter>,
    continuity_lost: Counter,
    jwks_fetches: Family<Labels, Counter>,
    ended: Family<Labels, Counter>,
}

impl Default for GatewayMetrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("realtime");
        let connections = Family::<Labels, Gauge>::default();
        let published = Counter::default();
        let delivered = Family::<Labels, Counter>::default();
        let auth_failures = Family::<Labels, Counter>::default();
        let validation_failures = Counter::default();
        let rejected = Family::<Labels, Counter>::default();
        let rate_limited = Family::<Labels, Counter>::default();
        let continuity_lost = Counter::default();
        let jwks_fetches = Family::<Labels, Counter>::default();
        let ended = Family::<Labels, Counter>::default();
        registry.register(
            "connections",
            "Open subscriber connections, by transport",
            connections.clone(),
        );
        registry.register(
            "messages_published",
            "Messages published through the gateway",
            published.clone(),
        );
        registry.register(
            "messages_delivered",
            "Messages written to subscribers, by transport",
            delivered.clone(),
        );
        registry.register(
            "auth_failures",
            "Requests refused for credentials or token scope, by reason",
            auth_failures.clone(),
        );
        registry.register(
            "validation_failures",
            "Messages refused for breaking their topic's schema",
            validation_failures.clone(),
        );
        registry.register(
            "rejected_requests",
            "Requests refused for other bad input, by reason",
            rejected.clone(),
        );
        registry.register(
            "rate_limited",
            "Requests refused for going over a rate limit, by route and by what was limited (ip or key)",
            rate_limited.clone(),
        );
        registry.register(
            "continuity_lost",
            "Notices that messages were lost for a subscriber (history did not reach back)",
            continuity_lost.clone(),
        );
        registry.register(
            "jwks_fetches",
            "Fetches of the JWKS URL, by result (`ok`, or `failed`: the last good key set is kept)",
            jwks_fetches.clone(),
        );
        registry.register(
            "connections_ended",
            "Subscriber connections the gateway ended, by reason (session_expired, revoked)",
            ended.clone(),
        );
        GatewayMetrics {
            registry,
            connections,
            published,
            delivered,
            auth_failures,
            validation_failures,
            rejected,
            rate_limited,
            continuity_lost,
            jwks_fetches,
            ended,
        }
    }
}

impl GatewayMetrics {
    pub(crate) fn connection_opened(&self, transport: &'static str) {
        self.connections
            .get_or_create(&vec![("transport", transport)])
            .inc();
    }

    pub(crate) fn connection_closed(&self, transport: &'static str) {
        self.connections
            .get_or_create(&vec![("transport", transport)])
            .dec();
    }

    pub(crate) fn published(&self) {
        self.published.inc();
    }

    pub(crate) fn delivered(&self, transport: &'static str) {
        self.delivered
            .get_or_create(&vec![("transport", transport)])
            .inc();
    }

    pub(crate) fn validation_failure(&self) {
        self.validation_failures.inc();
    }

    /// Counts one refusal in its family.
    pub(crate) fn refused(&self, refusal: Refusal) {
        let family = match refusal.code {
            ErrorCode::SchemaViolation => return self.validation_failure(),
            ErrorCode::RateLimited => return self.rate_limited(refusal.reason),
            ErrorCode::Unauthorized
            | ErrorCode::TokenMalformed
            | ErrorCode::TokenAlgorithmNotAllowed
            | ErrorCode::TokenBadSignature
            | ErrorCode::TokenExpired
            | ErrorCode::TokenNotYetValid
            | ErrorCode::TokenWrongIssuer
            | ErrorCode::TokenNoTopics
            | ErrorCode::TokenInvalid
            | ErrorCode::TokenWrongChannel
            | ErrorCode::TokenTopicNotGranted
            | ErrorCode::TokenCannotPublish
            | ErrorCode::TokenMissingKid
            | ErrorCode::TokenUnknownKey
            | ErrorCode::TokenKeyAlgorithmMismatch
            | ErrorCode::OriginNotAllowed
            | ErrorCode::TokenRevoked
            | ErrorCode::TokenLifetimeTooLong
            | ErrorCode::RefreshNarrower => &self.auth_failures,
            _ => &self.rejected,
        };
        family.get_or_create(&vec![("reason", refusal.reason)]).inc();
    }

    /// Counts one request refused by a rate limit; `reason` is `<route>/<by>`.
    fn rate_limited(&self, reason: &'static str) {
        let (route, by) = reason.split_once('/').unwrap_or((reason, "unknown"));
        self.rate_limited
            .get_or_create(&vec![("route", route), ("by", by)])
            .inc();
    }

    /// Counts a connection the gateway ended because its session expired or a token it
    /// held was revoked.
    pub(crate) fn connection_ended(&self, reason: &'static str) {
        self.ended.get_or_create(&vec![("reason", reason)]).inc();
    }

    pub(crate) fn continuity_lost(&self) {
        self.continuity_lost.inc();
    }

    /// The counter of JWKS fetches, for the fetcher (made before the gateway's state).
    pub(crate) fn jwks_fetches(&self) -> JwksFetchCounter {
        JwksFetchCounter(self.jwks_fetches.clone())
    }

    /// The metrics in the Prometheus text format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        encode(&mut out, &self.registry).expect("writing to a String cannot fail");
        out
    }
}

/// Counts the fetches of a JWKS URL by result; a handle on the gateway's counter.
#[derive(Debug, Clone)]
pub(crate) struct JwksFetchCounter(Family<Labels, Counter>);

impl JwksFetchCounter {
    pub(crate) fn fetched(&self, ok: bool) {
        let result = if ok { "ok" } else { "failed" };
        self.0.get_or_create(&vec![("result", result)]).inc();
    }
}

/// The router's layer (`axum::middleware::map_response_with_state`) that counts each
/// refused request once, from the [`Refusal`] its error response carries.
pub(crate) async fn count_refusals(State(state): State<Arc<GatewayState>>, response: Response) -> Response {
    if let Some(refusal) = response.extensions().get::<Refusal>() {
        state.metrics.refused(*refusal);
    }
    response
}
