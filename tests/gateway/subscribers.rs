//! Subscribers with good tokens: what arrives over WebSocket and SSE, and the WebSocket's
//! `sub` and `unsub` frames.

use realtime::{SigningKey, TokenAuthority};
use serde_json::json;

use crate::support::{config, unix_now};
use crate::{assert_serving, start, status, Pipeline, Token};

#[tokio::test]
async fn a_ws_subscriber_receives_envelopes_of_its_granted_topics_only() {
    let gw = start(config()).await;
    let run = Pipeline::new("ws-1");
    let mut ws = gw.ws_ok(&gw.token(&run.name(), &["status"])).await;
    let rt = gw.gateway.realtime();
    rt.publish(
        run.tokens(),
        Token {
            text: "not granted".into(),
        },
    )
    .await
    .unwrap();
    let id = rt
        .publish(run.status(), status("granted", 10))
        .run_id("r-1")
        .await
        .unwrap();
    let envelope = ws.next_json().await;
    assert_eq!(envelope["id"], serde_json::to_value(id).unwrap());
    assert_eq!(envelope["channel"], "pipeline:ws-1");
    assert_eq!(envelope["topic"], "status");
    assert_eq!(envelope["kind"], "data");
    assert_eq!(envelope["run_id"], "r-1");
    assert_eq!(envelope["data"], json!({"message": "granted", "percent": 10}));
}

#[tokio::test]
async fn an_sse_subscriber_receives_id_and_data_frames_of_its_granted_topics_only() {
    let gw = start(config()).await;
    let run = Pipeline::new("sse-1");
    let mut sse = gw.sse_ok(&gw.token(&run.name(), &["llm_tokens"])).await;
    assert!(
        sse.content_type.starts_with("text/event-stream"),
        "{}",
        sse.content_type
    );
    let rt = gw.gateway.realtime();
    rt.publish(run.status(), status("not granted", 1)).await.unwrap();
    let id = rt
        .publish(
            run.tokens(),
            Token {
                text: "granted".into(),
            },
        )
        .await
        .unwrap();
    let (envelope, event) = sse.next_json().await;
    let id = serde_json::to_value(id).unwrap();
    assert_eq!(envelope["id"], id);
    assert_eq!(
        (&envelope["topic"], &envelope["data"]["text"]),
        (&json!("llm_tokens"), &json!("granted"))
    );
    let data = event.data.as_deref().unwrap();
    assert_eq!(event.raw, format!("id: {}\ndata: {data}", id.as_str().unwrap()));
}

#[tokio::test]
async fn ws_sub_with_a_token_for_another_channel_adds_that_channel() {
    let gw = start(config()).await;
    let (a, b) = (Pipeline::new("a"), Pipeline::new("b"));
    let mut ws = gw.ws_ok(&gw.token(&a.name(), &["status"])).await;
    let reply = ws
        .request(&json!({"kind": "sub", "data": gw.token(&b.name(), &["llm_tokens"])}))
        .await;
    assert_eq!(
        (&reply["kind"], &reply["data"]["ok"]),
        (&json!("sub"), &json!(true)),
        "{reply}"
    );
    assert_eq!(
        reply["data"]["subscriptions"]["pipeline:b"],
        json!(["llm_tokens"])
    );
    let rt = gw.gateway.realtime();
    rt.publish(
        b.tokens(),
        Token {
            text: "from b".into(),
        },
    )
    .await
    .unwrap();
    let envelope = ws.next_json().await;
    assert_eq!(
        (&envelope["channel"], &envelope["data"]["text"]),
        (&json!("pipeline:b"), &json!("from b"))
    );
    rt.publish(a.status(), status("from a", 2)).await.unwrap();
    assert_eq!(ws.next_json().await["channel"], "pipeline:a");
}

#[tokio::test]
async fn ws_sub_with_a_bad_token_is_refused_in_its_reply_and_adds_nothing() {
    let gw = start(config()).await;
    let (a, b) = (Pipeline::new("a"), Pipeline::new("b"));
    let mut ws = gw.ws_ok(&gw.token(&a.name(), &["status"])).await;
    let foreign = TokenAuthority::new(SigningKey::new("another key"));
    let expired = gw
        .gateway
        .tokens()
        .mint_at(&b.name(), ["status"], false, unix_now() - 3600)
        .unwrap()
        .jwt;
    let cases = [
        (
            foreign.mint_names(&b.name(), ["status"], false).unwrap().jwt,
            "token_bad_signature",
        ),
        (expired, "token_expired"),
        ("garbage".to_owned(), "token_malformed"),
    ];
    for (jwt, code) in cases {
        let reply = ws.request(&json!({"kind": "sub", "data": jwt})).await;
        assert_eq!(reply["kind"], "sub", "{reply}");
        assert_eq!(
            (&reply["data"]["ok"], &reply["data"]["code"]),
            (&json!(false), &json!(code)),
            "{reply}"
        );
    }
    let rt = gw.gateway.realtime();
    rt.publish(b.status(), status("from b", 1)).await.unwrap();
    rt.publish(a.status(), status("from a", 1)).await.unwrap();
    assert_eq!(
        ws.next_json().await["channel"],
        "pipeline:a",
        "channel b was not added"
    );
}

#[tokio::test]
async fn ws_unsub_stops_a_topic() {
    let gw = start(config()).await;
    let run = Pipeline::new("unsub");
    let mut ws = gw.ws_ok(&gw.token(&run.name(), &["status", "llm_tokens"])).await;
    let reply = ws
        .request(&json!({"kind": "unsub", "data": [{"channel": run.name(), "name": "status"}]}))
        .await;
    assert_eq!(
        (&reply["kind"], &reply["data"]["ok"]),
        (&json!("unsub"), &json!(true)),
        "{reply}"
    );
    assert_eq!(reply["data"]["subscriptions"][run.name()], json!(["llm_tokens"]));
    let rt = gw.gateway.realtime();
    rt.publish(run.status(), status("dropped", 1)).await.unwrap();
    rt.publish(run.tokens(), Token { text: "kept".into() })
        .await
        .unwrap();
    let envelope = ws.next_json().await;
    assert_eq!(
        (&envelope["topic"], &envelope["data"]["text"]),
        (&json!("llm_tokens"), &json!("kept"))
    );
}

#[tokio::test]
async fn a_malformed_ws_frame_gets_an_error_reply_and_the_connection_stays_open() {
    let gw = start(config()).await;
    let run = Pipeline::new("frames");
    let mut ws = gw.ws_ok(&gw.token(&run.name(), &["status"])).await;
    ws.send_text("not json").await;
    let reply = ws.next_json().await;
    assert_eq!(
        (&reply["kind"], &reply["data"]["code"]),
        (&json!("error"), &json!("malformed_frame")),
        "{reply}"
    );
    let reply = ws.request(&json!({"kind": "sub", "data": 42})).await;
    assert_eq!(
        (&reply["data"]["ok"], &reply["data"]["code"]),
        (&json!(false), &json!("malformed_frame"))
    );
    let reply = ws.request(&json!({"kind": "unsub", "data": "everything"})).await;
    assert_eq!(
        (&reply["data"]["ok"], &reply["data"]["code"]),
        (&json!(false), &json!("malformed_frame"))
    );
    let reply = ws.request(&json!({"kind": "dance"})).await;
    assert_eq!(
        (&reply["kind"], &reply["data"]["code"]),
        (&json!("error"), &json!("unknown_frame"))
    );
    gw.gateway
        .realtime()
        .publish(run.status(), status("still open", 3))
        .await
        .unwrap();
    assert_eq!(ws.next_json().await["data"]["message"], "still open");
    assert_serving(&gw).await;
}

#[tokio::test]
async fn with_a_write_delay_a_ws_subscriber_still_gets_every_message_in_order() {
    let gw = start(realtime::gateway::GatewayConfig {
        write_delay: std::time::Duration::from_millis(30),
        ..config()
    })
    .await;
    let run = Pipeline::new("ws-delay");
    let mut ws = gw.ws_ok(&gw.token(&run.name(), &["status"])).await;
    let rt = gw.gateway.realtime().clone();
    // A lone message is written once the delay is over, with nothing else to gather.
    let lone = rt.publish(run.status(), status("alone", 0)).await.unwrap();
    assert_eq!(ws.next_json().await["id"], serde_json::to_value(lone).unwrap());
    // A burst: more than one flush holds (64), gathered over the delays.
    let publisher = tokio::spawn({
        let run = Pipeline::new("ws-delay");
        async move {
            let mut ids = Vec::new();
            for i in 0..150u8 {
                ids.push(rt.publish(run.status(), status("burst", i % 100)).await.unwrap());
            }
            ids
        }
    });
    let mut received = Vec::new();
    for _ in 0..150 {
        received.push(ws.next_json().await["id"].clone());
    }
    let sent: Vec<_> = publisher
        .await
        .unwrap()
        .into_iter()
        .map(|id| serde_json::to_value(id).unwrap())
        .collect();
    assert_eq!(received, sent);
    assert_serving(&gw).await;
}
