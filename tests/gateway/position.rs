//! The `position` notice: a confirmed subscription says where its channel stands before any
//! message, and resuming after that position, on any node, gives exactly the messages the
//! subscriber had not seen. Each case runs on two gateway nodes sharing one transport: in
//! memory (one transport, two gateways) and on Redis (two transports, one key prefix).

use std::sync::Arc;

use realtime::{HistoryLimits, MessageId, Realtime, Transport};
use serde_json::{json, Value};

use crate::support::{config, SseEvent, TestGateway, WsClient};
use crate::transports::{self, redis_support, redis_transport, Factory, CAPACITY};
use crate::{start_over, status, Pipeline};

/// Two gateway nodes over one channel space.
async fn nodes(factory: Factory) -> (TestGateway, TestGateway) {
    let (a, b): (Arc<dyn Transport>, Arc<dyn Transport>) = match factory {
        Factory::Memory => {
            let shared = factory.transport().await;
            (shared.clone(), shared)
        }
        Factory::Redis => {
            let prefix = redis_support::unique_prefix();
            let limits = HistoryLimits::default();
            (
                Arc::new(redis_transport(&prefix, limits, CAPACITY).await),
                Arc::new(redis_transport(&prefix, limits, CAPACITY).await),
            )
        }
    };
    let a = start_over(Realtime::builder().shared_transport(a).build(), config()).await;
    let b = start_over(Realtime::builder().shared_transport(b).build(), config()).await;
    (a, b)
}

/// Publishes `n` statuses numbered from `from` through `gw`, returning their ids.
async fn publish(gw: &TestGateway, run: &Pipeline, from: u8, n: u8) -> Vec<MessageId> {
    let mut ids = Vec::new();
    for percent in from..from + n {
        let id = gw
            .gateway
            .realtime()
            .publish(run.status(), status("step", percent))
            .await
            .expect("published");
        ids.push(id);
    }
    ids
}

fn id_of(value: &Value) -> MessageId {
    value.as_str().expect("an id").parse().expect("a message id")
}

/// The next frame, which must be the channel's `position`; its id.
async fn ws_position(ws: &mut WsClient, channel: &str) -> MessageId {
    let notice = ws.next_any_json().await;
    assert_eq!(notice["kind"], "position", "the position comes first: {notice}");
    assert_eq!(notice["channel"], channel, "{notice}");
    id_of(&notice["data"]["id"])
}

/// The next event with data, which must be the channel's `position`; its id, which the
/// event's `id:` line repeats.
fn sse_position(event: &SseEvent, channel: &str) -> MessageId {
    assert_eq!(event.event.as_deref(), Some("position"), "{event:?}");
    let notice: Value = serde_json::from_str(event.data.as_deref().unwrap()).unwrap();
    assert_eq!(notice["kind"], "position");
    assert_eq!(notice["channel"], channel);
    let id = id_of(&notice["data"]["id"]);
    assert_eq!(event.id, Some(id.to_string()), "the `id:` line: {event:?}");
    id
}

/// Reads messages until `ids` all came, in order, each once.
async fn ws_expect(ws: &mut WsClient, ids: &[MessageId]) {
    for id in ids {
        let envelope = ws.next_json().await;
        assert_eq!(id_of(&envelope["id"]), *id, "{envelope}");
    }
}

async fn ws_drop_before_the_first_message_loses_nothing(factory: Factory) {
    let (a, b) = nodes(factory).await;
    let run = Pipeline::new(format!("ws-position-{factory:?}"));
    let before = publish(&a, &run, 0, 2).await;
    let token = a.token(&run.name(), &["status"]);
    let mut ws = a.ws_ok(&token).await;
    let position = ws_position(&mut ws, &run.name()).await;
    assert_eq!(position, before[1], "the channel's newest id when subscribing");
    // Cut before any message; published meanwhile, through the other node.
    ws.close().await;
    let missed = publish(&b, &run, 2, 3).await;
    let mut resumed = b.ws_ok(&format!("{token}&since={position}")).await;
    assert_eq!(
        ws_position(&mut resumed, &run.name()).await,
        position,
        "the `since` id"
    );
    ws_expect(&mut resumed, &missed).await;
    let live = publish(&a, &run, 5, 1).await;
    ws_expect(&mut resumed, &live).await;
    assert!(resumed.positions.is_empty(), "one position per subscription");
}

async fn an_empty_channel_resumes_from_its_position_with_everything(factory: Factory) {
    let (a, b) = nodes(factory).await;
    let run = Pipeline::new(format!("empty-position-{factory:?}"));
    let token = a.token(&run.name(), &["status"]);
    let mut ws = a.ws_ok(&token).await;
    let position = ws_position(&mut ws, &run.name()).await;
    if factory == Factory::Redis {
        // Redis ids are per channel: a channel with none is at `0-0`. (In memory, ids are
        // per transport and `0-0` predates what its history can vouch for: the position is
        // the transport's newest id.)
        assert_eq!(position, MessageId::ZERO);
    }
    drop(ws);
    let missed = publish(&b, &run, 0, 3).await;
    assert!(position < missed[0]);
    let mut resumed = b.ws_ok(&format!("{token}&since={position}")).await;
    assert_eq!(ws_position(&mut resumed, &run.name()).await, position);
    ws_expect(&mut resumed, &missed).await;
    if factory == Factory::Memory {
        return;
    }
    // On Redis `0-0` is the same seam: the channel has no older messages.
    let mut from_zero = a.ws_ok(&format!("{token}&since={}", MessageId::ZERO)).await;
    assert_eq!(ws_position(&mut from_zero, &run.name()).await, MessageId::ZERO);
    ws_expect(&mut from_zero, &missed).await;
}

async fn sse_position_has_an_id_line_that_last_event_id_resumes_from(factory: Factory) {
    let (a, b) = nodes(factory).await;
    let run = Pipeline::new(format!("sse-position-{factory:?}"));
    let before = publish(&a, &run, 0, 1).await;
    let token = a.token(&run.name(), &["status"]);
    let mut sse = a.sse_ok(&token).await;
    let event = sse.next_any_data_event().await;
    let position = sse_position(&event, &run.name());
    assert_eq!(position, before[0]);
    drop(sse);
    let missed = publish(&b, &run, 1, 3).await;
    // What an `EventSource` sends by itself: the last `id:` it got.
    let mut resumed = b
        .sse_with(
            Some(&token),
            None,
            &[],
            &[("last-event-id", &position.to_string())],
        )
        .await
        .expect("resumed");
    let event = resumed.next_any_data_event().await;
    assert_eq!(sse_position(&event, &run.name()), position);
    for id in &missed {
        let (envelope, event) = resumed.next_json().await;
        assert_eq!(id_of(&envelope["id"]), *id);
        assert_eq!(event.id, Some(id.to_string()));
    }
}

async fn sub_frames_are_confirmed_with_a_position(factory: Factory) {
    let (a, b) = nodes(factory).await;
    let (first, second) = (
        Pipeline::new(format!("sub-first-{factory:?}")),
        Pipeline::new(format!("sub-second-{factory:?}")),
    );
    let mut ws = a.ws_ok(&a.token(&first.name(), &["status"])).await;
    ws_position(&mut ws, &first.name()).await;
    let older = publish(&b, &second, 0, 3).await;

    // A new channel, live: its newest id.
    let reply = ws
        .request(&json!({ "kind": "sub", "data": a.token(&second.name(), &["status"]) }))
        .await;
    assert_eq!(reply["data"]["ok"], true, "{reply}");
    assert_eq!(ws_position(&mut ws, &second.name()).await, older[2]);
    let newer = publish(&b, &second, 3, 2).await;
    ws_expect(&mut ws, &newer).await;

    // The same channel again (another topic): where the connection stands in it now.
    let reply = ws
        .request(&json!({ "kind": "sub", "data": a.token(&second.name(), &["llm_tokens"]) }))
        .await;
    assert_eq!(reply["data"]["ok"], true, "{reply}");
    assert_eq!(ws_position(&mut ws, &second.name()).await, newer[1]);

    // A new channel resumed: the `since` id, then what came after it.
    let third = Pipeline::new(format!("sub-third-{factory:?}"));
    let ids = publish(&b, &third, 0, 3).await;
    let reply = ws
        .request(&json!({ "kind": "sub", "data": a.token(&third.name(), &["status"]), "since": ids[0].to_string() }))
        .await;
    assert_eq!(reply["data"]["ok"], true, "{reply}");
    assert_eq!(ws_position(&mut ws, &third.name()).await, ids[0]);
    ws_expect(&mut ws, &ids[1..]).await;

    // A refused `sub` confirms nothing.
    let reply = ws.request(&json!({ "kind": "sub", "data": "not-a-token" })).await;
    assert_eq!(reply["data"]["ok"], false, "{reply}");
    let later = publish(&b, &third, 3, 1).await;
    let envelope = ws.next_any_json().await;
    assert_eq!(
        id_of(&envelope["id"]),
        later[0],
        "no position for a refused sub: {envelope}"
    );
}

on_transports!(
    ws_drop_before_the_first_message_loses_nothing,
    an_empty_channel_resumes_from_its_position_with_everything,
    sse_position_has_an_id_line_that_last_event_id_resumes_from,
    sub_frames_are_confirmed_with_a_position,
);
