//! Run lifecycle messages through the gateway: every subscriber of the channel receives
//! them, whatever topics its token grants, over WebSocket, SSE and the typed client.

use std::future::IntoFuture;

use futures::StreamExt;
use realtime::client::{Client, ClientTransport};
use realtime::{ConnectionStatus, RunStatus, RunUpdate, SigningKey, SubscriberState};
use serde_json::json;

use crate::support::{config, guard, SIGNING_KEY};
use crate::{start, status, Pipeline, PipelineMessage, PipelineTopic, Token};

#[tokio::test]
async fn a_ws_subscriber_granted_only_status_receives_the_run_messages() {
    let gw = start(config()).await;
    let run = Pipeline::new("run-ws");
    let mut ws = gw.ws_ok(&gw.token(&run.name(), &["status"])).await;
    let rt = gw.gateway.realtime();
    let scope = rt.run(&run, "r-ws").fn_id("generate");
    scope.started().await.unwrap();
    rt.publish(
        run.tokens(),
        Token {
            text: "not granted".into(),
        },
    )
    .await
    .unwrap();
    scope.publish(run.status(), status("working", 50)).await.unwrap();
    scope.completed(json!({"words": 3})).await.unwrap();

    let started = ws.next_json().await;
    assert_eq!(
        (
            &started["kind"],
            &started["topic"],
            &started["run_id"],
            &started["fn_id"]
        ),
        (&json!("run"), &json!("run"), &json!("r-ws"), &json!("generate"))
    );
    assert_eq!(started["data"], json!({"status": "started"}));
    let working = ws.next_json().await;
    assert_eq!(
        (&working["topic"], &working["run_id"]),
        (&json!("status"), &json!("r-ws"))
    );
    let completed = ws.next_json().await;
    assert_eq!(completed["kind"], "run");
    assert_eq!(
        completed["data"],
        json!({"status": "completed", "output": {"words": 3}})
    );
}

#[tokio::test]
async fn an_sse_subscriber_granted_only_tokens_receives_the_run_messages() {
    let gw = start(config()).await;
    let run = Pipeline::new("run-sse");
    let mut sse = gw.sse_ok(&gw.token(&run.name(), &["llm_tokens"])).await;
    let rt = gw.gateway.realtime();
    rt.publish(run.status(), status("not granted", 1)).await.unwrap();
    rt.run(&run, "r-sse").failed("out of memory").await.unwrap();
    let (envelope, event) = sse.next_json().await;
    assert_eq!(event.event, None, "a plain message event");
    assert_eq!(
        (&envelope["kind"], &envelope["topic"]),
        (&json!("run"), &json!("run"))
    );
    assert_eq!(
        envelope["data"],
        json!({"status": "failed", "error": "out of memory"})
    );
}

#[tokio::test]
async fn a_client_subscription_of_one_topic_folds_run_updates_into_its_state() {
    let gw = start(config()).await;
    let client = Client::new(&gw.url("")).unwrap();
    for (i, transport) in [ClientTransport::WebSocket, ClientTransport::Sse]
        .into_iter()
        .enumerate()
    {
        let run = Pipeline::new(format!("run-client-{i}"));
        let tokens = client.token_minter(SigningKey::new(SIGNING_KEY), &run, [PipelineTopic::Status]);
        let mut state = SubscriberState::<Pipeline>::new();
        state.set_connection(ConnectionStatus::Connecting);
        let mut sub = guard(
            "subscribe",
            client
                .subscribe(&run, tokens)
                .topics([PipelineTopic::Status])
                .transport(transport)
                .into_future(),
        )
        .await
        .unwrap();
        state.set_connection(ConnectionStatus::Open);

        let rt = gw.gateway.realtime();
        let scope = rt.run(&run, format!("r-{i}"));
        scope.started().await.unwrap();
        scope.publish(run.status(), status("half", 50)).await.unwrap();
        scope.cancelled().await.unwrap();

        let mut kinds = Vec::new();
        while state.run_status() != Some(RunStatus::Cancelled) {
            let item = guard("a message", sub.next()).await.expect("the stream goes on");
            if let Ok(message) = &item {
                kinds.push((message.topic, format!("{:?}", message.data)));
                if let PipelineMessage::Run(update) = &message.data {
                    assert_eq!(message.run_id.as_deref(), Some(format!("r-{i}").as_str()));
                    assert!(matches!(update.status, RunStatus::Started | RunStatus::Cancelled));
                }
            }
            state.apply_client(item);
        }
        assert_eq!(
            kinds.iter().map(|(topic, _)| *topic).collect::<Vec<_>>(),
            ["run", "status", "run"],
            "{transport:?}: {kinds:?}"
        );
        assert_eq!(state.run(), Some(&RunUpdate::cancelled()));
        assert_eq!(state.connection(), &ConnectionStatus::Open);
        let latest = state.latest(PipelineTopic::Status).expect("a status arrived");
        assert!(matches!(&latest.data, PipelineMessage::Status(s) if s.percent == 50));
        assert_eq!(state.messages().len(), 3);
    }
}
