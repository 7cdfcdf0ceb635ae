//! Publishing and subscribing through `Realtime` over the in-memory transport: delivery,
//! filtering, limits, validation on both sides, slow subscribers, views and closing.
//!
//! "Nothing was delivered" is shown without waiting: a valid message is published after
//! the refused one, and it must be the very next item the subscriber sees.

mod common;

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use common::{status, token, within, Pipeline, PipelineMessage, PipelineTopic, Progress, Status};
use futures::StreamExt;
use realtime::{
    Delivery, Envelope, GapCause, HistoryLimits, MemoryTransport, Message, MessageKind, PublishError,
    Realtime, RecvError, SubscribeError, Subscription, Transport,
};
use serde_json::{json, Value};
use tokio::sync::mpsc;

/// The next item of a subscription, which must come.
async fn next(sub: &mut Subscription<Pipeline>) -> Result<Message<PipelineMessage>, RecvError> {
    within(sub.next()).await.expect("the subscription ended")
}

/// The next item, which must be a status message; returns its text.
async fn next_status(sub: &mut Subscription<Pipeline>) -> String {
    match next(sub).await {
        Ok(Message {
            data: PipelineMessage::Status(s),
            ..
        }) => s.message,
        other => panic!("expected a status message, got {other:?}"),
    }
}

/// Publishes `data` on `topic` of `channel` straight through the transport, skipping
/// every check the publisher makes, as a message from another process would arrive.
async fn publish_raw(rt: &Realtime, channel: &str, topic: &str, data: Value) {
    let delivery = Delivery::new(Envelope::new(channel, topic, data));
    within(rt.transport().publish(delivery))
        .await
        .expect("the transport publishes");
}

fn now_millis() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
}

#[tokio::test]
async fn subscriber_receives_typed_message_with_envelope_metadata() {
    let rt = Realtime::in_memory();
    let ch = Pipeline::new("abc");
    let mut sub = rt.subscribe(&ch).await.unwrap();

    let before = now_millis();
    let first = rt
        .publish(ch.status(), status("Starting"))
        .run_id("run-1")
        .fn_id("generate")
        .await
        .unwrap();
    let second = rt.publish(ch.tokens(), token("Hel")).await.unwrap();
    let after = now_millis();

    let msg = next(&mut sub).await.unwrap();
    assert_eq!(msg.id, first);
    assert_eq!(&*msg.channel, "pipeline:abc");
    assert_eq!(msg.topic, "status");
    assert_eq!(msg.kind, MessageKind::Data);
    assert_eq!(msg.run_id.as_deref(), Some("run-1"));
    assert_eq!(msg.fn_id.as_deref(), Some("generate"));
    let created = msg.created_at.timestamp_millis();
    assert!(
        before <= created && created <= after,
        "{before} <= {created} <= {after}"
    );
    match msg.data {
        PipelineMessage::Status(s) => assert_eq!(s, status("Starting")),
        other => panic!("expected Status, got {other:?}"),
    }

    let msg = next(&mut sub).await.unwrap();
    assert_eq!(msg.id, second);
    assert!(msg.id > first, "ids increase: {} then {}", first, msg.id);
    assert_eq!(msg.topic, "llm_tokens");
    assert_eq!((msg.run_id, msg.fn_id), (None, None));
    assert!(matches!(msg.data, PipelineMessage::Tokens(t) if t.text == "Hel"));
}

#[tokio::test]
async fn subscription_to_some_topics_skips_the_others() {
    let rt = Realtime::in_memory();
    let ch = Pipeline::new("abc");
    let mut statuses = rt.subscribe(&ch).topics([PipelineTopic::Status]).await.unwrap();
    let mut everything = rt.subscribe(&ch).await.unwrap();
    assert_eq!(statuses.topics().collect::<Vec<_>>(), ["status"]);

    rt.publish(ch.tokens(), token("t1")).await.unwrap();
    rt.publish(ch.status(), status("s1")).await.unwrap();
    rt.publish(ch.tokens(), token("t2")).await.unwrap();
    rt.publish(ch.status(), status("s2")).await.unwrap();

    assert_eq!(next_status(&mut statuses).await, "s1");
    assert_eq!(next_status(&mut statuses).await, "s2");

    let topics: Vec<&str> = within(everything.by_ref().take(4).map(|m| m.unwrap().topic).collect()).await;
    assert_eq!(topics, ["llm_tokens", "status", "llm_tokens", "status"]);
}

#[tokio::test]
async fn many_messages_arrive_in_publish_order() {
    let rt = Realtime::in_memory();
    let ch = Pipeline::new("order");
    let mut sub = rt.subscribe(&ch).await.unwrap();

    let mut ids = Vec::new();
    for i in 0..500 {
        ids.push(rt.publish(ch.status(), status(&i.to_string())).await.unwrap());
    }
    for (i, id) in ids.iter().enumerate() {
        let msg = next(&mut sub).await.unwrap();
        assert_eq!(msg.id, *id);
        assert!(matches!(msg.data, PipelineMessage::Status(s) if s.message == i.to_string()));
    }
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids increase");
}

#[tokio::test]
async fn every_subscriber_receives_every_message() {
    let rt = Realtime::in_memory();
    let ch = Pipeline::new("fan");
    let mut subs = Vec::new();
    for _ in 0..16 {
        subs.push(rt.subscribe(&ch).await.unwrap());
    }
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(rt.publish(ch.status(), status(&format!("m{i}"))).await.unwrap());
    }
    for sub in &mut subs {
        for (i, id) in ids.iter().enumerate() {
            let msg = next(sub).await.unwrap();
            assert_eq!(msg.id, *id);
            assert!(matches!(msg.data, PipelineMessage::Status(s) if s.message == format!("m{i}")));
        }
    }
}

#[tokio::test]
async fn subscription_sees_only_its_concrete_channel() {
    let rt = Realtime::in_memory();
    let (a, b) = (Pipeline::new("a"), Pipeline::new("b"));
    let mut sub_a = rt.subscribe(&a).await.unwrap();
    let mut sub_b = rt.subscribe(&b).await.unwrap();
    assert_eq!(sub_a.channel(), "pipeline:a");

    rt.publish(b.status(), status("for b")).await.unwrap();
    rt.publish(a.status(), status("for a")).await.unwrap();

    let msg = next(&mut sub_a).await.unwrap();
    assert_eq!(&*msg.channel, "pipeline:a");
    assert!(matches!(msg.data, PipelineMessage::Status(s) if s.message == "for a"));

    rt.publish(b.status(), status("for b again")).await.unwrap();
    assert_eq!(next_status(&mut sub_b).await, "for b");
    assert_eq!(next_status(&mut sub_b).await, "for b again");
}

#[tokio::test]
async fn payload_over_the_limit_is_refused_and_not_sent() {
    let limit = 64;
    let rt = Realtime::builder().max_payload_bytes(limit).build();
    assert_eq!(rt.max_payload_bytes(), limit);
    let ch = Pipeline::new("size");
    let mut sub = rt.subscribe(&ch).await.unwrap();

    // A status whose JSON is exactly `size` bytes.
    let empty = serde_json::to_vec(&status("")).unwrap().len();
    let sized = |size: usize| status(&"x".repeat(size - empty));
    assert_eq!(serde_json::to_vec(&sized(limit + 1)).unwrap().len(), limit + 1);

    match rt.publish(ch.status(), sized(limit + 1)).await {
        Err(PublishError::PayloadTooLarge { size, limit: got }) => {
            assert_eq!(size, limit + 1);
            assert_eq!(got, limit);
        }
        other => panic!("expected PayloadTooLarge, got {other:?}"),
    }
    let err = rt.publish(ch.status(), sized(limit * 10)).await.unwrap_err();
    assert!(matches!(err, PublishError::PayloadTooLarge { size, .. } if size == limit * 10));

    // Exactly at the limit passes, and it is the first thing the subscriber sees.
    let at_limit = rt.publish(ch.status(), sized(limit)).await.unwrap();
    let msg = next(&mut sub).await.unwrap();
    assert_eq!(msg.id, at_limit);
    assert!(matches!(msg.data, PipelineMessage::Status(s) if s.message.len() == limit - empty));
}

#[tokio::test]
async fn payload_breaking_the_schema_is_refused_and_not_sent() {
    let rt = Realtime::in_memory();
    let ch = Pipeline::new("schema");
    let mut sub = rt.subscribe(&ch).await.unwrap();

    let cases = [
        (
            Progress {
                percent: 150,
                label: "ok".into(),
            },
            "/percent",
        ),
        (
            Progress {
                percent: 50,
                label: "too long".into(),
            },
            "/label",
        ),
    ];
    for (payload, path) in cases {
        match rt.publish(ch.progress(), payload).await {
            Err(PublishError::SchemaViolation(violation)) => {
                assert_eq!(violation.topic, "progress");
                let paths: Vec<&str> = violation
                    .violations
                    .iter()
                    .map(|v| v.instance_path.as_str())
                    .collect();
                assert_eq!(paths, [path]);
                assert!(violation.to_string().contains(path), "{violation}");
            }
            other => panic!("expected SchemaViolation at {path}, got {other:?}"),
        }
    }

    let good = rt
        .publish(
            ch.progress(),
            Progress {
                percent: 100,
                label: "done".into(),
            },
        )
        .await
        .unwrap();
    let msg = next(&mut sub).await.unwrap();
    assert_eq!(msg.id, good);
    assert!(matches!(msg.data, PipelineMessage::Progress(p) if p.percent == 100));
}

#[tokio::test]
async fn topic_with_validation_off_accepts_what_the_schema_refuses() {
    let rt = Realtime::in_memory();
    let ch = Pipeline::new("unchecked");
    let mut sub = rt.subscribe(&ch).await.unwrap();

    let payload = Progress {
        percent: 150,
        label: "far too long".into(),
    };
    let id = rt
        .publish(ch.progress_unchecked(), payload.clone())
        .await
        .unwrap();
    let msg = next(&mut sub).await.unwrap();
    assert_eq!(msg.id, id);
    match msg.data {
        PipelineMessage::ProgressUnchecked(got) => assert_eq!(got, payload),
        other => panic!("expected ProgressUnchecked, got {other:?}"),
    }
}

#[tokio::test]
async fn channel_name_with_a_space_is_refused() {
    let rt = Realtime::in_memory();
    match rt.publish(Pipeline::new("a b").status(), status("hi")).await {
        Err(PublishError::InvalidChannelName { name }) => assert_eq!(name, "pipeline:a b"),
        other => panic!("expected InvalidChannelName, got {other:?}"),
    }
}

#[tokio::test]
async fn subscriber_refuses_data_breaking_the_schema_and_goes_on() {
    let rt = Realtime::in_memory();
    let ch = Pipeline::new("remote");
    let mut sub = rt.subscribe(&ch).await.unwrap();

    publish_raw(
        &rt,
        "pipeline:remote",
        "progress",
        json!({ "percent": 150, "label": "ok" }),
    )
    .await;
    rt.publish(ch.status(), status("after")).await.unwrap();

    match next(&mut sub).await {
        Err(RecvError::SchemaViolation(violation)) => {
            assert_eq!(violation.topic, "progress");
            assert_eq!(violation.violations[0].instance_path, "/percent");
        }
        other => panic!("expected SchemaViolation, got {other:?}"),
    }
    assert_eq!(next_status(&mut sub).await, "after");
}

#[tokio::test]
async fn subscriber_without_validation_takes_decodable_bad_data() {
    let rt = Realtime::in_memory();
    let ch = Pipeline::new("remote");
    let mut sub = rt.subscribe(&ch).validate(false).await.unwrap();

    publish_raw(
        &rt,
        "pipeline:remote",
        "progress",
        json!({ "percent": 150, "label": "ok" }),
    )
    .await;
    match next(&mut sub).await {
        Ok(Message {
            data: PipelineMessage::Progress(p),
            ..
        }) => assert_eq!(p.percent, 150),
        other => panic!("expected the Progress message, got {other:?}"),
    }
}

#[tokio::test]
async fn data_that_does_not_decode_is_a_decode_error() {
    let rt = Realtime::in_memory();
    let ch = Pipeline::new("remote");
    let mut sub = rt.subscribe(&ch).await.unwrap();

    publish_raw(
        &rt,
        "pipeline:remote",
        "progress_unchecked",
        json!({ "percent": "high", "label": 1 }),
    )
    .await;
    rt.publish(ch.status(), status("after")).await.unwrap();

    match next(&mut sub).await {
        Err(RecvError::Decode(realtime::DecodeError::Data { topic, .. })) => {
            assert_eq!(topic, "progress_unchecked")
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    assert_eq!(next_status(&mut sub).await, "after");
}

#[tokio::test]
async fn message_on_a_topic_the_channel_lacks_is_skipped() {
    let rt = Realtime::in_memory();
    let ch = Pipeline::new("remote");
    let mut sub = rt.subscribe(&ch).await.unwrap();

    publish_raw(
        &rt,
        "pipeline:remote",
        "no_such_topic",
        json!({ "message": "ghost" }),
    )
    .await;
    publish_raw(
        &rt,
        "pipeline:remote",
        "tokens",
        json!({ "text": "field name, not wire name" }),
    )
    .await;
    rt.publish(ch.status(), status("real")).await.unwrap();

    assert_eq!(next_status(&mut sub).await, "real");
}

#[tokio::test]
async fn subscribing_to_no_topics_is_refused() {
    let rt = Realtime::in_memory();
    let err = rt.subscribe(&Pipeline::new("abc")).topics([]).await.unwrap_err();
    assert!(matches!(err, SubscribeError::NoTopics), "{err:?}");
}

/// A name no publish can reach (a parameter with a space) is refused when subscribing, as
/// it is when publishing, plain or shared, and the handle keeps working.
#[tokio::test]
async fn subscribing_to_a_name_no_publish_can_reach_is_refused() {
    let rt = Realtime::in_memory();
    let unreachable = Pipeline::new("has space");
    let err = rt.subscribe(&unreachable).await.unwrap_err();
    assert!(
        matches!(&err, SubscribeError::InvalidChannelName { name } if name == "pipeline:has space"),
        "{err:?}"
    );
    let err = rt.subscribe(&unreachable).shared().await.unwrap_err();
    assert!(
        matches!(err, SubscribeError::InvalidChannelName { .. }),
        "{err:?}"
    );
    let err = rt.publish(unreachable.status(), status("x")).await.unwrap_err();
    assert!(
        matches!(err, realtime::PublishError::InvalidChannelName { .. }),
        "{err:?}"
    );

    let ch = Pipeline::new("ok");
    let mut sub = rt.subscribe(&ch).await.unwrap();
    rt.publish(ch.status(), status("still serving")).await.unwrap();
    assert_eq!(next_status(&mut sub).await, "still serving");
}

#[tokio::test]
async fn repeated_topics_are_taken_once() {
    let rt = Realtime::in_memory();
    let ch = Pipeline::new("abc");
    let sub = rt
        .subscribe(&ch)
        .topics([
            PipelineTopic::Tokens,
            PipelineTopic::Status,
            PipelineTopic::Tokens,
        ])
        .await
        .unwrap();
    assert_eq!(sub.topics().collect::<Vec<_>>(), ["llm_tokens", "status"]);
}

#[tokio::test]
async fn slow_subscriber_lags_alone_and_recovers_from_history() {
    let rt = Realtime::builder()
        .transport(MemoryTransport::with_capacity(4))
        .build();
    let ch = Pipeline::new("slow");
    let mut fast = rt.subscribe(&ch).await.unwrap();
    let mut slow = rt.subscribe(&ch).await.unwrap();

    // The fast subscriber reads each message as it comes; the slow one reads nothing.
    // A publisher waiting on the slow one would hang here.
    let mut ids = Vec::new();
    for i in 0..20 {
        ids.push(
            within(rt.publish(ch.status(), status(&i.to_string())))
                .await
                .unwrap(),
        );
        assert_eq!(next_status(&mut fast).await, i.to_string());
    }

    // Its buffer of 4 overflowed, but the channel's history holds all 20: it gets every
    // one, in order, once.
    for (i, id) in ids.iter().enumerate() {
        let msg = next(&mut slow).await.unwrap();
        assert_eq!(msg.id, *id);
        assert!(matches!(msg.data, PipelineMessage::Status(s) if s.message == i.to_string()));
    }
    rt.publish(ch.status(), status("live")).await.unwrap();
    assert_eq!(next_status(&mut slow).await, "live");
}

#[tokio::test]
async fn a_subscriber_lagging_beyond_history_is_told_it_lost_continuity() {
    let transport = MemoryTransport::builder()
        .capacity(4)
        .history(HistoryLimits {
            max_len: 8,
            ..HistoryLimits::default()
        })
        .build();
    let rt = Realtime::new(transport);
    let ch = Pipeline::new("slower");
    let mut slow = rt.subscribe(&ch).await.unwrap();
    let mut ids = Vec::new();
    for i in 0..20 {
        ids.push(rt.publish(ch.status(), status(&i.to_string())).await.unwrap());
    }
    match next(&mut slow).await {
        Err(RecvError::ContinuityLost(gap)) => {
            assert_eq!(gap.cause, GapCause::Lagged);
            assert_eq!(gap.last_seen, None, "it had received nothing");
        }
        other => panic!("expected ContinuityLost, got {other:?}"),
    }
    // Then the 8 that history still holds, in order, and nothing twice.
    for (i, id) in ids.iter().enumerate().skip(12) {
        let msg = next(&mut slow).await.unwrap();
        assert_eq!(msg.id, *id);
        assert!(matches!(msg.data, PipelineMessage::Status(s) if s.message == i.to_string()));
    }
    rt.publish(ch.status(), status("live")).await.unwrap();
    assert_eq!(next_status(&mut slow).await, "live");
}

#[tokio::test]
async fn json_views_see_only_what_is_published_after_they_are_taken() {
    let rt = Realtime::in_memory();
    let ch = Pipeline::new("views");
    let mut sub = rt.subscribe(&ch).topics([PipelineTopic::Status]).await.unwrap();

    rt.publish(ch.status(), status("one")).await.unwrap();
    let mut first = Box::pin(sub.json_stream());
    rt.publish(ch.tokens(), token("filtered out")).await.unwrap();
    let two = rt.publish(ch.status(), status("two")).run_id("r").await.unwrap();
    let mut second = Box::pin(sub.json_stream());
    let three = rt.publish(ch.status(), status("three")).await.unwrap();

    let item = within(first.next()).await.unwrap().unwrap();
    assert_eq!(item["id"], two.to_string());
    assert_eq!(item["channel"], "pipeline:views");
    assert_eq!(item["topic"], "status");
    assert_eq!(item["data"], json!({ "message": "two", "step": null }));
    assert_eq!(item["kind"], "data");
    assert_eq!(item["run_id"], "r");
    let item = within(first.next()).await.unwrap().unwrap();
    assert_eq!(item["id"], three.to_string());

    let item = within(second.next()).await.unwrap().unwrap();
    assert_eq!(item["id"], three.to_string());
    assert_eq!(item["data"]["message"], "three");

    // The subscription itself still has everything on its topics.
    assert_eq!(next_status(&mut sub).await, "one");
    assert_eq!(next_status(&mut sub).await, "two");
    assert_eq!(next_status(&mut sub).await, "three");
}

#[tokio::test]
async fn sse_frames_are_id_and_envelope_json() {
    let rt = Realtime::in_memory();
    let ch = Pipeline::new("sse");
    let sub = rt
        .subscribe(&ch)
        .topics([PipelineTopic::Status, PipelineTopic::Progress])
        .await
        .unwrap();

    rt.publish(ch.status(), status("before")).await.unwrap();
    let mut first = Box::pin(sub.sse_stream());
    rt.publish(ch.tokens(), token("filtered out")).await.unwrap();
    let a = rt.publish(ch.status(), status("a")).fn_id("f").await.unwrap();
    let mut second = Box::pin(sub.sse_stream());
    let b = rt.publish(ch.status(), status("b")).await.unwrap();
    publish_raw(
        &rt,
        "pipeline:sse",
        "progress",
        json!({ "percent": 150, "label": "x" }),
    )
    .await;

    let parse = |frame: &[u8], id: realtime::MessageId| -> Envelope {
        let text = std::str::from_utf8(frame).unwrap();
        let prefix = format!("id: {id}\ndata: ");
        let json = text
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix("\n\n"))
            .unwrap_or_else(|| panic!("not an SSE frame for {id}: {text:?}"));
        assert!(!json.contains('\n'), "one data line: {text:?}");
        serde_json::from_str(json).unwrap()
    };

    let env = parse(&within(first.next()).await.unwrap(), a);
    assert_eq!(
        (env.id, env.channel.as_str(), env.topic.as_str()),
        (a, "pipeline:sse", "status")
    );
    assert_eq!(env.data, json!({ "message": "a", "step": null }));
    assert_eq!(env.fn_id.as_deref(), Some("f"));
    assert_eq!(env.kind, MessageKind::Data);
    let env = parse(&within(first.next()).await.unwrap(), b);
    assert_eq!(env.data["message"], "b");

    let env = parse(&within(second.next()).await.unwrap(), b);
    assert_eq!(env.id, b);

    // A message breaking its schema is an error event, and the view goes on.
    for view in [&mut first, &mut second] {
        let frame = within(view.next()).await.unwrap();
        let text = std::str::from_utf8(&frame).unwrap();
        let body = text
            .strip_prefix("event: error\ndata: ")
            .and_then(|rest| rest.strip_suffix("\n\n"))
            .unwrap_or_else(|| panic!("not an error event: {text:?}"));
        let body: Value = serde_json::from_str(body).unwrap();
        assert!(body["error"].as_str().unwrap().contains("/percent"), "{body}");
    }
    let c = rt.publish(ch.status(), status("c")).await.unwrap();
    assert_eq!(parse(&within(first.next()).await.unwrap(), c).id, c);
}

#[tokio::test]
async fn close_ends_the_stream_and_its_views() {
    // No history: a channel is held only while someone subscribes.
    let t = no_history();
    let rt = Realtime::builder().transport(t.clone()).build();
    let ch = Pipeline::new("close");
    let mut sub = rt.subscribe(&ch).await.unwrap();
    let mut json = Box::pin(sub.json_stream());
    let mut sse = Box::pin(sub.sse_stream());
    // A view already waiting when the subscription closes is woken and ends.
    let waiting = tokio::spawn(async move { json.next().await.is_none() });
    tokio::task::yield_now().await;

    assert!(!sub.is_closed());
    sub.close();
    assert!(sub.is_closed());
    rt.publish(ch.status(), status("after close")).await.unwrap();

    assert!(within(sub.next()).await.is_none());
    assert!(within(sse.next()).await.is_none());
    assert!(within(waiting).await.unwrap(), "the waiting view ended");
    assert!(
        within(Box::pin(sub.json_stream()).next()).await.is_none(),
        "a view of a closed subscription is empty"
    );
    drop(sse);
    assert_eq!(t.channel_count(), 0);
}

#[tokio::test]
async fn dropping_subscriptions_frees_their_channels() {
    // No history: a channel is held only while someone subscribes.
    let t = no_history();
    let rt = Realtime::builder().transport(t.clone()).build();
    assert_eq!(t.channel_count(), 0);

    let a1 = rt.subscribe(&Pipeline::new("a")).await.unwrap();
    let a2 = rt
        .subscribe(&Pipeline::new("a"))
        .topics([PipelineTopic::Status])
        .await
        .unwrap();
    let b = rt.subscribe(&Pipeline::new("b")).await.unwrap();
    assert_eq!(t.channel_count(), 2);

    drop(a1);
    assert_eq!(t.channel_count(), 2, "pipeline:a still has a subscriber");
    drop(a2);
    assert_eq!(t.channel_count(), 1);
    let view = b.json_stream();
    drop(b);
    assert_eq!(t.channel_count(), 1, "the view still holds pipeline:b");
    drop(view);
    assert_eq!(t.channel_count(), 0);

    // Publishing to a channel nobody watches still succeeds, and (keeping no history)
    // holds nothing.
    rt.publish(Pipeline::new("a").status(), status("nobody"))
        .await
        .unwrap();
    assert_eq!(t.channel_count(), 0);

    // A freed channel can be subscribed to again.
    let mut again = rt.subscribe(&Pipeline::new("a")).await.unwrap();
    rt.publish(Pipeline::new("a").status(), status("back"))
        .await
        .unwrap();
    assert_eq!(next_status(&mut again).await, "back");
}

#[tokio::test]
async fn callbacks_receive_messages_and_errors_until_closed() {
    // No history: a channel is held only while someone subscribes.
    let t = no_history();
    let rt = Realtime::builder().transport(t.clone()).build();
    let ch = Pipeline::new("callbacks");
    let sub = rt.subscribe(&ch).await.unwrap();

    let (msg_tx, mut messages) = mpsc::unbounded_channel();
    let (err_tx, mut errors) = mpsc::unbounded_channel();
    let handle = sub.spawn_callbacks(
        move |msg| msg_tx.send(msg).unwrap(),
        move |err| err_tx.send(err).unwrap(),
    );

    rt.publish(ch.status(), status("one")).await.unwrap();
    publish_raw(
        &rt,
        "pipeline:callbacks",
        "progress",
        json!({ "percent": 150, "label": "x" }),
    )
    .await;
    rt.publish(ch.tokens(), token("two")).await.unwrap();

    let msg = within(messages.recv()).await.unwrap();
    assert!(matches!(msg.data, PipelineMessage::Status(s) if s.message == "one"));
    let msg = within(messages.recv()).await.unwrap();
    assert!(matches!(msg.data, PipelineMessage::Tokens(t) if t.text == "two"));
    let err = within(errors.recv()).await.unwrap();
    assert!(
        matches!(err, RecvError::SchemaViolation(ref v) if v.topic == "progress"),
        "{err:?}"
    );
    assert!(!handle.is_finished());

    handle.close();
    rt.publish(ch.status(), status("after close")).await.unwrap();
    // Closing drops the callbacks (and so their senders) without calling them again.
    assert!(within(messages.recv()).await.is_none());
    assert!(within(errors.recv()).await.is_none());
    assert_eq!(t.channel_count(), 0);
}

#[tokio::test]
async fn publishing_goes_on_after_refused_publishes() {
    let rt = Realtime::builder().max_payload_bytes(128).build();
    let ch = Pipeline::new("resilient");
    let mut sub = rt.subscribe(&ch).await.unwrap();

    for round in 0..3 {
        let big = Status {
            message: "x".repeat(200),
            step: None,
        };
        assert!(matches!(
            rt.publish(ch.status(), big).await,
            Err(PublishError::PayloadTooLarge { .. })
        ));
        assert!(matches!(
            rt.publish(
                ch.progress(),
                Progress {
                    percent: 101,
                    label: "x".into()
                }
            )
            .await,
            Err(PublishError::SchemaViolation(_))
        ));
        assert!(matches!(
            rt.publish(Pipeline::new("bad name").status(), status("x")).await,
            Err(PublishError::InvalidChannelName { .. })
        ));
        publish_raw(&rt, "pipeline:resilient", "no_such_topic", json!(null)).await;

        let id = rt
            .publish(ch.status(), status(&format!("ok {round}")))
            .await
            .unwrap();
        let msg = next(&mut sub).await.unwrap();
        assert_eq!(msg.id, id);
        assert!(matches!(msg.data, PipelineMessage::Status(s) if s.message == format!("ok {round}")));
    }
}

#[tokio::test]
async fn handles_over_one_shared_transport_see_each_other() {
    let transport: Arc<dyn Transport> = Arc::new(MemoryTransport::new());
    let publisher = Realtime::builder().shared_transport(transport.clone()).build();
    let subscriber = Realtime::builder().shared_transport(transport).build();
    let ch = Pipeline::new("shared");
    let mut sub = subscriber.subscribe(&ch).await.unwrap();
    publisher.publish(ch.status(), status("across")).await.unwrap();
    assert_eq!(next_status(&mut sub).await, "across");
}

fn no_history() -> MemoryTransport {
    MemoryTransport::builder()
        .history(HistoryLimits {
            max_len: 0,
            ..HistoryLimits::default()
        })
        .build()
}

#[tokio::test]
async fn history_outlives_subscribers_and_is_swept_once_aged() {
    let t = MemoryTransport::builder()
        .history(HistoryLimits {
            max_len: 100,
            max_age: std::time::Duration::from_millis(50),
        })
        .build();
    let rt = Realtime::new(t.clone());
    let ch = Pipeline::new("kept");
    let first = rt.publish(ch.status(), status("one")).await.unwrap();
    rt.publish(ch.status(), status("two")).await.unwrap();
    assert_eq!(t.channel_count(), 1, "history is kept with nobody subscribed");

    // A subscriber that saw `one` resumes and gets `two`.
    let mut sub = rt.subscribe(&ch).after(first).await.unwrap();
    assert_eq!(next_status(&mut sub).await, "two");
    drop(sub);
    assert_eq!(t.channel_count(), 1);

    // Once the history has aged out, the next sweep (at most every second) frees it.
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    rt.publish(Pipeline::new("other").status(), status("x"))
        .await
        .unwrap();
    assert_eq!(t.channel_count(), 1, "only pipeline:other is left");
    // And resuming after `first` now says continuity was lost.
    let mut sub = rt.subscribe(&ch).after(first).await.unwrap();
    assert!(matches!(next(&mut sub).await, Err(RecvError::ContinuityLost(_))));
}
