//! Run lifecycle messages ([`RunScope`]) and the subscriber state model
//! ([`SubscriberState`]), on every transport.
//!
//! Each transport case is written once against `Arc<dyn Transport>` and run by the
//! `on_transports!` macro on the in-memory transport and on the Redis transport (a real
//! Redis server: `REALTIME_TEST_REDIS_URL`, default `redis://127.0.0.1:6379`; each test
//! uses its own key prefix). The state model's own rules are unit tests at the end.

mod common;
#[path = "common/transports.rs"]
#[macro_use]
mod transports;

use common::{status, token, within, Pipeline, PipelineMessage, PipelineTopic};
use futures::StreamExt;
use std::sync::Arc;

use realtime::{
    ConnectionStatus, Message, MessageId, MessageKind, RecvError, RunStatus, RunUpdate, SubscriberState,
    Subscription, RUN_TOPIC,
};
use serde_json::json;
use transports::{handle, Factory};

async fn next(sub: &mut Subscription<Pipeline>) -> Message<PipelineMessage> {
    within(sub.next())
        .await
        .expect("the stream ended")
        .expect("a message, not an error item")
}

/// The run update of the next item, which must be one.
async fn next_run(sub: &mut Subscription<Pipeline>) -> (MessageId, RunUpdate) {
    let message = next(sub).await;
    assert_eq!((message.kind, message.topic), (MessageKind::Run, RUN_TOPIC));
    match message.data {
        PipelineMessage::Run(update) => (message.id, update),
        other => panic!("expected a run update, got {other:?}"),
    }
}

/// Started, then a topic message, then completed with output: in order, as `Run` variants
/// tagged with the run and function ids.
async fn started_then_completed(make: Factory) {
    let rt = handle(make.transport().await);
    let ch = Pipeline::new("lifecycle");
    let mut sub = rt.subscribe(&ch).await.unwrap();
    let run = rt.run(&ch, "run-1").fn_id("generate");
    let started = within(run.started()).await.unwrap();
    assert!(!started.duplicate);
    within(run.publish(ch.status(), status("working"))).await.unwrap();
    within(run.completed(json!({"words": 42}))).await.unwrap();

    let first = next(&mut sub).await;
    assert_eq!(first.id, started.id);
    assert_eq!(first.run_id.as_deref(), Some("run-1"));
    assert_eq!(first.fn_id.as_deref(), Some("generate"));
    assert!(matches!(first.data, PipelineMessage::Run(ref u) if *u == RunUpdate::started()));
    let working = next(&mut sub).await;
    assert_eq!(
        (working.kind, working.run_id.as_deref()),
        (MessageKind::Data, Some("run-1"))
    );
    assert!(matches!(working.data, PipelineMessage::Status(ref s) if s.message == "working"));
    let (id, update) = next_run(&mut sub).await;
    assert!(id > working.id);
    assert_eq!(update, RunUpdate::completed(json!({"words": 42})));
}

/// Failed carries the error's text; cancelled carries nothing.
async fn failed_and_cancelled(make: Factory) {
    let rt = handle(make.transport().await);
    let ch = Pipeline::new("endings");
    let mut sub = rt.subscribe(&ch).await.unwrap();
    within(rt.run(&ch, "a").failed(std::io::Error::other("disk full")))
        .await
        .unwrap();
    within(rt.run(&ch, "b").cancelled()).await.unwrap();
    within(rt.run(&ch, "c").completed(())).await.unwrap();
    assert_eq!(next_run(&mut sub).await.1, RunUpdate::failed("disk full"));
    assert_eq!(next_run(&mut sub).await.1, RunUpdate::cancelled());
    let (_, done) = next_run(&mut sub).await;
    assert_eq!((done.status, done.output), (RunStatus::Completed, None));
}

/// A retried job goes through its lifecycle again: each status is sent once per run.
async fn a_retry_does_not_repeat_statuses(make: Factory) {
    let rt = handle(make.transport().await);
    let ch = Pipeline::new("retry");
    let mut sub = rt.subscribe(&ch).await.unwrap();
    let first = rt.run(&ch, "run-r");
    let started = within(first.started()).await.unwrap();
    let completed = within(first.completed("ok")).await.unwrap();
    let retry = rt.run(&ch, "run-r");
    let again = within(retry.started()).await.unwrap();
    assert!(again.duplicate);
    assert_eq!(again.id, started.id);
    let again = within(retry.completed("ok")).await.unwrap();
    assert!(again.duplicate);
    assert_eq!(again.id, completed.id);
    within(rt.publish(ch.status(), status("after"))).await.unwrap();

    assert_eq!(next_run(&mut sub).await.1.status, RunStatus::Started);
    assert_eq!(next_run(&mut sub).await.1, RunUpdate::completed(json!("ok")));
    assert!(matches!(next(&mut sub).await.data, PipelineMessage::Status(_)));
}

/// A subscriber of one topic gets run updates too, in its stream and in its JSON view;
/// messages of other topics are still skipped.
async fn one_topic_subscribers_get_run_updates(make: Factory) {
    let rt = handle(make.transport().await);
    let ch = Pipeline::new("filtered");
    let mut sub = rt.subscribe(&ch).topics([PipelineTopic::Tokens]).await.unwrap();
    let mut json = sub.json_stream();
    within(rt.publish(ch.status(), status("skipped"))).await.unwrap();
    let run = rt.run(&ch, "run-f");
    within(run.started()).await.unwrap();
    within(rt.publish(ch.tokens(), token("t"))).await.unwrap();

    assert_eq!(next_run(&mut sub).await.1.status, RunStatus::Started);
    assert!(matches!(next(&mut sub).await.data, PipelineMessage::Tokens(_)));
    let envelope = within(json.next()).await.unwrap().unwrap();
    assert_eq!(
        (&envelope["kind"], &envelope["topic"]),
        (&json!("run"), &json!("run"))
    );
    assert_eq!(envelope["data"], json!({"status": "started"}));
    let envelope = within(json.next()).await.unwrap().unwrap();
    assert_eq!(envelope["topic"], "llm_tokens");
}

/// A resumed subscription replays run messages from history like any other.
async fn resume_replays_run_updates(make: Factory) {
    let rt = handle(make.transport().await);
    let ch = Pipeline::new("resume");
    let before = within(rt.publish(ch.status(), status("before"))).await.unwrap();
    let run = rt.run(&ch, "run-h");
    within(run.started()).await.unwrap();
    within(run.failed("boom")).await.unwrap();
    let mut sub = rt.subscribe(&ch).after(before).await.unwrap();
    assert_eq!(next_run(&mut sub).await.1.status, RunStatus::Started);
    assert_eq!(next_run(&mut sub).await.1, RunUpdate::failed("boom"));
}

/// The state model folds a live subscription: run status, latest per topic, history cap,
/// last batch, connection status.
async fn state_folds_a_subscription(make: Factory) {
    let rt = handle(make.transport().await);
    let ch = Pipeline::new("state");
    let mut state = SubscriberState::<Pipeline>::new().history_limit(3);
    assert_eq!(state.connection(), &ConnectionStatus::Idle);
    let mut sub = rt.subscribe(&ch).await.unwrap();
    state.set_connection(ConnectionStatus::Open);
    let run = rt.run(&ch, "run-s");
    within(run.started()).await.unwrap();
    for i in 0..3 {
        within(run.publish(ch.status(), status(&i.to_string())))
            .await
            .unwrap();
    }
    within(run.publish(ch.tokens(), token("tok"))).await.unwrap();
    within(run.completed(json!(7))).await.unwrap();

    let mut seen = 0;
    while seen < 6 {
        state.apply(Ok(next(&mut sub).await));
        seen += 1;
        if seen == 1 {
            assert_eq!(state.run_status(), Some(RunStatus::Started));
        }
    }
    assert_eq!(state.run(), Some(&RunUpdate::completed(json!(7))));
    assert_eq!(state.run_id(), Some("run-s"));
    assert_eq!(state.received(), 6);
    assert_eq!(state.messages().len(), 3, "capped by the history limit");
    let topics: Vec<&str> = state.messages().map(|m| m.topic).collect();
    assert_eq!(topics, ["status", "llm_tokens", "run"]);
    match state.latest(PipelineTopic::Status).map(|m| &m.data) {
        Some(PipelineMessage::Status(s)) => assert_eq!(s.message, "2"),
        other => panic!("expected the last status, got {other:?}"),
    }
    assert!(state.latest(PipelineTopic::Progress).is_none());
    assert_eq!(state.last_batch().len(), 1);
    sub.close();
    match sub.next().await {
        None => state.ended(),
        Some(item) => panic!("a closed subscription ends, got {item:?}"),
    }
    assert_eq!(state.connection(), &ConnectionStatus::Closed);
}

on_transports!(
    started_then_completed,
    failed_and_cancelled,
    a_retry_does_not_repeat_statuses,
    one_topic_subscribers_get_run_updates,
    resume_replays_run_updates,
    state_folds_a_subscription,
);

/// The state model's rules, without a transport.
mod state {
    use super::*;
    use realtime::client::{ClientError, ClientRecvError};
    use realtime::DecodeError;

    fn message(
        id: u64,
        topic: &'static str,
        run_id: Option<&str>,
        data: PipelineMessage,
    ) -> Message<PipelineMessage> {
        Message {
            id: MessageId::new(id, 0),
            channel: Arc::from("pipeline:unit"),
            topic,
            kind: if topic == RUN_TOPIC {
                MessageKind::Run
            } else {
                MessageKind::Data
            },
            run_id: run_id.map(str::to_owned),
            fn_id: None,
            created_at: realtime::Envelope::new("pipeline:unit", topic, json!(null)).created_at,
            data,
        }
    }

    fn status_message(id: u64, text: &str) -> Message<PipelineMessage> {
        message(id, "status", None, PipelineMessage::Status(status(text)))
    }

    fn run_message(id: u64, run_id: &str, update: RunUpdate) -> Message<PipelineMessage> {
        message(id, RUN_TOPIC, Some(run_id), PipelineMessage::Run(update))
    }

    #[test]
    fn history_is_capped_and_latest_is_per_topic() {
        let mut state = SubscriberState::<Pipeline>::new().history_limit(2);
        state.apply_batch((1..=5).map(|i| Ok(status_message(i, &i.to_string()))));
        state.apply(Ok(message(
            6,
            "llm_tokens",
            None,
            PipelineMessage::Tokens(token("x")),
        )));
        let ids: Vec<u64> = state.messages().map(|m| m.id.millis()).collect();
        assert_eq!(ids, [5, 6]);
        assert_eq!(state.received(), 6);
        assert_eq!(
            state.latest(PipelineTopic::Status).unwrap().id,
            MessageId::new(5, 0)
        );
        assert_eq!(
            state.latest(PipelineTopic::Tokens).unwrap().id,
            MessageId::new(6, 0)
        );
        assert!(state.latest(PipelineTopic::Progress).is_none());

        let mut zero = SubscriberState::<Pipeline>::new().history_limit(0);
        zero.apply(Ok(status_message(1, "a")));
        assert_eq!(zero.messages().len(), 0);
        assert!(
            zero.latest(PipelineTopic::Status).is_some(),
            "latest is kept whatever the limit"
        );
        assert_eq!(zero.last_batch().len(), 1);
    }

    #[test]
    fn last_batch_is_what_the_latest_apply_brought() {
        let mut state = SubscriberState::<Pipeline>::new();
        state.apply_batch([Ok(status_message(1, "a")), Ok(status_message(2, "b"))]);
        assert_eq!(state.last_batch().len(), 2);
        state.apply_batch([]);
        assert!(state.last_batch().is_empty());
        state.apply(Ok(status_message(3, "c")));
        assert_eq!(state.last_batch()[0].id, MessageId::new(3, 0));
        assert_eq!(state.messages().len(), 3);
    }

    #[test]
    fn run_status_follows_the_run() {
        let mut state = SubscriberState::<Pipeline>::new();
        assert_eq!(state.run_status(), None);
        state.apply(Ok(run_message(1, "r1", RunUpdate::started())));
        assert_eq!(
            (state.run_status(), state.run_id()),
            (Some(RunStatus::Started), Some("r1"))
        );
        assert!(
            state.latest(PipelineTopic::Status).is_none(),
            "run updates are not topic data"
        );
        state.apply(Ok(run_message(2, "r1", RunUpdate::failed("boom"))));
        assert_eq!(state.run(), Some(&RunUpdate::failed("boom")));
        // A late start of the same run does not take an ended run back.
        state.apply(Ok(run_message(3, "r1", RunUpdate::started())));
        assert_eq!(state.run_status(), Some(RunStatus::Failed));
        // A later terminal status does (a retry that succeeded).
        state.apply(Ok(run_message(4, "r1", RunUpdate::completed(json!(1)))));
        assert_eq!(state.run_status(), Some(RunStatus::Completed));
        // Another run starts.
        state.apply(Ok(run_message(5, "r2", RunUpdate::started())));
        assert_eq!(
            (state.run_status(), state.run_id()),
            (Some(RunStatus::Started), Some("r2"))
        );
        state.apply(Ok(run_message(6, "r2", RunUpdate::cancelled())));
        assert_eq!(state.run_status(), Some(RunStatus::Cancelled));
        assert_eq!(state.messages().len(), 6, "run updates are in the history");
    }

    #[test]
    fn connection_status_follows_the_items() {
        let mut state = SubscriberState::<Pipeline>::new();
        assert_eq!(state.connection(), &ConnectionStatus::Idle);
        state.set_connection(ConnectionStatus::Connecting);
        state.apply(Ok(status_message(1, "a")));
        assert_eq!(state.connection(), &ConnectionStatus::Open);

        // Error items of a subscription are kept, and the stream goes on.
        let decode = DecodeError::UnknownTopic { topic: "x".into() };
        state.apply(Err(RecvError::Decode(decode)));
        assert_eq!(state.connection(), &ConnectionStatus::Open);
        assert!(state.last_error().unwrap().contains("`x`"));

        // A client: disconnected means reconnecting, a message means open again.
        state.apply_client(Err(ClientRecvError::Disconnected {
            attempt: 1,
            error: ClientError::ConnectionClosed,
        }));
        assert_eq!(state.connection(), &ConnectionStatus::Connecting);
        state.apply_client(Ok(status_message(2, "b")));
        assert_eq!(state.connection(), &ConnectionStatus::Open);
        state.apply_client(Err(ClientRecvError::Malformed { reason: "?".into() }));
        assert_eq!(state.connection(), &ConnectionStatus::Open);

        // Giving up is an error, and stays one when the stream then ends.
        state.apply_client(Err(ClientRecvError::GaveUp {
            attempts: 3,
            error: ClientError::ConnectionClosed,
        }));
        let ConnectionStatus::Error(why) = state.connection().clone() else {
            panic!("expected an error status, got {:?}", state.connection())
        };
        assert!(why.contains("gave up"), "{why}");
        state.ended();
        assert!(matches!(state.connection(), ConnectionStatus::Error(_)));

        let mut other = SubscriberState::<Pipeline>::default();
        other.ended();
        assert_eq!(other.connection(), &ConnectionStatus::Closed);
    }
}
