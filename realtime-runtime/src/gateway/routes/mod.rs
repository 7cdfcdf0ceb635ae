//! The gateway's routes, one module per route (or family of routes), and the router that
//! serves them.
//!
//! - [`publish`]: `POST /v1/realtime/publish`, a message published over HTTP.
//! - [`text_stream`]: the same route's `text/stream` bodies, published as data streams.
//! - [`token`]: `POST /v1/realtime/token`, tokens minted over HTTP.
//! - [`revoke`]: `POST /v1/realtime/revoke`, tokens revoked over HTTP.
//! - [`subscribe_ws`]: `GET /v1/realtime/connect`, subscribers over WebSocket; the frames
//!   its clients send are decoded by [`client_frame`].
//! - [`subscribe_sse`]: `GET /v1/realtime/sse`, subscribers over Server-Sent Events.
//! - [`health`]: `GET /healthz` and `GET /metrics`.
//! - [`docs`]: the registered channels' documents under `/.well-known/realtime/`.
//!
//! Handlers read the request through the typed extractors of [`super::extract`] and
//! answer errors as [`ApiError`](super::ApiError); the router's one counting layer
//! ([`super::metrics::count_refusals`]) counts each refusal as it becomes a response.

pub(crate) mod client_frame;
pub mod docs;
mod health;
mod publish;
mod revoke;
mod subscribe_sse;
mod subscribe_ws;
mod text_stream;
mod token;

use std::sync::Arc;

use axum::http::{header, Method};
use axum::middleware::{from_fn_with_state, map_response_with_state};
use axum::routing::{get, post};
use axum::Router;
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::limits::{limit_rate, Route};
use super::metrics::count_refusals;
use super::GatewayState;

/// The gateway's routes over `state`, with CORS and refusal counting.
pub(crate) fn router(state: &Arc<GatewayState>) -> Router {
    let cors = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::HeaderName::from_static("last-event-id"),
            header::HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([header::HeaderName::from_static("idempotent-replayed")])
        .allow_origin(if state.allowed_origins.is_empty() {
            AllowOrigin::any()
        } else {
            AllowOrigin::list(state.allowed_origins.clone())
        });
    // Each rate-limited route counts its requests before its handler reads anything.
    let limited = |route| from_fn_with_state((state.clone(), route), limit_rate);
    Router::new()
        .route(
            "/v1/realtime/connect",
            get(subscribe_ws::connect).layer(limited(Route::Connect)),
        )
        .route(
            "/v1/realtime/sse",
            get(subscribe_sse::subscribe).layer(limited(Route::Connect)),
        )
        .route(
            "/v1/realtime/token",
            post(token::mint_token).layer(limited(Route::Token)),
        )
        .route(
            "/v1/realtime/publish",
            post(publish::publish).layer(limited(Route::Publish)),
        )
        .route("/v1/realtime/revoke", post(revoke::revoke))
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(health::metrics))
        .merge(docs::routes(&state.registry))
        .layer(map_response_with_state(state.clone(), count_refusals))
        .layer(cors)
        .with_state(state.clone())
}
