//! The demo's routes: the page, and creating and starting runs.

use std::collections::hash_map::{Entry, RandomState};
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;

use super::{run_job, Demo, DemoTopic, STEPS};
use realtime::gateway::Gateway;

/// The page served at `/`.
const PAGE: &str = include_str!("page.html");

/// The page's script, served at `/demo/page.js` (typed against the TypeScript export).
const SCRIPT: &str = include_str!("page.js");

/// Runs held at once, created or running; more are refused with 503.
const MAX_RUNS: usize = 256;

/// How long a created run may wait to be started before it is forgotten.
const START_WITHIN: Duration = Duration::from_secs(120);

/// A created demo run, as `POST /demo/runs` answers it.
#[derive(Debug, Clone, Serialize)]
pub struct DemoRun {
    /// The run.
    pub run_id: String,
    /// Its channel, `demo:<run_id>`.
    pub channel: String,
    /// A token to subscribe to the channel's topics (not to publish).
    pub token: String,
    /// The topics the token grants.
    pub topics: Vec<&'static str>,
    /// How many steps the run will publish.
    pub steps: usize,
}

enum RunState {
    Created(Instant),
    Running,
}

struct DemoState {
    gateway: Gateway,
    pace: Duration,
    runs: Mutex<HashMap<String, RunState>>,
}

/// The demo's routes, to merge with the gateway's ([`Gateway::router`]):
///
/// | route | what it does |
/// | --- | --- |
/// | `GET /` | the page |
/// | `GET /demo/page.js` | its script |
/// | `POST /demo/runs` | creates a run: `201 {"run_id", "channel", "token", "topics", "steps"}` |
/// | `POST /demo/runs/{run_id}/start` | starts it: `202`; `404` if unknown, `409` if started |
///
/// The page subscribes with the token before it starts the run, so it misses nothing.
/// Each step of a run is `pace` apart ([`DEFAULT_PACE`](super::DEFAULT_PACE) when served).
/// Register [`Demo`] with the gateway as well, so its publishes are checked.
///
/// [`install`](super::install) does both, for `realtime serve --demo`.
pub fn router(gateway: Gateway, pace: Duration) -> Router {
    let state = Arc::new(DemoState {
        gateway,
        pace,
        runs: Mutex::default(),
    });
    Router::new()
        .route("/", get(page))
        .route("/demo/page.js", get(script))
        .route("/demo/runs", post(create_run))
        .route("/demo/runs/{run_id}/start", post(start_run))
        .with_state(state)
}

async fn page() -> Response {
    ([(header::CACHE_CONTROL, "no-store")], Html(PAGE)).into_response()
}

async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        SCRIPT,
    )
        .into_response()
}

async fn create_run(State(state): State<Arc<DemoState>>) -> Result<(StatusCode, Json<DemoRun>), DemoError> {
    let run_id = new_run_id();
    {
        let mut runs = state.runs.lock().expect("demo runs lock");
        runs.retain(|_, run| !matches!(run, RunState::Created(at) if at.elapsed() > START_WITHIN));
        if runs.len() >= MAX_RUNS {
            return Err(DemoError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "too_many_demo_runs",
                format!("{MAX_RUNS} demo runs are already waiting or running; try again shortly"),
            ));
        }
        runs.insert(run_id.clone(), RunState::Created(Instant::now()));
    }
    let run = Demo::new(run_id.clone());
    let token = state
        .gateway
        .tokens()
        .mint(&run, [DemoTopic::Status, DemoTopic::Log, DemoTopic::Summary])
        .map_err(|e| {
            DemoError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "token_not_minted",
                format!("no token: {e}"),
            )
        })?;
    let body = DemoRun {
        channel: run.name(),
        run_id,
        token: token.jwt,
        topics: vec!["status", "log", "summary"],
        steps: STEPS.len(),
    };
    Ok((StatusCode::CREATED, Json(body)))
}

async fn start_run(
    State(state): State<Arc<DemoState>>,
    Path(run_id): Path<String>,
) -> Result<(StatusCode, Json<serde_json::Value>), DemoError> {
    match state.runs.lock().expect("demo runs lock").entry(run_id.clone()) {
        Entry::Occupied(mut entry) => match entry.get() {
            RunState::Created(_) => {
                entry.insert(RunState::Running);
            }
            RunState::Running => {
                return Err(DemoError::new(
                    StatusCode::CONFLICT,
                    "demo_run_started",
                    format!("demo run {run_id} is already running"),
                ))
            }
        },
        Entry::Vacant(_) => {
            return Err(DemoError::new(
                StatusCode::NOT_FOUND,
                "demo_run_not_found",
                format!("no demo run {run_id} is waiting to start; create one with POST /demo/runs"),
            ))
        }
    }
    let job_state = state.clone();
    let job_run_id = run_id.clone();
    tokio::spawn(async move {
        let run = Demo::new(job_run_id.clone());
        tracing::info!(run_id = %job_run_id, "demo run started");
        match run_job(job_state.gateway.realtime(), &run, job_state.pace).await {
            Ok(()) => tracing::info!(run_id = %job_run_id, "demo run finished"),
            Err(err) => tracing::warn!(run_id = %job_run_id, %err, "demo run failed"),
        }
        job_state.runs.lock().expect("demo runs lock").remove(&job_run_id);
    });
    Ok((
        StatusCode::ACCEPTED,
        Json(serde_json::json!({ "run_id": run_id, "started": true })),
    ))
}

/// A fresh run id: 12 random hex digits.
fn new_run_id() -> String {
    // A newly seeded `RandomState` is random enough for demo ids and needs no dependency.
    let bits = RandomState::new().hash_one(Instant::now());
    format!("{:012x}", bits & 0xffff_ffff_ffff)
}

/// A refusal of the demo's routes, answered in the gateway's error shape:
/// `{"error", "code", "status", "data"}`.
#[derive(Debug)]
struct DemoError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl DemoError {
    fn new(status: StatusCode, code: &'static str, message: String) -> Self {
        DemoError {
            status,
            code,
            message,
        }
    }
}

impl IntoResponse for DemoError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "error": self.message,
            "code": self.code,
            "status": self.status.as_u16(),
            "data": null,
        });
        (self.status, Json(body)).into_response()
    }
}
