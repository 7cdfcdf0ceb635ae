//! `GET /healthz` and `GET /metrics`: whether the gateway serves, and its counters.

use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use serde_json::{json, Value};

use crate::gateway::GatewayState;

/// `GET /healthz`: `closing` once shutdown began, the transport, the open connections.
pub(crate) async fn healthz(State(state): State<Arc<GatewayState>>) -> Json<Value> {
    Json(json!({
        "status": if state.shutdown.is_cancelled() { "closing" } else { "ok" },
        "transport": state.realtime.transport().kind(),
        "connections": state.max_connections - state.permits.available_permits(),
    }))
}

/// `GET /metrics`, in the Prometheus text format.
pub(crate) async fn metrics(State(state): State<Arc<GatewayState>>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
}
