//! Origins, the connection cap, and keepalive pings and comments.

use std::time::Duration;

use realtime::gateway::GatewayConfig;
use tokio::io::AsyncReadExt;
use tokio_tungstenite::tungstenite::Message;

use crate::support::{config, guard};
use crate::{assert_serving, start, status, Pipeline};

fn with_origins() -> GatewayConfig {
    GatewayConfig {
        allowed_origins: vec!["http://good.example".into()],
        ..config()
    }
}

#[tokio::test]
async fn subscribers_from_an_origin_not_allowed_are_403() {
    let gw = start(with_origins()).await;
    let token = gw.token("pipeline:o", &["status"]);
    let evil = Some("http://evil.example");
    gw.ws(Some(&token), evil)
        .await
        .err()
        .expect("refused")
        .assert_error(403, "origin_not_allowed");
    gw.sse(Some(&token), evil)
        .await
        .err()
        .expect("refused")
        .assert_error(403, "origin_not_allowed");
    assert_serving(&gw).await;
}

#[tokio::test]
async fn subscribers_from_an_allowed_origin_or_with_no_origin_connect() {
    let gw = start(with_origins()).await;
    let run = Pipeline::new("o");
    let token = gw.token(&run.name(), &["status"]);
    let good = Some("http://good.example");
    let mut clients = (
        gw.ws(Some(&token), good).await.expect("an allowed origin"),
        gw.ws(Some(&token), None).await.expect("no origin"),
        gw.sse(Some(&token), good).await.expect("an allowed origin"),
        gw.sse(Some(&token), None).await.expect("no origin"),
    );
    gw.gateway
        .realtime()
        .publish(run.status(), status("to all", 1))
        .await
        .unwrap();
    assert_eq!(clients.0.next_json().await["data"]["message"], "to all");
    assert_eq!(clients.1.next_json().await["data"]["message"], "to all");
    assert_eq!(clients.2.next_json().await.0["data"]["message"], "to all");
    assert_eq!(clients.3.next_json().await.0["data"]["message"], "to all");
}

#[tokio::test]
async fn connections_over_the_cap_get_503_until_one_closes() {
    // The default keepalive (15 s) is longer than the hang guard: a closed SSE client
    // must free its slot at once, not at the next keepalive write.
    let gw = start(GatewayConfig {
        max_connections: 2,
        ..config()
    })
    .await;
    let token = gw.token("pipeline:cap", &["status"]);
    let ws = gw.ws_ok(&token).await;
    let sse = gw.sse_ok(&token).await;
    gw.ws(Some(&token), None)
        .await
        .err()
        .expect("a third WebSocket")
        .assert_error(503, "too_many_connections");
    gw.sse(Some(&token), None)
        .await
        .err()
        .expect("a third SSE")
        .assert_error(503, "too_many_connections");

    ws.close().await;
    gw.wait_for_connections(1).await;
    let ws = gw.ws_ok(&token).await;
    gw.sse(Some(&token), None)
        .await
        .err()
        .expect("full again")
        .assert_error(503, "too_many_connections");

    drop(sse);
    gw.wait_for_connections(1).await;
    let mut sse = gw.sse_ok(&token).await;
    gw.gateway
        .realtime()
        .publish(Pipeline::new("cap").status(), status("after the cap", 9))
        .await
        .unwrap();
    assert_eq!(sse.next_json().await.0["data"]["message"], "after the cap");
    drop(ws);
}

// ---- Keepalive --------------------------------------------------------------------------

fn with_fast_keepalive() -> GatewayConfig {
    GatewayConfig {
        keepalive: Duration::from_millis(200),
        ..config()
    }
}

#[tokio::test]
async fn a_ws_subscriber_that_answers_pings_gets_them_and_stays_open() {
    let gw = start(with_fast_keepalive()).await;
    let run = Pipeline::new("ka");
    let mut ws = gw.ws_ok(&gw.token(&run.name(), &["status"])).await;
    assert_eq!(ws.next_any_json().await["kind"], "position");
    // More pings than the two a silent client may leave unanswered.
    guard("four pings", async {
        let mut pings = 0;
        while pings < 4 {
            match ws.next_frame().await {
                Message::Ping(_) => pings += 1,
                other => panic!("only pings before any publish, got {other:?}"),
            }
        }
    })
    .await;
    gw.gateway
        .realtime()
        .publish(run.status(), status("still here", 1))
        .await
        .unwrap();
    assert_eq!(ws.next_json().await["data"]["message"], "still here");
}

#[tokio::test]
async fn an_sse_subscriber_gets_keepalive_comments() {
    let gw = start(with_fast_keepalive()).await;
    let mut sse = gw.sse_ok(&gw.token("pipeline:ka", &["status"])).await;
    let position = sse.next_any_data_event().await;
    assert_eq!(position.event.as_deref(), Some("position"), "{position:?}");
    guard("two keepalive comments", async {
        let mut keepalives = 0;
        while keepalives < 2 {
            let event = sse.next_event().await;
            assert_eq!(event.data, None, "only comments before any publish: {event:?}");
            keepalives += event.comments.iter().filter(|c| *c == "keepalive").count();
        }
    })
    .await;
}

#[tokio::test]
async fn a_ws_client_that_never_answers_pings_is_closed() {
    let gw = start(with_fast_keepalive()).await;
    let mut tcp = gw.raw_ws(&gw.token("pipeline:silent", &["status"])).await;
    gw.wait_for_connections(1).await;
    let mut received = Vec::new();
    guard("the server closing a silent client", async {
        let mut chunk = [0u8; 256];
        while let Ok(n @ 1..) = tcp.read(&mut chunk).await {
            received.extend_from_slice(&chunk[..n]);
        }
    })
    .await;
    let pings = server_frames(&received)
        .iter()
        .filter(|opcode| **opcode == 0x9)
        .count();
    assert!(pings >= 2, "the server pinged before giving up: {received:?}");
    gw.wait_for_connections(0).await;
    assert!(gw
        .metrics()
        .await
        .contains("realtime_connections{transport=\"ws\"} 0"));
}

/// The opcodes of the unmasked frames a server sent.
fn server_frames(mut bytes: &[u8]) -> Vec<u8> {
    let mut opcodes = Vec::new();
    while bytes.len() >= 2 {
        let (opcode, len) = (bytes[0] & 0x0f, usize::from(bytes[1] & 0x7f));
        let (header, len) = match len {
            126 => (4, usize::from(u16::from_be_bytes([bytes[2], bytes[3]]))),
            127 => panic!("no frame this large in these tests"),
            len => (2, len),
        };
        opcodes.push(opcode);
        bytes = &bytes[(header + len).min(bytes.len())..];
    }
    opcodes
}
