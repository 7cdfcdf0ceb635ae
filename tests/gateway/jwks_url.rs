//! A gateway fetching its JWKS from a URL: a loopback HTTP server serves the document and
//! rotates keys under the running gateway. A key rotated in is accepted without a restart,
//! a removed key is refused after the next refresh, unknown kids cannot make the gateway
//! hammer the URL, and a failed fetch keeps the last good set.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use realtime::gateway::GatewayConfig;
use realtime::TokenSigner;
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::keys::{eddsa, eddsa_b, fixture, signer};
use crate::start;
use crate::support::{config, guard, TestGateway};

/// What the JWKS server answers, and how often it was asked.
struct Served {
    answer: Mutex<(StatusCode, String)>,
    fetches: AtomicUsize,
}

/// A loopback HTTP server answering `GET /jwks.json`; stops when dropped.
struct JwksServer {
    served: Arc<Served>,
    url: String,
    task: JoinHandle<()>,
}

impl JwksServer {
    async fn start(jwks: &str) -> JwksServer {
        let served = Arc::new(Served {
            answer: Mutex::new((StatusCode::OK, jwks.to_owned())),
            fetches: AtomicUsize::new(0),
        });
        let app = Router::new()
            .route("/jwks.json", get(answer))
            .with_state(served.clone());
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("the JWKS server serves");
        });
        JwksServer { served, url, task }
    }

    fn serve(&self, status: StatusCode, body: &str) {
        *self.served.answer.lock().unwrap() = (status, body.to_owned());
    }

    fn fetches(&self) -> usize {
        self.served.fetches.load(Ordering::SeqCst)
    }

    /// Waits (under the hang guard) until the gateway fetched `n` more times.
    async fn wait_for_fetches(&self, n: usize) {
        let target = self.fetches() + n;
        guard("fetches of the JWKS URL", async {
            while self.fetches() < target {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await;
    }
}

impl Drop for JwksServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn answer(State(served): State<Arc<Served>>) -> (StatusCode, String) {
    served.fetches.fetch_add(1, Ordering::SeqCst);
    served.answer.lock().unwrap().clone()
}

fn url_config(server: &JwksServer, refresh: Duration, min_interval: Duration) -> GatewayConfig {
    GatewayConfig {
        jwks_url: Some(server.url.clone()),
        jwks_refresh: refresh,
        jwks_min_interval: min_interval,
        ..config()
    }
}

/// The keys of both fixture documents: `ed-a`, `es-a` and `ed-b`, as during a rotation.
fn overlap() -> String {
    let mut both: Value = serde_json::from_str(&fixture("jwks.json")).unwrap();
    let b: Value = serde_json::from_str(&fixture("jwks-b.json")).unwrap();
    both["keys"]
        .as_array_mut()
        .unwrap()
        .extend(b["keys"].as_array().unwrap().iter().cloned());
    both.to_string()
}

fn token(signer: &TokenSigner) -> String {
    signer.mint_names("pipeline:keys", ["status"], false).unwrap().jwt
}

/// The gateway's answer to a WebSocket subscription with `jwt`: `None` when accepted, else
/// the refusal's code.
async fn refusal(gw: &TestGateway, jwt: &str) -> Option<String> {
    match gw.ws(Some(jwt), None).await {
        Ok(ws) => {
            ws.close().await;
            None
        }
        Err(reply) => Some(reply.body["code"].as_str().unwrap_or_default().to_owned()),
    }
}

const HOUR: Duration = Duration::from_secs(3600);

#[tokio::test]
async fn a_token_with_a_new_kid_is_accepted_as_soon_as_the_jwks_url_has_it() {
    let server = JwksServer::start(&fixture("jwks.json")).await;
    let gw = start(url_config(&server, HOUR, Duration::ZERO)).await;
    assert_eq!(refusal(&gw, &token(&eddsa())).await, None);
    let before = server.fetches();
    assert_eq!(
        refusal(&gw, &token(&eddsa_b())).await.as_deref(),
        Some("token_unknown_key")
    );
    assert_eq!(server.fetches(), before + 1, "the unknown kid was looked up once");
    // The token service starts signing with a new key and publishes both.
    server.serve(StatusCode::OK, &overlap());
    assert_eq!(
        refusal(&gw, &token(&eddsa_b())).await,
        None,
        "accepted without a restart"
    );
    assert_eq!(
        refusal(&gw, &token(&eddsa())).await,
        None,
        "the old key still, meanwhile"
    );
}

#[tokio::test]
async fn a_removed_key_is_refused_after_the_next_refresh() {
    let server = JwksServer::start(&overlap()).await;
    let gw = start(url_config(&server, Duration::from_millis(100), HOUR)).await;
    let (old, new) = (token(&eddsa()), token(&eddsa_b()));
    assert_eq!(refusal(&gw, &old).await, None);
    server.serve(StatusCode::OK, &fixture("jwks-b.json"));
    server.wait_for_fetches(2).await;
    assert_eq!(refusal(&gw, &old).await.as_deref(), Some("token_unknown_key"));
    assert_eq!(refusal(&gw, &new).await, None);
}

#[tokio::test]
async fn a_flood_of_unknown_kids_fetches_at_most_once_per_interval() {
    let server = JwksServer::start(&fixture("jwks.json")).await;
    let gw = start(url_config(&server, HOUR, HOUR)).await;
    // Accepted once the first fetch, at start, has the key.
    assert_eq!(refusal(&gw, &token(&eddsa())).await, None);
    assert_eq!(server.fetches(), 1, "fetched at start");
    for i in 0..20 {
        let stranger = signer(&format!("unknown-{i}"), "ed25519-b.pem");
        assert_eq!(
            refusal(&gw, &token(&stranger)).await.as_deref(),
            Some("token_unknown_key")
        );
    }
    assert_eq!(server.fetches(), 1, "no fetch within the minimum interval");
    assert_eq!(fetch_count(&gw, "ok").await, 1);
}

/// `realtime_jwks_fetches_total{result}` of the gateway's metrics.
async fn fetch_count(gw: &TestGateway, result: &str) -> u64 {
    let metrics = gw.metrics().await;
    let prefix = format!("realtime_jwks_fetches_total{{result=\"{result}\"}} ");
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .map_or(0, |n| n.trim().parse().expect("a count"))
}

#[tokio::test]
async fn a_failed_fetch_keeps_the_last_good_set() {
    let server = JwksServer::start(&fixture("jwks.json")).await;
    let gw = start(url_config(&server, Duration::from_millis(50), Duration::ZERO)).await;
    let jwt = token(&eddsa());
    assert_eq!(refusal(&gw, &jwt).await, None);
    let mut private: Value = serde_json::from_str(&overlap()).unwrap();
    private["keys"][2]["d"] = json!("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A");
    let failures = [
        (StatusCode::INTERNAL_SERVER_ERROR, fixture("jwks-b.json")),
        (StatusCode::OK, "not json".to_owned()),
        (StatusCode::OK, r#"{"keys": []}"#.to_owned()),
        (StatusCode::OK, private.to_string()),
    ];
    for (status, body) in failures {
        server.serve(status, &body);
        server.wait_for_fetches(2).await;
        assert_eq!(
            refusal(&gw, &jwt).await,
            None,
            "kept after a {status} answer of {body}"
        );
        assert_eq!(
            refusal(&gw, &token(&eddsa_b())).await.as_deref(),
            Some("token_unknown_key"),
            "nothing of the refused document was taken"
        );
    }
    assert!(fetch_count(&gw, "failed").await >= 8, "{}", gw.metrics().await);
    assert!(fetch_count(&gw, "ok").await >= 1, "{}", gw.metrics().await);
}
