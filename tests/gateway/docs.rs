//! `GET /.well-known/realtime/...`: the documents of the channels registered with the
//! gateway, served without credentials.

use realtime::gateway::Gateway;
use realtime::Realtime;
use serde_json::Value;

use crate::demo_channel::Demo;
use crate::support::{config, guard, TestGateway};

/// A gateway with a signing key (so every other route wants credentials) that knows only
/// a channel of the demo's shape.
async fn start_with_demo() -> TestGateway {
    let gateway = Gateway::new(Realtime::in_memory(), config())
        .expect("a valid configuration")
        .register::<Demo>();
    TestGateway::start(gateway).await
}

/// A GET answer: status, `Content-Type` and body text.
struct Fetched {
    status: u16,
    content_type: String,
    headers: reqwest::header::HeaderMap,
    body: String,
}

impl Fetched {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("a JSON body ({e}): {}", self.body))
    }
}

async fn fetch(gw: &TestGateway, path: &str, headers: &[(&str, &str)]) -> Fetched {
    let mut request = reqwest::Client::new().get(gw.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = guard(path, request.send()).await.expect("send a GET");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = guard("the body", response.text()).await.expect("read the body");
    Fetched {
        status,
        content_type,
        headers,
        body,
    }
}

/// `host:port` of the test gateway, as reqwest sends it in `Host`.
fn authority(gw: &TestGateway) -> String {
    gw.url("")
        .strip_prefix("http://")
        .expect("an http URL")
        .to_owned()
}

#[tokio::test]
async fn the_index_lists_the_documents_and_the_registered_channels() {
    let gw = start_with_demo().await;
    for path in ["/.well-known/realtime/", "/.well-known/realtime"] {
        let index = fetch(&gw, path, &[]).await;
        assert_eq!(index.status, 200, "{path}: {}", index.body);
        assert_eq!(index.content_type, "application/json");
        let index = index.json();
        assert_eq!(
            index["documents"],
            serde_json::json!({
                "jsonschema": "/.well-known/realtime/channels.schema.json",
                "asyncapi": "/.well-known/realtime/asyncapi.json",
                "typescript": "/.well-known/realtime/channels.ts",
                "client": "/.well-known/realtime/client.ts",
            })
        );
        assert_eq!(
            index["channels"],
            serde_json::json!([{ "name": "Demo", "pattern": "demo:<run_id>", "topics": ["log", "status", "summary"] }]),
            "only the channels registered with this gateway (not the tests' Pipeline)"
        );
    }
}

#[tokio::test]
async fn the_json_schema_bundle_describes_the_demo_channel() {
    let gw = start_with_demo().await;
    let reply = fetch(&gw, "/.well-known/realtime/channels.schema.json", &[]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.content_type, "application/json");
    assert!(reply.body.ends_with("}\n"), "pretty JSON with a final newline");
    let bundle = reply.json();
    assert_eq!(bundle["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert_eq!(bundle["$defs"]["Demo"]["x-realtime"]["pattern"], "demo:<run_id>");
    assert_eq!(
        bundle["$defs"]["Demo.status"]["properties"]["percent"]["maximum"],
        100
    );
    assert!(bundle["$defs"].get("Pipeline").is_none());
    assert_eq!(
        bundle,
        realtime::core::export::json_schema::bundle(gw.gateway.registry()),
        "the gateway's registry, exported"
    );
}

#[tokio::test]
async fn the_asyncapi_document_names_the_requested_host() {
    let gw = start_with_demo().await;
    let reply = fetch(&gw, "/.well-known/realtime/asyncapi.json", &[]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.content_type, "application/json");
    let vary = reply
        .headers
        .get("vary")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(vary.contains("host"), "vary: {vary}");
    let api = reply.json();
    assert_eq!(api["asyncapi"], "3.0.0");
    assert_eq!(api["channels"]["Demo"]["address"], "demo:{run_id}");
    assert_eq!(
        api["channels"]["Demo"]["messages"]
            .as_object()
            .map(|m| m.keys().cloned().collect::<Vec<_>>()),
        Some(vec![
            "log".to_owned(),
            "run".to_owned(),
            "status".to_owned(),
            "summary".to_owned()
        ])
    );
    assert_eq!(api["channels"].as_object().map(|c| c.len()), Some(1));
    assert_eq!(api["servers"]["gateway"]["host"], authority(&gw));
    assert_eq!(api["servers"]["gateway"]["protocol"], "ws");
    assert_eq!(api["servers"]["publish"]["host"], authority(&gw));
    assert_eq!(api["servers"]["publish"]["protocol"], "http");

    let proxied = fetch(
        &gw,
        "/.well-known/realtime/asyncapi.json",
        &[("host", "realtime.example.com"), ("x-forwarded-proto", "https")],
    )
    .await;
    assert_eq!(proxied.status, 200, "{}", proxied.body);
    let api = proxied.json();
    assert_eq!(api["servers"]["gateway"]["host"], "realtime.example.com");
    assert_eq!(api["servers"]["gateway"]["protocol"], "wss");
    assert_eq!(api["servers"]["publish"]["protocol"], "https");
    assert_eq!(api["channels"]["Demo"]["address"], "demo:{run_id}");
}

#[tokio::test]
async fn the_typescript_declarations_are_plain_text() {
    let gw = start_with_demo().await;
    let reply = fetch(&gw, "/.well-known/realtime/channels.ts", &[]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.content_type, "text/plain; charset=utf-8");
    assert_eq!(
        reply.headers.get("x-content-type-options").map(|v| v.as_bytes()),
        Some(&b"nosniff"[..])
    );
    for expected in [
        "export type DemoTopic = \"log\" | \"status\" | \"summary\";",
        "export type DemoMessage = ",
        "export function demoChannel(params: { run_id: string }): DemoChannelName {",
    ] {
        assert!(reply.body.contains(expected), "{expected} in:\n{}", reply.body);
    }
    assert!(!reply.body.contains("Pipeline"), "{}", reply.body);
}

#[tokio::test]
async fn the_client_bindings_are_plain_text() {
    let gw = start_with_demo().await;
    let reply = fetch(&gw, "/.well-known/realtime/client.ts", &[]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.content_type, "text/plain; charset=utf-8");
    for expected in [
        "import * as realtimeClient from \"typed-realtime-client\";",
        "export type DemoTopic = \"log\" | \"status\" | \"summary\";",
        "export function subscribeDemo<T extends DemoTopic, V extends DemoValidators | undefined = undefined>(",
    ] {
        assert!(reply.body.contains(expected), "{expected} in:\n{}", reply.body);
    }
}

#[tokio::test]
async fn the_documents_need_no_credentials_and_are_the_same_each_time() {
    let gw = start_with_demo().await;
    // Every other route of this gateway wants the signing key.
    gw.mint_over_http(None, "", r#"[{"channel": "demo:x", "name": "status"}]"#)
        .await
        .assert_error(401, "unauthorized");
    for path in [
        "/.well-known/realtime/",
        "/.well-known/realtime/channels.schema.json",
        "/.well-known/realtime/asyncapi.json",
        "/.well-known/realtime/channels.ts",
        "/.well-known/realtime/client.ts",
    ] {
        let first = fetch(&gw, path, &[]).await;
        let second = fetch(&gw, path, &[]).await;
        assert_eq!(first.status, 200, "{path} without credentials: {}", first.body);
        assert_eq!(first.body, second.body, "{path} is deterministic");
    }
    assert_eq!(
        fetch(&gw, "/.well-known/realtime/nope.json", &[]).await.status,
        404
    );
}

#[tokio::test]
async fn a_gateway_without_channels_serves_empty_documents() {
    let gateway = Gateway::new(Realtime::in_memory(), config()).expect("a valid configuration");
    let gw = TestGateway::start(gateway).await;
    let index = fetch(&gw, "/.well-known/realtime/", &[]).await;
    assert_eq!(index.json()["channels"], serde_json::json!([]));
    let api = fetch(&gw, "/.well-known/realtime/asyncapi.json", &[])
        .await
        .json();
    assert_eq!(api["channels"], serde_json::json!({}));
    let ts = fetch(&gw, "/.well-known/realtime/channels.ts", &[]).await;
    assert!(ts.body.contains("export interface Envelope<"), "{}", ts.body);
}
