//! Resuming through the gateway: WebSocket `?since=`, SSE `Last-Event-ID` and `?since=`,
//! the `sub` frame's `since`, lost continuity as a notice, and malformed resume points
//! refused with 400 `invalid_since`.

use realtime::{HistoryLimits, MemoryTransport, MessageId, Realtime};
use serde_json::{json, Value};

use crate::support::config;
use crate::{assert_serving, start, start_over, status, Pipeline};

/// Publishes `n` statuses numbered from `from`, returning their ids.
async fn publish(realtime: &Realtime, run: &Pipeline, from: u8, n: u8) -> Vec<MessageId> {
    let mut ids = Vec::new();
    for percent in from..from + n {
        ids.push(
            realtime
                .publish(run.status(), status("step", percent))
                .await
                .unwrap(),
        );
    }
    ids
}

fn id_of(envelope: &Value) -> MessageId {
    envelope["id"]
        .as_str()
        .expect("an id")
        .parse()
        .expect("a message id")
}

#[tokio::test]
async fn ws_since_replays_the_missed_messages_then_live_ones() {
    let gw = start(config()).await;
    let run = Pipeline::new("ws-resume");
    let rt = gw.gateway.realtime();
    let ids = publish(rt, &run, 0, 6).await;
    let token = gw.token(&run.name(), &["status"]);
    let mut ws = gw.ws_ok(&format!("{token}&since={}", ids[2])).await;
    for (i, id) in ids.iter().enumerate().skip(3) {
        let envelope = ws.next_json().await;
        assert_eq!(id_of(&envelope), *id);
        assert_eq!(envelope["data"]["percent"], i);
    }
    let live = publish(rt, &run, 50, 1).await;
    assert_eq!(id_of(&ws.next_json().await), live[0]);
}

#[tokio::test]
async fn sse_last_event_id_resumes_as_an_event_source_does() {
    let gw = start(config()).await;
    let run = Pipeline::new("sse-resume");
    let rt = gw.gateway.realtime();
    let token = gw.token(&run.name(), &["status"]);

    // A first connection sees two messages, then drops.
    let mut first = gw.sse_ok(&token).await;
    let ids = publish(rt, &run, 0, 2).await;
    let (_, event) = first.next_json().await;
    assert_eq!(event.id.as_deref(), Some(ids[0].to_string().as_str()));
    let (_, event) = first.next_json().await;
    let last_event_id = event.id.expect("an id line");
    drop(first);

    // Published while it was away.
    let missed = publish(rt, &run, 2, 3).await;
    let mut second = gw
        .sse_with(Some(&token), None, &[], &[("last-event-id", &last_event_id)])
        .await
        .expect("resumed");
    for id in &missed {
        let (envelope, event) = second.next_json().await;
        assert_eq!(id_of(&envelope), *id);
        assert_eq!(event.id, Some(id.to_string()));
    }

    // `?since=` wins over the header.
    let mut third = gw
        .sse_with(
            Some(&token),
            None,
            &[("since", &missed[1].to_string())],
            &[("last-event-id", &last_event_id)],
        )
        .await
        .expect("resumed");
    let (envelope, _) = third.next_json().await;
    assert_eq!(id_of(&envelope), missed[2]);
}

#[tokio::test]
async fn resuming_beyond_history_is_a_continuity_lost_notice_on_both_transports() {
    let transport = MemoryTransport::builder()
        .history(HistoryLimits {
            max_len: 3,
            ..HistoryLimits::default()
        })
        .build();
    let gw = start_over(Realtime::new(transport), config()).await;
    let run = Pipeline::new("expired");
    let rt = gw.gateway.realtime();
    let ids = publish(rt, &run, 0, 10).await;
    let token = gw.token(&run.name(), &["status"]);

    let mut ws = gw.ws_ok(&format!("{token}&since={}", ids[0])).await;
    let notice = ws.next_json().await;
    assert_eq!(notice["kind"], "continuity_lost");
    assert_eq!(notice["channel"], run.name());
    assert_eq!(
        notice["data"],
        json!({ "cause": "history_expired", "last_seen": ids[0].to_string(), "missed": null })
    );
    for id in &ids[7..] {
        assert_eq!(id_of(&ws.next_json().await), *id);
    }

    let mut sse = gw
        .sse_with(Some(&token), None, &[("since", &ids[1].to_string())], &[])
        .await
        .expect("subscribed");
    let event = sse.next_data_event().await;
    assert_eq!(event.event.as_deref(), Some("continuity_lost"));
    let notice: Value = serde_json::from_str(event.data.as_deref().unwrap()).unwrap();
    assert_eq!(notice["data"]["cause"], "history_expired");
    assert_eq!(notice["data"]["last_seen"], ids[1].to_string());
    for id in &ids[7..] {
        assert_eq!(id_of(&sse.next_json().await.0), *id);
    }
    assert!(gw.metrics().await.contains("realtime_continuity_lost_total 2"));
}

#[tokio::test]
async fn ws_sub_frame_can_resume_a_second_channel() {
    let gw = start(config()).await;
    let (a, b) = (Pipeline::new("sub-a"), Pipeline::new("sub-b"));
    let rt = gw.gateway.realtime();
    let mut ws = gw.ws_ok(&gw.token(&a.name(), &["status"])).await;
    let ids = publish(rt, &b, 0, 4).await;
    let reply = ws
        .request(
            &json!({ "kind": "sub", "data": gw.token(&b.name(), &["status"]), "since": ids[1].to_string() }),
        )
        .await;
    assert_eq!(reply["data"]["ok"], true, "{reply}");
    for id in &ids[2..] {
        let envelope = ws.next_json().await;
        assert_eq!(envelope["channel"], b.name());
        assert_eq!(id_of(&envelope), *id);
    }
    let reply = ws
        .request(&json!({ "kind": "sub", "data": gw.token(&b.name(), &["status"]), "since": "yesterday" }))
        .await;
    assert_eq!(reply["data"]["ok"], false, "{reply}");
    assert_eq!(reply["data"]["code"], "invalid_since");
}

#[tokio::test]
async fn malformed_resume_points_are_refused_with_400() {
    let gw = start(config()).await;
    let run = Pipeline::new("bad-since");
    let token = gw.token(&run.name(), &["status"]);
    for since in ["yesterday", "12", "1-2-3", "-1-0"] {
        let Err(reply) = gw.ws(Some(&format!("{token}&since={since}")), None).await else {
            panic!("ws accepted since={since}")
        };
        reply.assert_error(400, "invalid_since");
        let Err(reply) = gw.sse_with(Some(&token), None, &[("since", since)], &[]).await else {
            panic!("sse accepted since={since}")
        };
        reply.assert_error(400, "invalid_since");
    }
    let Err(reply) = gw
        .sse_with(Some(&token), None, &[], &[("last-event-id", "not-an-id")])
        .await
    else {
        panic!("sse accepted a bad Last-Event-ID")
    };
    reply.assert_error(400, "invalid_since");
    assert!(reply.body["error"].as_str().unwrap().contains("Last-Event-ID"));
    assert_serving(&gw).await;
}
