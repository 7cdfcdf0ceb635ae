//! Data streams through the gateway: a `text/stream` publish becomes a data stream whose
//! envelopes subscribers receive over WebSocket and SSE, and which the typed client folds
//! into one message with a nested stream. Bad bodies abort the stream and are refused.

use std::future::IntoFuture;
use std::time::Duration;

use futures::StreamExt;
use realtime::client::{Client, ClientTransport};
use realtime::gateway::Gateway;
use realtime::{channel, Realtime, SigningKey, StreamError};
use serde_json::{json, Value};

use crate::support::{config, guard, TestGateway, SIGNING_KEY};
use crate::{assert_serving, target, Pipeline};

/// A channel with a text topic, which `text/stream` publishes can feed.
#[channel(name = "answer:<id>")]
struct Answer {
    id: String,
    /// The answer, as text.
    #[topic]
    text: String,
}

async fn start() -> TestGateway {
    let gateway = Gateway::new(Realtime::in_memory(), config())
        .expect("a valid configuration")
        .register::<Pipeline>()
        .register::<Answer>();
    TestGateway::start(gateway).await
}

/// A request body sent in `pieces`, with a pause between them so each is its own frame.
fn body_in_pieces(pieces: Vec<Vec<u8>>) -> reqwest::Body {
    let stream = futures::stream::iter(pieces).then(|piece| async move {
        tokio::time::sleep(Duration::from_millis(20)).await;
        Ok::<_, std::io::Error>(piece)
    });
    reqwest::Body::wrap_stream(stream)
}

fn pieces(texts: &[&str]) -> Vec<Vec<u8>> {
    texts.iter().map(|t| t.as_bytes().to_vec()).collect()
}

#[tokio::test]
async fn a_text_stream_publish_reaches_ws_and_sse_subscribers_as_stream_envelopes() {
    let gw = start().await;
    let channel = Answer::new("a1").name();
    let mut ws = gw.ws_ok(&gw.token(&channel, &["text"])).await;
    let mut sse = gw.sse_ok(&gw.token(&channel, &["text"])).await;
    // Media types are case-insensitive and may carry parameters; "é" is split across pieces.
    let mut body = pieces(&["Hello, ", "wor"]);
    body.push(vec![b'l', b'd', 0xc3]);
    body.push(vec![0xa9, b'!']);
    let reply = gw
        .publish_as(
            Some(SIGNING_KEY),
            &format!("{}&run_id=r1", target(&channel, "text")),
            "Text/Stream; charset=utf-8",
            body_in_pieces(body),
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let stream_id = reply.body["stream_id"].as_str().expect("a stream id").to_owned();
    let chunks = reply.body["chunks"].as_u64().expect("a chunk count");
    assert!(chunks >= 1, "{reply:?}");

    let mut from_ws = Vec::new();
    loop {
        let envelope = ws.next_json().await;
        assert_eq!(
            (&envelope["stream_id"], &envelope["topic"], &envelope["run_id"]),
            (&json!(stream_id), &json!("text"), &json!("r1")),
            "{envelope}"
        );
        let end = envelope["kind"] == "datastream-end";
        from_ws.push(envelope);
        if end {
            break;
        }
    }
    assert_eq!(from_ws[0]["kind"], "datastream-start");
    assert_eq!(from_ws[0]["data"], json!(stream_id));
    let text: String = from_ws[1..from_ws.len() - 1]
        .iter()
        .map(|chunk| {
            assert_eq!(chunk["kind"], "chunk");
            chunk["data"].as_str().expect("text chunks").to_owned()
        })
        .collect();
    assert_eq!(text, "Hello, world\u{e9}!");
    let end = from_ws.last().unwrap();
    assert_eq!(end["data"], json!(stream_id));
    assert_eq!(end["stream_end"], json!({"status": "finished", "chunks": chunks}));
    assert_eq!(from_ws.len() as u64, chunks + 2);
    assert_eq!(reply.body["id"], from_ws.last().unwrap()["id"]);

    for expected in &from_ws {
        let (envelope, event) = sse.next_json().await;
        assert_eq!(&envelope, expected);
        assert_eq!(event.id.as_deref(), expected["id"].as_str());
    }
}

#[tokio::test]
async fn the_client_folds_a_text_stream_into_one_message_over_ws_and_sse() {
    let gw = start().await;
    let client = Client::new(&gw.url("")).unwrap();
    for (i, transport) in [ClientTransport::WebSocket, ClientTransport::Sse]
        .into_iter()
        .enumerate()
    {
        let answer = Answer::new(format!("client-{i}"));
        let tokens = client.token_minter(SigningKey::new(SIGNING_KEY), &answer, [AnswerTopic::Text]);
        let mut sub = guard(
            "subscribe",
            client
                .subscribe(&answer, tokens)
                .transport(transport)
                .into_future(),
        )
        .await
        .unwrap();
        let reply = gw
            .publish_as(
                Some(SIGNING_KEY),
                &target(&answer.name(), "text"),
                "text/stream",
                body_in_pieces(pieces(&["one ", "two ", "three"])),
            )
            .await;
        assert_eq!(reply.status, 200, "{reply:?}");
        let message = guard("the stream's message", sub.next())
            .await
            .expect("the subscription goes on")
            .expect("a message");
        assert_eq!(message.kind, realtime::MessageKind::DatastreamStart);
        let AnswerMessage::Stream(mut stream) = message.data else {
            panic!("{transport:?}: expected a stream, got {:?}", message.data);
        };
        assert_eq!(stream.id(), reply.body["stream_id"].as_str().unwrap());
        let mut text = String::new();
        while let Some(chunk) = guard("a chunk", stream.next()).await {
            match chunk {
                Ok(AnswerMessage::Text(piece)) => text.push_str(&piece),
                other => panic!("{transport:?}: {other:?}"),
            }
        }
        assert_eq!(text, "one two three", "{transport:?}");
    }
}

#[tokio::test]
async fn a_text_stream_to_a_topic_that_takes_no_text_is_refused_without_a_stream() {
    let gw = start().await;
    let channel = "pipeline:no-text";
    let mut ws = gw.ws_ok(&gw.token(channel, &["status"])).await;
    gw.publish_as(
        Some(SIGNING_KEY),
        &target(channel, "status"),
        "text/stream",
        "not a status",
    )
    .await
    .assert_error(400, "schema_violation");
    gw.publish(
        Some(SIGNING_KEY),
        &target(channel, "status"),
        r#"{"message":"next","percent":2}"#,
    )
    .await;
    let next = ws.next_json().await;
    assert_eq!(
        (&next["kind"], &next["data"]["message"]),
        (&json!("data"), &json!("next"))
    );
    assert_serving(&gw).await;
}

#[tokio::test]
async fn a_body_that_is_not_utf8_aborts_the_stream_and_is_refused() {
    let gw = start().await;
    let channel = Answer::new("bad-utf8").name();
    let mut ws = gw.ws_ok(&gw.token(&channel, &["text"])).await;
    let body = vec![b"fine so far ".to_vec(), vec![0xff, 0xfe]];
    gw.publish_as(
        Some(SIGNING_KEY),
        &target(&channel, "text"),
        "text/stream",
        body_in_pieces(body),
    )
    .await
    .assert_error(400, "invalid_utf8");
    let kinds: Vec<Value> = vec![ws.next_json().await, ws.next_json().await, ws.next_json().await];
    assert_eq!(
        kinds.iter().map(|e| e["kind"].clone()).collect::<Vec<_>>(),
        [json!("datastream-start"), json!("chunk"), json!("datastream-end")]
    );
    assert_eq!(kinds[1]["data"], "fine so far ");
    assert_eq!(kinds[2]["data"], kinds[0]["data"]);
    assert_eq!(kinds[2]["stream_end"]["status"], "aborted");
    assert_eq!(kinds[2]["stream_end"]["chunks"], 1);
    assert!(kinds[2]["stream_end"]["error"]
        .as_str()
        .unwrap()
        .contains("UTF-8"));
    assert_serving(&gw).await;
}

#[tokio::test]
async fn a_text_stream_cannot_take_an_idempotency_key() {
    let gw = start().await;
    let channel = Answer::new("idem").name();
    let mut ws = gw.ws_ok(&gw.token(&channel, &["text"])).await;
    let reply = reqwest::Client::new()
        .post(gw.url(&format!("/v1/realtime/publish?{}", target(&channel, "text"))))
        .bearer_auth(SIGNING_KEY)
        .header("content-type", "text/stream")
        .header("idempotency-key", "k1")
        .body("text")
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 400);
    let body: Value = reply.json().await.unwrap();
    assert_eq!(body["code"], "invalid_idempotency_key");
    // Nothing was published: the next envelope is the next publish.
    gw.publish_as(
        Some(SIGNING_KEY),
        &target(&channel, "text"),
        "text/stream",
        "after",
    )
    .await;
    assert_eq!(ws.next_json().await["kind"], "datastream-start");
    let chunk = ws.next_json().await;
    assert_eq!(chunk["data"], "after");
}

/// A stream aborted by its writer reaches the typed client as an aborted nested stream.
#[tokio::test]
async fn an_aborted_stream_reaches_the_client_as_an_error() {
    let gw = start().await;
    let client = Client::new(&gw.url("")).unwrap();
    let answer = Answer::new("abort");
    let tokens = client.token_minter(SigningKey::new(SIGNING_KEY), &answer, [AnswerTopic::Text]);
    let mut sub = guard("subscribe", client.subscribe(&answer, tokens).into_future())
        .await
        .unwrap();
    let rt = gw.gateway.realtime();
    let mut writer = rt.stream(answer.text()).open().await.unwrap();
    writer.write("half".to_owned()).await.unwrap();
    writer.abort("cancelled by the user").await.unwrap();
    let message = guard("the stream", sub.next()).await.unwrap().unwrap();
    let AnswerMessage::Stream(mut stream) = message.data else {
        panic!("expected a stream");
    };
    assert!(matches!(guard("a chunk", stream.next()).await, Some(Ok(AnswerMessage::Text(t))) if t == "half"));
    match guard("the end", stream.next()).await {
        Some(Err(StreamError::Aborted { reason })) => assert_eq!(reason, "cancelled by the user"),
        other => panic!("expected an abort, got {other:?}"),
    }
    assert!(guard("the end", stream.next()).await.is_none());
}

/// The start and the end of a stream both carry the stream id as `data`, as on the
/// reference server (whose SDK pairs them by it); the end says how the stream ended in
/// `stream_end`, beside `stream_id`. For finished and aborted streams, over WS and SSE.
#[tokio::test]
async fn start_and_end_carry_the_stream_id_as_data_and_the_end_in_stream_end() {
    let gw = start().await;
    let answer = Answer::new("wire");
    let channel = answer.name();
    let mut ws = gw.ws_ok(&gw.token(&channel, &["text"])).await;
    let mut sse = gw.sse_ok(&gw.token(&channel, &["text"])).await;
    let rt = gw.gateway.realtime();

    let mut finished = rt.stream(answer.text()).open().await.unwrap();
    let finished_id = finished.id().to_owned();
    finished.write("one".to_owned()).await.unwrap();
    finished.write("two".to_owned()).await.unwrap();
    finished.finish().await.unwrap();

    let mut aborted = rt.stream(answer.text()).open().await.unwrap();
    let aborted_id = aborted.id().to_owned();
    aborted.write("half".to_owned()).await.unwrap();
    aborted.abort("cancelled by the user").await.unwrap();

    let dropped = rt.stream(answer.text()).open().await.unwrap();
    let dropped_id = dropped.id().to_owned();
    drop(dropped);

    let expected = [
        (&finished_id, "datastream-start", json!(finished_id), None),
        (&finished_id, "chunk", json!("one"), None),
        (&finished_id, "chunk", json!("two"), None),
        (
            &finished_id,
            "datastream-end",
            json!(finished_id),
            Some(json!({"status": "finished", "chunks": 2})),
        ),
        (&aborted_id, "datastream-start", json!(aborted_id), None),
        (&aborted_id, "chunk", json!("half"), None),
        (
            &aborted_id,
            "datastream-end",
            json!(aborted_id),
            Some(json!({"status": "aborted", "chunks": 1, "error": "cancelled by the user"})),
        ),
        (&dropped_id, "datastream-start", json!(dropped_id), None),
        (
            &dropped_id,
            "datastream-end",
            json!(dropped_id),
            Some(json!({
                "status": "aborted",
                "chunks": 0,
                "error": "the writer was dropped before finishing",
            })),
        ),
    ];
    for (stream_id, kind, data, stream_end) in expected {
        let envelope = ws.next_json().await;
        let (from_sse, _) = sse.next_json().await;
        assert_eq!(from_sse, envelope);
        assert_eq!(
            (&envelope["kind"], &envelope["stream_id"], &envelope["data"]),
            (&json!(kind), &json!(stream_id), &data),
            "{envelope}"
        );
        assert_eq!(envelope.get("stream_end"), stream_end.as_ref(), "{envelope}");
        assert_eq!(envelope["topic"], "text");
        assert_eq!(envelope["channel"], json!(channel));
    }
}
