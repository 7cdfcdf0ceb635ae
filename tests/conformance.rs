//! One behaviour suite for every transport: ordering, fan-out, topic filtering, resume
//! (within and beyond history, and at a seam with a publisher running), lag recovery and
//! the lost-continuity notice, close, and validation of foreign messages.
//!
//! Each case is written once against `Arc<dyn Transport>`; `on_transports!` (the harness of
//! `tests/common/transports.rs`) runs all of them on the in-memory transport and on the Redis
//! transport (a real Redis server: `REALTIME_TEST_REDIS_URL`, default
//! `redis://127.0.0.1:6379`; each test uses its own key prefix).

mod common;
#[path = "common/transports.rs"]
#[macro_use]
mod transports;

use common::{status, token, within, Pipeline, PipelineMessage, PipelineTopic};
use futures::StreamExt;
use realtime::{
    Delivery, Envelope, GapCause, HistoryLimits, Message, MessageId, Realtime, RecvError, Subscription,
};
use serde_json::json;
use transports::{handle, Factory, CAPACITY};

async fn next(sub: &mut Subscription<Pipeline>) -> Result<Message<PipelineMessage>, RecvError> {
    within(sub.next()).await.expect("the stream ended")
}

/// The status message of the next item, which must be a status message.
async fn next_status(sub: &mut Subscription<Pipeline>) -> (MessageId, String) {
    match next(sub).await {
        Ok(Message {
            id,
            data: PipelineMessage::Status(s),
            ..
        }) => (id, s.message),
        other => panic!("expected a status message, got {other:?}"),
    }
}

async fn publish_n(rt: &Realtime, ch: &Pipeline, range: std::ops::Range<usize>) -> Vec<MessageId> {
    let mut ids = Vec::new();
    for i in range {
        ids.push(
            within(rt.publish(ch.status(), status(&i.to_string())))
                .await
                .unwrap(),
        );
    }
    ids
}

/// Messages of a channel arrive in publish order, with increasing ids.
async fn ordering(make: Factory) {
    let rt = handle(make.with(HistoryLimits::default(), CAPACITY).await);
    let ch = Pipeline::new("order");
    let mut sub = rt.subscribe(&ch).await.unwrap();
    let ids = publish_n(&rt, &ch, 0..200).await;
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids increase");
    for (i, id) in ids.iter().enumerate() {
        assert_eq!(next_status(&mut sub).await, (*id, i.to_string()));
    }
}

/// Two publishers at once: the subscriber gets all of both, in id order.
async fn concurrent_publishers(make: Factory) {
    let rt = handle(make.with(HistoryLimits::default(), CAPACITY).await);
    let ch = Pipeline::new("concurrent");
    let mut sub = rt.subscribe(&ch).await.unwrap();
    let publisher = |prefix: &'static str| {
        let rt = rt.clone();
        let ch = ch.clone();
        tokio::spawn(async move {
            for i in 0..100 {
                rt.publish(ch.status(), status(&format!("{prefix}{i}")))
                    .await
                    .unwrap();
            }
        })
    };
    let (a, b) = (publisher("a"), publisher("b"));
    a.await.unwrap();
    b.await.unwrap();
    let mut last = MessageId::ZERO;
    let (mut next_a, mut next_b) = (0, 0);
    for _ in 0..200 {
        let (id, text) = next_status(&mut sub).await;
        assert!(id > last, "ids increase in delivery order");
        last = id;
        let (counter, rest) = match text.split_at(1) {
            ("a", rest) => (&mut next_a, rest),
            ("b", rest) => (&mut next_b, rest),
            _ => panic!("unexpected {text}"),
        };
        assert_eq!(
            rest,
            counter.to_string(),
            "each publisher's messages stay in order"
        );
        *counter += 1;
    }
}

/// Every subscriber gets every message; other channels' messages reach nobody here.
async fn fan_out(make: Factory) {
    let rt = handle(make.with(HistoryLimits::default(), CAPACITY).await);
    let ch = Pipeline::new("fan");
    let mut subs = Vec::new();
    for _ in 0..5 {
        subs.push(rt.subscribe(&ch).await.unwrap());
    }
    rt.publish(Pipeline::new("elsewhere").status(), status("not here"))
        .await
        .unwrap();
    let ids = publish_n(&rt, &ch, 0..20).await;
    for sub in &mut subs {
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(next_status(sub).await, (*id, i.to_string()));
        }
    }
}

/// A subscription to some topics gets only those.
async fn topic_filtering(make: Factory) {
    let rt = handle(make.with(HistoryLimits::default(), CAPACITY).await);
    let ch = Pipeline::new("topics");
    let mut statuses = rt.subscribe(&ch).topics([PipelineTopic::Status]).await.unwrap();
    let mut tokens = rt.subscribe(&ch).topics([PipelineTopic::Tokens]).await.unwrap();
    rt.publish(ch.tokens(), token("t1")).await.unwrap();
    rt.publish(ch.status(), status("s1")).await.unwrap();
    rt.publish(ch.tokens(), token("t2")).await.unwrap();
    assert_eq!(next_status(&mut statuses).await.1, "s1");
    for expected in ["t1", "t2"] {
        match next(&mut tokens).await {
            Ok(Message {
                data: PipelineMessage::Tokens(t),
                ..
            }) => assert_eq!(t.text, expected),
            other => panic!("expected a token, got {other:?}"),
        }
    }
}

/// Resuming after an id gives the missed messages from history, then live ones.
async fn resume_within_history(make: Factory) {
    let rt = handle(make.with(HistoryLimits::default(), CAPACITY).await);
    let ch = Pipeline::new("resume");
    let ids = publish_n(&rt, &ch, 0..10).await;
    let mut sub = rt.subscribe(&ch).after(ids[3]).await.unwrap();
    for (i, id) in ids.iter().enumerate().skip(4) {
        assert_eq!(next_status(&mut sub).await, (*id, i.to_string()));
    }
    let live = rt.publish(ch.status(), status("live")).await.unwrap();
    assert_eq!(next_status(&mut sub).await, (live, "live".to_owned()));
    assert_eq!(sub.last_id(), Some(live));

    // Resuming after the newest id gives only live messages.
    let mut caught_up = rt.subscribe(&ch).after(live).await.unwrap();
    let later = rt.publish(ch.status(), status("later")).await.unwrap();
    assert_eq!(next_status(&mut caught_up).await, (later, "later".to_owned()));
}

/// Resuming while a publisher runs: no gap and no duplicate at the seam.
async fn resume_seam_under_load(make: Factory) {
    let rt = handle(make.with(HistoryLimits::default(), CAPACITY).await);
    let ch = Pipeline::new("seam");
    let ids = publish_n(&rt, &ch, 0..50).await;
    let publisher = {
        let (rt, ch) = (rt.clone(), ch.clone());
        tokio::spawn(async move { publish_n(&rt, &ch, 50..400).await })
    };
    // Resume while the publisher is going.
    tokio::task::yield_now().await;
    let mut sub = rt.subscribe(&ch).after(ids[24]).await.unwrap();
    let mut all = ids;
    all.extend(publisher.await.unwrap());
    for (i, id) in all.iter().enumerate().skip(25) {
        assert_eq!(next_status(&mut sub).await, (*id, i.to_string()));
    }
}

/// Resuming after an id older than the history: told first, then what history holds.
async fn resume_beyond_history(make: Factory) {
    let limits = HistoryLimits {
        max_len: 5,
        ..HistoryLimits::default()
    };
    let rt = handle(make.with(limits, CAPACITY).await);
    let ch = Pipeline::new("expired");
    let ids = publish_n(&rt, &ch, 0..300).await;
    let mut sub = rt.subscribe(&ch).after(ids[0]).await.unwrap();
    match next(&mut sub).await {
        Err(RecvError::ContinuityLost(gap)) => {
            assert_eq!(gap.cause, GapCause::HistoryExpired);
            assert_eq!(gap.last_seen, Some(ids[0]));
        }
        other => panic!("expected ContinuityLost first, got {other:?}"),
    }
    // Then a contiguous run of the newest messages (at least the 5 kept), ending at the last.
    let (first_id, first_text) = next_status(&mut sub).await;
    let start: usize = first_text.parse().unwrap();
    assert!(
        start > 0 && start <= 295,
        "history kept the newest (from {start})"
    );
    assert_eq!(first_id, ids[start]);
    for (i, id) in ids.iter().enumerate().skip(start + 1) {
        assert_eq!(next_status(&mut sub).await, (*id, i.to_string()));
    }
    let live = rt.publish(ch.status(), status("live")).await.unwrap();
    assert_eq!(next_status(&mut sub).await, (live, "live".to_owned()));
}

/// A subscriber whose buffer overflows recovers from history: every message, once.
async fn lag_recovers_from_history(make: Factory) {
    let rt = handle(make.with(HistoryLimits::default(), 4).await);
    let ch = Pipeline::new("lag");
    let mut slow = rt.subscribe(&ch).await.unwrap();
    let ids = publish_n(&rt, &ch, 0..100).await;
    // Let a transport with a network hop deliver everything to the node first.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    for (i, id) in ids.iter().enumerate() {
        assert_eq!(next_status(&mut slow).await, (*id, i.to_string()));
    }
    let live = rt.publish(ch.status(), status("live")).await.unwrap();
    assert_eq!(next_status(&mut slow).await, (live, "live".to_owned()));
}

/// A subscriber lagging further than history is told, then gets what history holds.
async fn lag_beyond_history_is_told(make: Factory) {
    let limits = HistoryLimits {
        max_len: 5,
        ..HistoryLimits::default()
    };
    let rt = handle(make.with(limits, 4).await);
    let ch = Pipeline::new("lag-far");
    let mut slow = rt.subscribe(&ch).await.unwrap();
    let ids = publish_n(&rt, &ch, 0..300).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    match next(&mut slow).await {
        Err(RecvError::ContinuityLost(gap)) => {
            assert_eq!(gap.cause, GapCause::Lagged);
            assert_eq!(gap.last_seen, None, "it had received nothing");
        }
        other => panic!("expected ContinuityLost, got {other:?}"),
    }
    let (first_id, first_text) = next_status(&mut slow).await;
    let start: usize = first_text.parse().unwrap();
    assert!(start > 0, "history kept the newest (from {start})");
    assert_eq!(first_id, ids[start]);
    for (i, id) in ids.iter().enumerate().skip(start + 1) {
        assert_eq!(next_status(&mut slow).await, (*id, i.to_string()));
    }
}

/// Closing ends the stream; the others on the channel go on.
async fn close(make: Factory) {
    let rt = handle(make.with(HistoryLimits::default(), CAPACITY).await);
    let ch = Pipeline::new("close");
    let mut closed = rt.subscribe(&ch).await.unwrap();
    let mut open = rt.subscribe(&ch).await.unwrap();
    closed.close();
    assert!(within(closed.next()).await.is_none());
    rt.publish(ch.status(), status("still")).await.unwrap();
    assert_eq!(next_status(&mut open).await.1, "still");
    drop(open);
    // A channel whose subscribers all left can be subscribed to again.
    let mut again = rt.subscribe(&ch).await.unwrap();
    rt.publish(ch.status(), status("again")).await.unwrap();
    assert_eq!(next_status(&mut again).await.1, "again");
}

/// Data that breaks its topic's schema, published around the typed API (as another node
/// or a foreign publisher could), is an error item for a validating subscriber.
async fn foreign_messages_are_validated(make: Factory) {
    let transport = make.with(HistoryLimits::default(), CAPACITY).await;
    let rt = handle(transport.clone());
    let ch = Pipeline::new("foreign");
    let mut sub = rt.subscribe(&ch).await.unwrap();
    let bad = Envelope::new(
        ch.to_string(),
        "progress",
        json!({ "percent": 250, "label": "far too long" }),
    );
    within(transport.publish(Delivery::new(bad))).await.unwrap();
    let undecodable = Envelope::new(ch.to_string(), "status", json!({ "message": 5 }));
    within(transport.publish(Delivery::new(undecodable)))
        .await
        .unwrap();
    rt.publish(ch.status(), status("fine")).await.unwrap();
    match next(&mut sub).await {
        Err(RecvError::SchemaViolation(v)) => assert_eq!(v.topic, "progress"),
        other => panic!("expected a schema violation, got {other:?}"),
    }
    match next(&mut sub).await {
        Err(RecvError::SchemaViolation(_) | RecvError::Decode(_)) => {}
        other => panic!("expected a refusal of the status, got {other:?}"),
    }
    assert_eq!(next_status(&mut sub).await.1, "fine");
}

on_transports!(
    ordering,
    concurrent_publishers,
    fan_out,
    topic_filtering,
    resume_within_history,
    resume_seam_under_load,
    resume_beyond_history,
    lag_recovers_from_history,
    lag_beyond_history_is_told,
    close,
    foreign_messages_are_validated
);
