//! The rate limit in front of a route: a middleware that counts each request against its
//! client's address and credential before the handler reads anything else, and answers
//! `429 rate_limited` with `Retry-After` over the rate.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::header::RETRY_AFTER;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::client_ip::client_ip;
use super::limiter::Exceeded;
use crate::gateway::code::ErrorCode;
use crate::gateway::error::ApiError;
use crate::gateway::extract::{Bearer, Query, SubscribeParams};
use crate::gateway::GatewayState;

/// A kind of request with rate limits of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    /// `GET /v1/realtime/connect` and `GET /v1/realtime/sse`: one bucket for both.
    Connect,
    /// `POST /v1/realtime/token`.
    Token,
    /// `POST /v1/realtime/publish`.
    Publish,
}

impl Route {
    /// The metrics' reason of a refusal: `<route>/<by>`, split into labels when counted.
    fn reason(self, by: &'static str) -> &'static str {
        match (self, by) {
            (Route::Connect, "ip") => "connect/ip",
            (Route::Connect, _) => "connect/key",
            (Route::Token, "ip") => "token/ip",
            (Route::Token, _) => "token/key",
            (Route::Publish, "ip") => "publish/ip",
            (Route::Publish, _) => "publish/key",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Route::Connect => "subscriptions",
            Route::Token => "token requests",
            Route::Publish => "publishes",
        }
    }
}

/// The middleware (`axum::middleware::from_fn_with_state`, with the route as part of the
/// state) that limits one route's rate.
pub(crate) async fn limit_rate(
    State((state, route)): State<(Arc<GatewayState>, Route)>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let ip = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| client_ip(peer.ip(), &parts.headers, &state.limits.trusted_proxies));
    let Ok(Bearer(bearer)) = Bearer::from_request_parts(&mut parts, &()).await;
    let credential = match route {
        // A subscription's token may come in the query instead.
        Route::Connect => Query::<SubscribeParams>::from_request_parts(&mut parts, &())
            .await
            .ok()
            .and_then(|Query(params)| params.token().map(str::to_owned))
            .or(bearer),
        Route::Token | Route::Publish => bearer,
    };
    match state.limits.rates.check(route, ip, credential.as_deref()) {
        Ok(()) => next.run(Request::from_parts(parts, body)).await,
        Err(exceeded) => too_many(route, exceeded),
    }
}

/// `429 rate_limited` with `Retry-After`, counted under `<route>/<by>`.
fn too_many(route: Route, exceeded: Exceeded) -> Response {
    let secs = exceeded.retry_after_secs();
    let by = if exceeded.by == "ip" {
        "address"
    } else {
        "credential"
    };
    let error = ApiError::of(
        ErrorCode::RateLimited,
        format!("too many {} from this {by}: retry in {secs} s", route.describe()),
    )
    .with_data(json!({ "retry_after": secs, "limit": format!("per_{}", exceeded.by) }))
    .counted_as(route.reason(exceeded.by));
    let mut response = error.into_response();
    response
        .headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from(secs));
    response
}
