//! Behaviour of the gateway through real HTTP and WebSocket on a loopback port: tokens,
//! subscriptions, publishes, origins, the connection cap, keepalive, shutdown and metrics.
//! Every bad input is refused with its own status and `code`, and leaves the server
//! serving, which [`assert_serving`] checks after each batch of bad requests.

mod asymmetric_keys;
mod connections;
mod datastream;
#[path = "../common/demo_channel.rs"]
mod demo_channel;
mod docs;
#[path = "../common/hang_guard.rs"]
mod hang_guard;
mod idempotency;
mod jwks_url;
#[path = "../common/keys.rs"]
mod keys;
mod lifecycle;
mod limits;
// `transports` first: `position` uses its `on_transports!`.
#[path = "../common/transports.rs"]
#[macro_use]
mod transports;
mod position;
mod publish;
mod refusals;
mod resume;
mod revocation;
mod run_lifecycle;
mod sessions;
mod sse_direct;
mod subscribers;
#[path = "../common/gateway.rs"]
mod support;
mod token_refusals;
mod token_route;

use std::sync::atomic::{AtomicU64, Ordering};

use realtime::gateway::{Gateway, GatewayConfig};
use realtime::{channel, Realtime};
use serde::{Deserialize, Serialize};
use serde_json::json;
use support::{TestGateway, SIGNING_KEY};

/// Where a run is.
#[derive(Serialize, Deserialize, schemars::JsonSchema)]
struct Status {
    message: String,
    /// Percent done.
    #[schemars(range(max = 100))]
    percent: u8,
}

/// One generated token.
#[derive(Serialize, Deserialize, schemars::JsonSchema)]
struct Token {
    text: String,
}

#[channel(name = "pipeline:<run_id>")]
struct Pipeline {
    run_id: String,
    #[topic]
    status: Status,
    #[topic(name = "llm_tokens")]
    tokens: Token,
}

/// The JavaScript SDK's form of [`SIGNING_KEY`]: the prefix, then the SHA-256 of the
/// hex-decoded secret (`echo -n 0123abcd | xxd -r -p | sha256sum`).
const JS_HASHED_KEY: &str = "signkey-test-2647356804523c847ca70dc0f6c66a28d4cec5f53b9119a9022984ceec35e9da";
/// The Python SDK's form: the bare hash.
const BARE_HASHED_KEY: &str = "2647356804523c847ca70dc0f6c66a28d4cec5f53b9119a9022984ceec35e9da";

async fn start(config: GatewayConfig) -> TestGateway {
    start_over(Realtime::in_memory(), config).await
}

async fn start_over(realtime: Realtime, config: GatewayConfig) -> TestGateway {
    let gateway = Gateway::new(realtime, config)
        .expect("a valid configuration")
        .register::<Pipeline>();
    TestGateway::start(gateway).await
}

fn status(message: &str, percent: u8) -> Status {
    Status {
        message: message.to_owned(),
        percent,
    }
}

/// `channel=<channel>&topic=<topic>`.
fn target(channel: &str, topic: &str) -> String {
    format!("channel={channel}&topic={topic}")
}

/// The server still answers `/healthz` and still delivers a publish to a new subscriber.
async fn assert_serving(gw: &TestGateway) {
    static RUNS: AtomicU64 = AtomicU64::new(0);
    let health = gw.get("/healthz").await;
    assert_eq!(
        (health.status, &health.body["status"]),
        (200, &json!("ok")),
        "{health:?}"
    );
    let channel = format!("pipeline:alive-{}", RUNS.fetch_add(1, Ordering::Relaxed));
    let mut ws = gw.ws_ok(&gw.token(&channel, &["status"])).await;
    let published = gw
        .publish(
            Some(SIGNING_KEY),
            &target(&channel, "status"),
            r#"{"message":"alive","percent":1}"#,
        )
        .await;
    assert_eq!(published.status, 200, "{published:?}");
    let envelope = ws.next_json().await;
    assert_eq!(
        (&envelope["channel"], &envelope["data"]["message"]),
        (&json!(channel), &json!("alive"))
    );
    ws.close().await;
}
