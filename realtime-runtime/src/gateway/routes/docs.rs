//! The channel documents at `/.well-known/realtime/`: what the channels registered with
//! the gateway look like, for frontends and tools to fetch instead of re-declaring them.
//!
//! | route | what it serves |
//! | --- | --- |
//! | `GET /.well-known/realtime/` | an index: the documents' paths, and each channel's name, pattern and topics |
//! | `GET /.well-known/realtime/channels.schema.json` | the JSON Schema 2020-12 bundle ([`json_schema::bundle`]) |
//! | `GET /.well-known/realtime/asyncapi.json` | the AsyncAPI 3.0 document ([`asyncapi::document`]) |
//! | `GET /.well-known/realtime/channels.ts` | the TypeScript declarations ([`typescript::declarations`]), as `text/plain` |
//! | `GET /.well-known/realtime/client.ts` | the TypeScript client bindings ([`typescript::bindings`], importing `typed-realtime-client`), as `text/plain` |
//!
//! They describe the channels the gateway validates ([`Gateway::registry`](crate::gateway::Gateway::registry)),
//! the same documents `realtime schema` writes for those channels.
//!
//! The routes are public: they take no credentials, whatever the gateway's configuration.
//! They describe shapes (channel name patterns, topics and payload schemas), never data,
//! and a browser that subscribes has already been given those shapes in the code it runs;
//! no route here reads or mints anything.
//!
//! The documents are computed once, at the first request, and served from memory after.
//! Only the AsyncAPI `servers` differ between requests: their host is the request's `Host`
//! (or, over HTTP/2, the `:authority`), falling back to `127.0.0.1:8288` when it has none
//! or it is not a valid host; their protocols are `wss`/`https` when the request says
//! `X-Forwarded-Proto: https` (a TLS-terminating proxy in front), else `ws`/`http`. Those
//! answers say `Vary: Host, X-Forwarded-Proto`.

use std::sync::{Arc, OnceLock};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use realtime_core::export::asyncapi::{self, AsyncApiOptions};
use realtime_core::export::{json_schema, typescript};
use realtime_core::ChannelRegistry;
use serde_json::{json, Value};

/// The path the documents are served under (without a trailing slash).
pub const PREFIX: &str = "/.well-known/realtime";

const JSON: &str = "application/json";
const TEXT: &str = "text/plain; charset=utf-8";

/// The documents of one registry, each computed at its first request.
struct Documents {
    registry: ChannelRegistry,
    bundle: OnceLock<(Value, Bytes)>,
    asyncapi: OnceLock<Value>,
    typescript: OnceLock<Bytes>,
    client: OnceLock<Bytes>,
    index: OnceLock<Bytes>,
}

/// Pretty JSON with a final newline, as `realtime schema` writes it.
fn pretty(value: &Value) -> Bytes {
    // Serializing a `Value` cannot fail: its keys are strings.
    let mut text = serde_json::to_vec_pretty(value).unwrap_or_default();
    text.push(b'\n');
    Bytes::from(text)
}

fn respond(content_type: &'static str, body: Bytes) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        body,
    )
        .into_response()
}

impl Documents {
    fn bundle(&self) -> &(Value, Bytes) {
        self.bundle.get_or_init(|| {
            let bundle = json_schema::bundle(&self.registry);
            let bytes = pretty(&bundle);
            (bundle, bytes)
        })
    }

    fn typescript(&self) -> &Bytes {
        self.typescript.get_or_init(|| {
            let mut text = typescript::declarations(&self.registry);
            if !text.ends_with('\n') {
                text.push('\n');
            }
            Bytes::from(text)
        })
    }

    fn client(&self) -> &Bytes {
        self.client.get_or_init(|| {
            let mut text = typescript::bindings(&self.registry, &typescript::ClientOptions::default());
            if !text.ends_with('\n') {
                text.push('\n');
            }
            Bytes::from(text)
        })
    }

    /// The AsyncAPI document with the default server; [`Documents::asyncapi_for`] fills in
    /// the request's.
    fn asyncapi(&self) -> &Value {
        self.asyncapi
            .get_or_init(|| asyncapi::document(&self.registry, &AsyncApiOptions::default()))
    }

    fn asyncapi_for(&self, host: &str, secure: bool) -> Bytes {
        let mut doc = self.asyncapi().clone();
        let (ws, http) = if secure { ("wss", "https") } else { ("ws", "http") };
        for (server, protocol) in [("gateway", ws), ("publish", http)] {
            if let Some(entry) = doc.pointer_mut(&format!("/servers/{server}")) {
                entry["host"] = json!(host);
                entry["protocol"] = json!(protocol);
            }
        }
        pretty(&doc)
    }

    fn index(&self) -> &Bytes {
        self.index.get_or_init(|| {
            let (bundle, _) = self.bundle();
            let channels: Vec<Value> = bundle
                .pointer("/x-realtime/channels")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(|entry| {
                    let key = entry["name"].as_str().unwrap_or_default();
                    let topics: Vec<&Value> = bundle["$defs"][key]["x-realtime"]["topics"]
                        .as_array()
                        .map(|topics| topics.iter().map(|t| &t["name"]).collect())
                        .unwrap_or_default();
                    json!({ "name": key, "pattern": entry["pattern"], "topics": topics })
                })
                .collect();
            pretty(&json!({
                "documents": {
                    "jsonschema": format!("{PREFIX}/channels.schema.json"),
                    "asyncapi": format!("{PREFIX}/asyncapi.json"),
                    "typescript": format!("{PREFIX}/channels.ts"),
                    "client": format!("{PREFIX}/client.ts"),
                },
                "channels": channels,
            }))
        })
    }
}

/// The request's host: `Host`, or the URI's authority (HTTP/2), if it is a valid
/// `host[:port]`.
fn request_host(headers: &HeaderMap, uri: &Uri) -> Option<String> {
    let from_header = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<axum::http::uri::Authority>().ok());
    from_header
        .or_else(|| uri.authority().cloned())
        .filter(|authority| !authority.as_str().contains('@'))
        .map(|authority| authority.as_str().to_owned())
}

fn forwarded_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"))
}

async fn index(State(docs): State<Arc<Documents>>) -> Response {
    respond(JSON, docs.index().clone())
}

async fn bundle(State(docs): State<Arc<Documents>>) -> Response {
    respond(JSON, docs.bundle().1.clone())
}

async fn typescript_declarations(State(docs): State<Arc<Documents>>) -> Response {
    respond(TEXT, docs.typescript().clone())
}

async fn client_bindings(State(docs): State<Arc<Documents>>) -> Response {
    respond(TEXT, docs.client().clone())
}

async fn asyncapi_document(State(docs): State<Arc<Documents>>, headers: HeaderMap, uri: Uri) -> Response {
    let host = request_host(&headers, &uri).unwrap_or_else(|| AsyncApiOptions::default().host);
    let mut response = respond(JSON, docs.asyncapi_for(&host, forwarded_https(&headers)));
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("host, x-forwarded-proto"));
    response
}

/// The routes under [`PREFIX`] for the channels of `registry`, for any router state.
pub(crate) fn routes<S>(registry: &ChannelRegistry) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let docs = Arc::new(Documents {
        registry: registry.clone(),
        bundle: OnceLock::new(),
        asyncapi: OnceLock::new(),
        typescript: OnceLock::new(),
        client: OnceLock::new(),
        index: OnceLock::new(),
    });
    Router::new()
        .route(&format!("{PREFIX}/"), get(index))
        .route(PREFIX, get(index))
        .route(&format!("{PREFIX}/channels.schema.json"), get(bundle))
        .route(&format!("{PREFIX}/asyncapi.json"), get(asyncapi_document))
        .route(&format!("{PREFIX}/channels.ts"), get(typescript_declarations))
        .route(&format!("{PREFIX}/client.ts"), get(client_bindings))
        .with_state(docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_comes_from_the_header_or_the_authority() {
        let mut headers = HeaderMap::new();
        let uri: Uri = "/.well-known/realtime/asyncapi.json".parse().unwrap();
        assert_eq!(request_host(&headers, &uri), None);
        headers.insert(
            header::HOST,
            HeaderValue::from_static("realtime.example.com:8443"),
        );
        assert_eq!(
            request_host(&headers, &uri).as_deref(),
            Some("realtime.example.com:8443")
        );
        headers.insert(header::HOST, HeaderValue::from_static("bad host"));
        assert_eq!(request_host(&headers, &uri), None, "not a valid host");
        headers.insert(header::HOST, HeaderValue::from_static("user@evil.example"));
        assert_eq!(request_host(&headers, &uri), None, "no userinfo");
        let h2: Uri = "https://h2.example.com/.well-known/realtime/asyncapi.json"
            .parse()
            .unwrap();
        assert_eq!(
            request_host(&HeaderMap::new(), &h2).as_deref(),
            Some("h2.example.com")
        );
    }

    #[test]
    fn only_a_forwarded_https_is_secure() {
        let mut headers = HeaderMap::new();
        assert!(!forwarded_https(&headers));
        headers.insert("x-forwarded-proto", HeaderValue::from_static("HTTPS"));
        assert!(forwarded_https(&headers));
        headers.insert("x-forwarded-proto", HeaderValue::from_static("http, https"));
        assert!(!forwarded_https(&headers));
    }
}
