//! The client against a real gateway on a loopback port: typed messages over WebSocket and
//! SSE, token scopes, refusals, notices, and reconnection across a gateway restart.
//!
//! Timeouts here only guard against hangs; no assertion depends on timing.

#[path = "common/hang_guard.rs"]
mod hang_guard;
#[path = "common/gateway.rs"]
mod support;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use hang_guard::within as guard;
use realtime::client::{
    Backoff, BoxError, Client, ClientError, ClientRecvError, ClientSubscription, ClientTransport, TokenSource,
};
use realtime::gateway::Gateway;
use realtime::{
    channel, Channel, GapCause, HistoryLimits, MemoryTransport, Message, Realtime, SigningKey, TokenAuthority,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use support::TestGateway;

const KEY: &str = support::SIGNING_KEY;
const TRANSPORTS: [ClientTransport; 2] = [ClientTransport::WebSocket, ClientTransport::Sse];

#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
struct Status {
    message: String,
    #[schemars(range(max = 100))]
    percent: u8,
}

#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
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

/// Like `Pipeline`, but the gateway does not know it, so it passes its data unchecked.
#[channel(name = "unregistered:<id>")]
struct Unregistered {
    id: u32,
    #[topic]
    status: Status,
}

/// The test gateway ([`TestGateway`]) over `realtime`, knowing `Pipeline`.
struct Server {
    gateway: TestGateway,
    realtime: Realtime,
}

impl Server {
    /// Starts a gateway over `realtime` on `addr` (port 0 for any free port).
    async fn start(realtime: Realtime, addr: SocketAddr) -> Server {
        let gateway = Gateway::new(realtime.clone(), support::config())
            .expect("a key is set")
            .register::<Pipeline>();
        Server {
            gateway: TestGateway::start_at(gateway, addr).await,
            realtime,
        }
    }

    async fn any_port() -> Server {
        Server::start(Realtime::in_memory(), "127.0.0.1:0".parse().unwrap()).await
    }

    fn addr(&self) -> SocketAddr {
        self.gateway.addr()
    }

    fn client(&self) -> Client {
        Client::new(&format!("http://{}", self.addr())).unwrap()
    }

    /// Shuts the gateway down and waits until its port is free.
    async fn stop(mut self) {
        self.gateway.shutdown().await.expect("the gateway served");
    }
}

async fn next<C: Channel>(sub: &mut ClientSubscription<C>) -> Result<Message<C::Message>, ClientRecvError> {
    guard(sub.next()).await.expect("the stream ended")
}

fn status(message: &str, percent: u8) -> Status {
    Status {
        message: message.into(),
        percent,
    }
}

fn status_of(message: Message<PipelineMessage>) -> Status {
    match message.data {
        PipelineMessage::Status(status) => status,
        other => panic!("expected a status, got {other:?}"),
    }
}

/// A token source that counts its calls, minting in-process with the gateway's key.
fn counting_tokens(channel: &str, topics: &'static [&'static str]) -> (impl TokenSource, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let authority = TokenAuthority::new(SigningKey::new(KEY));
    let (counter, channel) = (calls.clone(), channel.to_owned());
    let source = move || {
        counter.fetch_add(1, Ordering::SeqCst);
        let token = authority.mint_names(&channel, topics.iter().copied(), false);
        async move { Ok::<_, BoxError>(token?.jwt) }
    };
    (source, calls)
}

fn fast_backoff() -> Backoff {
    Backoff::new(Duration::from_millis(5), Duration::from_millis(100))
}

#[tokio::test]
async fn typed_messages_arrive_over_websocket_and_sse() {
    let server = Server::any_port().await;
    let client = server.client();
    let run = Pipeline::new("typed");
    for transport in TRANSPORTS {
        let tokens = client.token_minter(
            SigningKey::new(KEY),
            &run,
            [PipelineTopic::Status, PipelineTopic::Tokens],
        );
        let mut sub = guard(client.subscribe(&run, tokens).transport(transport))
            .await
            .unwrap();
        assert_eq!(sub.transport(), transport);
        assert!(sub.is_connected());

        let id = server
            .realtime
            .publish(run.status(), status("Starting", 10))
            .run_id("typed")
            .await
            .unwrap();
        server
            .realtime
            .publish(run.tokens(), Token { text: "Hel".into() })
            .await
            .unwrap();

        let first = next(&mut sub).await.unwrap();
        assert_eq!(
            (first.id, &*first.channel, first.topic),
            (id, "pipeline:typed", "status")
        );
        assert_eq!(first.run_id.as_deref(), Some("typed"));
        let first = status_of(first);
        assert_eq!((first.message.as_str(), first.percent), ("Starting", 10));

        let second = next(&mut sub).await.unwrap();
        assert!(
            matches!(second.data, PipelineMessage::Tokens(Token { ref text }) if text == "Hel"),
            "{transport:?}"
        );
        assert_eq!(sub.last_id(), Some(second.id));
        assert_eq!(sub.connections(), 1);
        sub.close();
        assert!(sub.is_closed() && !sub.is_connected());
        assert!(sub.next().await.is_none());
    }
    server.stop().await;
}

#[tokio::test]
async fn mint_token_gets_a_scoped_token_from_the_token_route() {
    let server = Server::any_port().await;
    let run = Pipeline::new("minted");
    let jwt = guard(
        server
            .client()
            .mint_token(&SigningKey::new(KEY), &run, [PipelineTopic::Tokens]),
    )
    .await
    .unwrap();
    let claims = TokenAuthority::new(SigningKey::new(KEY)).verify(&jwt).unwrap();
    assert_eq!(claims.channel, "pipeline:minted");
    assert_eq!(claims.topic_names().collect::<Vec<_>>(), ["llm_tokens"]);
    assert!(!claims.publish);
    server.stop().await;
}

#[tokio::test]
async fn a_token_limits_the_topics_received() {
    let server = Server::any_port().await;
    let client = server.client();
    let run = Pipeline::new("scoped");
    for transport in TRANSPORTS {
        // The gateway sends only what the token grants.
        let tokens = client.token_minter(SigningKey::new(KEY), &run, [PipelineTopic::Status]);
        let mut by_token = guard(client.subscribe(&run, tokens).transport(transport))
            .await
            .unwrap();
        // The subscription keeps only what it asks for, of what the token grants.
        let tokens = client.token_minter(
            SigningKey::new(KEY),
            &run,
            [PipelineTopic::Status, PipelineTopic::Tokens],
        );
        let mut by_choice = guard(
            client
                .subscribe(&run, tokens)
                .transport(transport)
                .topics([PipelineTopic::Status]),
        )
        .await
        .unwrap();
        assert_eq!(by_choice.topics().collect::<Vec<_>>(), ["status"]);

        server
            .realtime
            .publish(
                run.tokens(),
                Token {
                    text: "secret".into(),
                },
            )
            .await
            .unwrap();
        server
            .realtime
            .publish(run.status(), status("visible", 50))
            .await
            .unwrap();
        for sub in [&mut by_token, &mut by_choice] {
            let message = next(sub).await.unwrap();
            assert_eq!(status_of(message).message, "visible", "{transport:?}");
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn a_bad_token_is_rejected_with_the_gateways_code() {
    let server = Server::any_port().await;
    let client = server.client();
    let run = Pipeline::new("refused");
    let forged = TokenAuthority::new(SigningKey::new("another key"))
        .mint(&run, [PipelineTopic::Status])
        .unwrap()
        .jwt;
    for transport in TRANSPORTS {
        let forged = forged.clone();
        let tokens = move || {
            let forged = forged.clone();
            async move { Ok::<_, BoxError>(forged) }
        };
        let err = guard(client.subscribe(&run, tokens).transport(transport))
            .await
            .unwrap_err();
        match &err {
            ClientError::Rejected {
                status: 401,
                code,
                message,
            } => {
                assert_eq!(code, "token_bad_signature", "{transport:?}");
                assert!(!message.is_empty());
            }
            other => panic!("{transport:?}: expected a 401 rejection, got {other:?}"),
        }
        assert!(err.is_auth());

        let garbage = || async { Ok::<_, BoxError>("not-a-jwt".to_owned()) };
        let err = guard(client.subscribe(&run, garbage).transport(transport))
            .await
            .unwrap_err();
        assert!(
            matches!(err, ClientError::Rejected { status: 401, ref code, .. } if code == "token_malformed")
        );
    }

    // The token route wants the signing key.
    let err = client
        .mint_token(&SigningKey::new("wrong"), &run, [PipelineTopic::Status])
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientError::Rejected { status: 401, ref code, .. } if code == "unauthorized"),
        "{err:?}"
    );
    // A failing token source fails the subscribe call.
    let failing = || async { Err::<String, BoxError>("no token for you".into()) };
    let err = guard(client.subscribe(&run, failing)).await.unwrap_err();
    assert!(matches!(err, ClientError::TokenSource(_)), "{err:?}");
    server.stop().await;
}

#[tokio::test]
async fn gateway_error_notices_are_items_and_the_stream_goes_on() {
    let server = Server::any_port().await;
    let client = server.client();
    let run = Pipeline::new("notices");
    for transport in TRANSPORTS {
        let tokens = client.token_minter(SigningKey::new(KEY), &run, [PipelineTopic::Status]);
        let mut sub = guard(client.subscribe(&run, tokens).transport(transport))
            .await
            .unwrap();
        // Published unchecked; the gateway knows `Pipeline` and refuses to deliver it.
        let bad = json!({ "message": "too far", "percent": 150 });
        let options = Default::default();
        let id = server
            .realtime
            .publish_json(&run.name(), "status", bad, None, options)
            .await
            .unwrap();
        server
            .realtime
            .publish(run.status(), status("fine", 1))
            .await
            .unwrap();

        match next(&mut sub).await {
            Err(ClientRecvError::Server {
                code,
                topic,
                id: Some(bad_id),
                ..
            }) => {
                assert_eq!(
                    (code.as_str(), topic.as_deref(), bad_id),
                    ("schema_violation", Some("status"), id)
                );
            }
            other => panic!("{transport:?}: expected a schema_violation notice, got {other:?}"),
        }
        assert_eq!(status_of(next(&mut sub).await.unwrap()).message, "fine");
    }
    server.stop().await;
}

#[tokio::test]
async fn the_client_validates_what_the_gateway_does_not_know() {
    let server = Server::any_port().await;
    let client = server.client();
    let ch = Unregistered::new(7u32);
    for (transport, validate) in [
        (ClientTransport::WebSocket, true),
        (ClientTransport::Sse, true),
        (ClientTransport::Sse, false),
    ] {
        let tokens = client.token_minter(SigningKey::new(KEY), &ch, [UnregisteredTopic::Status]);
        let mut sub = guard(
            client
                .subscribe(&ch, tokens)
                .transport(transport)
                .validate(validate),
        )
        .await
        .unwrap();
        let bad = json!({ "message": "too far", "percent": 150 });
        server
            .realtime
            .publish_json(&ch.name(), "status", bad, None, Default::default())
            .await
            .unwrap();
        match (validate, next(&mut sub).await) {
            (true, Err(ClientRecvError::SchemaViolation(violation))) => assert_eq!(violation.topic, "status"),
            (false, Ok(message)) => {
                let UnregisteredMessage::Status(status) = message.data else {
                    panic!("expected a status message, got {:?}", message.data)
                };
                assert_eq!(status.percent, 150);
            }
            (_, other) => panic!("{transport:?}, validate {validate}: got {other:?}"),
        }
        let wrong_type = json!({ "message": 3 });
        server
            .realtime
            .publish_json(&ch.name(), "status", wrong_type, None, Default::default())
            .await
            .unwrap();
        let err = next(&mut sub).await.unwrap_err();
        assert!(
            matches!(
                err,
                ClientRecvError::SchemaViolation(_) | ClientRecvError::Decode(_)
            ),
            "{err:?}"
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn a_lagging_connection_recovers_from_history() {
    // A buffer of one message, and a single-threaded runtime: the gateway's connection task
    // cannot read between the publishes below, so it lags, and recovers from history.
    let realtime = Realtime::new(MemoryTransport::with_capacity(1));
    let server = Server::start(realtime, "127.0.0.1:0".parse().unwrap()).await;
    let client = server.client();
    let run = Pipeline::new("lagging");
    for transport in TRANSPORTS {
        let tokens = client.token_minter(SigningKey::new(KEY), &run, [PipelineTopic::Status]);
        let mut sub = guard(client.subscribe(&run, tokens).transport(transport))
            .await
            .unwrap();
        for percent in 0..10 {
            server
                .realtime
                .publish(run.status(), status("burst", percent))
                .await
                .unwrap();
        }
        for percent in 0..10 {
            assert_eq!(
                status_of(next(&mut sub).await.unwrap()).percent,
                percent,
                "{transport:?}"
            );
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn a_connection_lagging_beyond_history_is_told_it_lost_continuity() {
    let transport = MemoryTransport::builder()
        .capacity(1)
        .history(HistoryLimits {
            max_len: 3,
            ..HistoryLimits::default()
        })
        .build();
    let server = Server::start(Realtime::new(transport), "127.0.0.1:0".parse().unwrap()).await;
    let client = server.client();
    let run = Pipeline::new("lagging-far");
    for transport in TRANSPORTS {
        let tokens = client.token_minter(SigningKey::new(KEY), &run, [PipelineTopic::Status]);
        let mut sub = guard(client.subscribe(&run, tokens).transport(transport))
            .await
            .unwrap();
        for percent in 0..10 {
            server
                .realtime
                .publish(run.status(), status("burst", percent))
                .await
                .unwrap();
        }
        match next(&mut sub).await {
            Err(ClientRecvError::ContinuityLost(gap)) => {
                assert_eq!(gap.cause, GapCause::Lagged, "{transport:?}")
            }
            other => panic!("{transport:?}: expected lost continuity, got {other:?}"),
        }
        for percent in 7..10 {
            assert_eq!(
                status_of(next(&mut sub).await.unwrap()).percent,
                percent,
                "{transport:?}"
            );
        }
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnects_with_a_fresh_token_after_a_gateway_restart() {
    for transport in TRANSPORTS {
        let realtime = Realtime::in_memory();
        let server = Server::start(realtime.clone(), "127.0.0.1:0".parse().unwrap()).await;
        let addr = server.addr();
        let run = Pipeline::new("restart");
        let (tokens, calls) = counting_tokens("pipeline:restart", &["status"]);
        let mut sub = guard(
            server
                .client()
                .subscribe(&run, tokens)
                .transport(transport)
                .backoff(fast_backoff()),
        )
        .await
        .unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        realtime.publish(run.status(), status("before", 1)).await.unwrap();
        assert_eq!(status_of(next(&mut sub).await.unwrap()).message, "before");

        server.stop().await;
        match next(&mut sub).await {
            Err(ClientRecvError::Disconnected {
                attempt: 1,
                error: ClientError::ServerClosing { .. },
            }) => {}
            other => panic!("{transport:?}: expected the closing notice, got {other:?}"),
        }
        assert!(!sub.is_connected());

        // A new gateway on the same port, over the same `Realtime`.
        let server = Server::start(realtime.clone(), addr).await;
        let publisher = tokio::spawn({
            let realtime = realtime.clone();
            async move {
                for n in 0u8.. {
                    realtime
                        .publish(Pipeline::new("restart").status(), status("after", n % 100))
                        .await
                        .unwrap();
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        });
        // Failed attempts, if any, are reported until the client is back.
        let message = loop {
            match next(&mut sub).await {
                Ok(message) => break message,
                Err(ClientRecvError::Disconnected { attempt, .. }) => assert!(attempt >= 2),
                Err(other) => panic!("{transport:?}: unexpected {other}"),
            }
        };
        publisher.abort();
        assert_eq!(status_of(message).message, "after");
        assert!(
            calls.load(Ordering::SeqCst) >= 2,
            "the token source was asked again"
        );
        assert_eq!(sub.connections(), 2);
        assert!(sub.is_connected());
        server.stop().await;
    }
}

#[tokio::test]
async fn a_reconnection_cap_ends_the_stream_when_no_gateway_comes_back() {
    for transport in TRANSPORTS {
        let server = Server::any_port().await;
        let run = Pipeline::new("gone");
        let (tokens, calls) = counting_tokens("pipeline:gone", &["status"]);
        let mut sub = guard(
            server
                .client()
                .subscribe(&run, tokens)
                .transport(transport)
                .backoff(fast_backoff())
                .max_reconnect_attempts(Some(2)),
        )
        .await
        .unwrap();
        server.stop().await;

        let mut items = Vec::new();
        while let Some(item) = guard(sub.next()).await {
            items.push(item.unwrap_err());
        }
        match items.as_slice() {
            [ClientRecvError::Disconnected {
                attempt: 1,
                error: ClientError::ServerClosing { .. },
            }, ClientRecvError::Disconnected {
                attempt: 2,
                error: ClientError::Network(_),
            }, ClientRecvError::GaveUp {
                attempts: 2,
                error: ClientError::Network(_),
            }] => {}
            other => panic!("{transport:?}: unexpected items {other:#?}"),
        }
        assert_eq!(
            calls.load(Ordering::SeqCst),
            3,
            "one token for the first connection, one per attempt"
        );
        assert!(sub.is_closed());
    }
}

#[tokio::test]
async fn a_refused_token_during_reconnection_is_reported_and_retried() {
    let realtime = Realtime::in_memory();
    let server = Server::start(realtime.clone(), "127.0.0.1:0".parse().unwrap()).await;
    let addr = server.addr();
    let run = Pipeline::new("refresh");
    // Good tokens, except one forged token when asked to.
    let forge_next = Arc::new(AtomicBool::new(false));
    let tokens = {
        let forge_next = forge_next.clone();
        move || {
            let key = if forge_next.swap(false, Ordering::SeqCst) {
                "forged"
            } else {
                KEY
            };
            let token =
                TokenAuthority::new(SigningKey::new(key)).mint_names("pipeline:refresh", ["status"], false);
            async move { Ok::<_, BoxError>(token?.jwt) }
        }
    };
    let mut sub = guard(server.client().subscribe(&run, tokens).backoff(fast_backoff()))
        .await
        .unwrap();
    server.stop().await;
    // The subscription is not polled meanwhile, so its first attempt reaches the new gateway.
    let server = Server::start(realtime.clone(), addr).await;
    forge_next.store(true, Ordering::SeqCst);

    let publisher = tokio::spawn(async move {
        for n in 0u8.. {
            realtime
                .publish(Pipeline::new("refresh").status(), status("back", n % 100))
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    let mut errors = Vec::new();
    let message = loop {
        match next(&mut sub).await {
            Ok(message) => break message,
            Err(ClientRecvError::Disconnected { error, .. }) => errors.push(error),
            Err(other) => panic!("unexpected {other}"),
        }
    };
    publisher.abort();
    assert_eq!(status_of(message).message, "back");
    match errors.as_slice() {
        [ClientError::ServerClosing { .. }, ClientError::Rejected {
            status: 401, code, ..
        }] => {
            assert_eq!(code, "token_bad_signature")
        }
        other => panic!("unexpected errors {other:#?}"),
    }
    assert_eq!(sub.connections(), 2);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconnecting_client_resumes_after_the_last_message_it_received() {
    for transport in TRANSPORTS {
        let realtime = Realtime::in_memory();
        let server = Server::start(realtime.clone(), "127.0.0.1:0".parse().unwrap()).await;
        let addr = server.addr();
        let run = Pipeline::new(format!("resume-{transport:?}"));
        let tokens = server
            .client()
            .token_minter(SigningKey::new(KEY), &run, [PipelineTopic::Status]);
        let mut sub = guard(
            server
                .client()
                .subscribe(&run, tokens)
                .transport(transport)
                .backoff(fast_backoff()),
        )
        .await
        .unwrap();
        let first = realtime.publish(run.status(), status("before", 0)).await.unwrap();
        assert_eq!(next(&mut sub).await.unwrap().id, first);

        server.stop().await;
        assert!(matches!(
            next(&mut sub).await,
            Err(ClientRecvError::Disconnected { .. })
        ));
        // Published while no gateway runs: the channel's history keeps them.
        let mut missed = Vec::new();
        for percent in 1..=3 {
            missed.push(
                realtime
                    .publish(run.status(), status("while away", percent))
                    .await
                    .unwrap(),
            );
        }
        let server = Server::start(realtime.clone(), addr).await;
        let mut received = Vec::new();
        while received.len() < 3 {
            match next(&mut sub).await {
                Ok(message) => received.push(message.id),
                Err(ClientRecvError::Disconnected { .. }) => {}
                Err(other) => panic!("{transport:?}: unexpected {other}"),
            }
        }
        assert_eq!(
            received, missed,
            "{transport:?}: every missed message, in order, once"
        );
        assert_eq!(sub.last_id(), Some(missed[2]));
        let live = realtime.publish(run.status(), status("live", 4)).await.unwrap();
        assert_eq!(next(&mut sub).await.unwrap().id, live);
        server.stop().await;
    }
}

/// A token source minting tokens that live `secs` seconds, counting its calls.
fn short_tokens(channel: &str, secs: u64) -> (impl TokenSource, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let authority = TokenAuthority::new(SigningKey::new(KEY)).with_ttl(Duration::from_secs(secs));
    let (counter, channel) = (calls.clone(), channel.to_owned());
    let source = move || {
        counter.fetch_add(1, Ordering::SeqCst);
        let token = authority.mint_names(&channel, ["status"], false);
        async move { Ok::<_, BoxError>(token?.jwt) }
    };
    (source, calls)
}

#[tokio::test]
async fn sessions_of_short_tokens_are_refreshed_in_band_or_resumed_by_reconnecting() {
    let server = Server::any_port().await;
    for transport in TRANSPORTS {
        let run = Pipeline::new(format!("short-{transport:?}"));
        let (tokens, calls) = short_tokens(&run.name(), 3);
        let mut sub = guard(
            server
                .client()
                .subscribe(&run, tokens)
                .transport(transport)
                .backoff(fast_backoff()),
        )
        .await
        .unwrap();
        let publisher = tokio::spawn({
            let (realtime, run) = (
                server.realtime.clone(),
                Pipeline::new(format!("short-{transport:?}")),
            );
            async move {
                for n in 0..40u8 {
                    realtime.publish(run.status(), status("n", n)).await.unwrap();
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        });
        let mut received = Vec::new();
        let mut closings = 0;
        while received.len() < 40 {
            match next(&mut sub).await {
                Ok(message) => received.push(status_of(message).percent),
                Err(ClientRecvError::Disconnected {
                    error: ClientError::ServerClosing { .. },
                    ..
                }) if transport == ClientTransport::Sse => closings += 1,
                Err(other) => panic!("{transport:?}: unexpected {other}"),
            }
        }
        guard(publisher).await.unwrap();
        assert_eq!(
            received,
            (0..40).collect::<Vec<_>>(),
            "{transport:?}: every message once, in order"
        );
        assert!(
            calls.load(Ordering::SeqCst) >= 3,
            "{transport:?}: fresh tokens were asked for"
        );
        match transport {
            // Refreshed in band: the one connection lived through ~8 s of 3 s tokens.
            ClientTransport::WebSocket => assert_eq!(sub.connections(), 1),
            // Ended at each session's end, resumed with a fresh token.
            ClientTransport::Sse => {
                assert!(closings >= 2, "{closings}");
                assert_eq!(sub.connections(), closings + 1);
            }
        }
        sub.close();
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_cut_before_its_first_message_resumes_from_the_position() {
    for transport in TRANSPORTS {
        let realtime = Realtime::in_memory();
        let server = Server::start(realtime.clone(), "127.0.0.1:0".parse().unwrap()).await;
        let addr = server.addr();
        let run = Pipeline::new(format!("position-{transport:?}"));
        let older = realtime.publish(run.status(), status("older", 0)).await.unwrap();
        let tokens = server
            .client()
            .token_minter(SigningKey::new(KEY), &run, [PipelineTopic::Status]);
        let mut sub = guard(
            server
                .client()
                .subscribe(&run, tokens)
                .transport(transport)
                .backoff(fast_backoff()),
        )
        .await
        .unwrap();
        // Read until the gateway's `position` is in: no message comes meanwhile.
        guard(async {
            while sub.last_id().is_none() {
                if let Ok(item) = tokio::time::timeout(Duration::from_millis(20), sub.next()).await {
                    panic!("{transport:?}: nothing but the position was sent, got {item:?}");
                }
            }
        })
        .await;
        assert_eq!(
            sub.last_id(),
            Some(older),
            "{transport:?}: the channel's newest id"
        );

        server.stop().await;
        assert!(matches!(
            next(&mut sub).await,
            Err(ClientRecvError::Disconnected { .. })
        ));
        let mut missed = Vec::new();
        for percent in 1..=3 {
            missed.push(
                realtime
                    .publish(run.status(), status("while away", percent))
                    .await
                    .unwrap(),
            );
        }
        let server = Server::start(realtime.clone(), addr).await;
        let mut received = Vec::new();
        while received.len() < 3 {
            match next(&mut sub).await {
                Ok(message) => received.push(message.id),
                Err(ClientRecvError::Disconnected { .. }) => {}
                Err(other) => panic!("{transport:?}: unexpected {other}"),
            }
        }
        assert_eq!(
            received, missed,
            "{transport:?}: every missed message, in order, once"
        );
        let live = realtime.publish(run.status(), status("live", 4)).await.unwrap();
        assert_eq!(
            next(&mut sub).await.unwrap().id,
            live,
            "{transport:?}: no duplicate"
        );
        server.stop().await;
    }
}
