//! Shared subscriptions (`SubscribeBuilder::shared`): the same items as a subscription,
//! each message decoded once for all of them, on every transport (`on_transports!`: in
//! memory and on a real Redis).

mod common;
#[path = "common/transports.rs"]
#[macro_use]
mod transports;

use std::sync::Arc;

use common::{status, token, within, Pipeline, PipelineMessage, PipelineTopic, Progress, Status};
use futures::StreamExt;
use realtime::{channel, Delivery, Envelope, Message, RecvError, SharedSubscription, Subscription};
use serde_json::json;
use transports::{handle, Factory};

/// Another channel type over the same names, with one topic.
#[channel(name = "pipeline:<run_id>")]
struct StatusOnly {
    run_id: String,
    #[topic]
    status: Status,
}

type Item = Result<Arc<Message<PipelineMessage>>, RecvError>;

async fn next_shared(sub: &mut SharedSubscription<Pipeline>) -> Item {
    within(sub.next()).await.expect("the subscription ended")
}

async fn next_owned(sub: &mut Subscription<Pipeline>) -> Message<PipelineMessage> {
    within(sub.next())
        .await
        .expect("the subscription ended")
        .expect("a message")
}

/// Data, run updates and topic filters: what a subscription gets, in the same order,
/// and one decoded message for every shared subscriber.
async fn same_items_as_a_subscription(make: Factory) {
    let rt = handle(make.transport().await);
    let ch = Pipeline::new("same");
    let mut owned = rt.subscribe(&ch).await.unwrap();
    let mut all = rt.subscribe(&ch).shared().await.unwrap();
    let mut also = rt.subscribe(&ch).shared().await.unwrap();
    let mut statuses = rt
        .subscribe(&ch)
        .topics([PipelineTopic::Status])
        .shared()
        .await
        .unwrap();
    assert_eq!(statuses.topics().collect::<Vec<_>>(), ["status"]);
    assert_eq!(statuses.channel(), "pipeline:same");

    let run = rt.run(&ch, "run-1");
    run.started().await.unwrap();
    rt.publish(ch.status(), status("one")).await.unwrap();
    rt.publish(ch.tokens(), token("t")).await.unwrap();
    let progress = Progress {
        percent: 50,
        label: "half".into(),
    };
    rt.publish(ch.progress(), progress).await.unwrap();

    for _ in 0..4 {
        let expected = next_owned(&mut owned).await;
        let a = next_shared(&mut all).await.unwrap();
        let b = next_shared(&mut also).await.unwrap();
        assert!(Arc::ptr_eq(&a, &b), "decoded once for both");
        assert_eq!(
            (a.id, a.topic, a.kind),
            (expected.id, expected.topic, expected.kind)
        );
        assert_eq!(format!("{:?}", a.data), format!("{:?}", expected.data));
        assert_eq!(a.run_id, expected.run_id);
        if expected.topic == "run" || expected.topic == "status" {
            let filtered = next_shared(&mut statuses).await.unwrap();
            assert!(Arc::ptr_eq(&a, &filtered));
        }
    }
    assert_eq!(all.last_id(), owned.last_id());
    all.close();
    assert!(all.is_closed());
    assert!(within(all.next()).await.is_none());
}

/// A subscriber that validates gets the schema violation even when one that does not
/// validate decoded the message first; undecodable data is an error item for both.
async fn validation_is_per_subscriber(make: Factory) {
    let transport = make.transport().await;
    let rt = handle(transport.clone());
    let ch = Pipeline::new("validation");
    let mut trusting = rt.subscribe(&ch).validate(false).shared().await.unwrap();
    let mut checking = rt.subscribe(&ch).shared().await.unwrap();
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

    let taken = next_shared(&mut trusting).await.expect("not checked: decoded");
    assert!(matches!(&taken.data, PipelineMessage::Progress(p) if p.percent == 250));
    match next_shared(&mut checking).await {
        Err(RecvError::SchemaViolation(v)) => assert_eq!(v.topic, "progress"),
        other => panic!("expected a schema violation, got {other:?}"),
    }
    for sub in [&mut trusting, &mut checking] {
        match next_shared(sub).await {
            Err(RecvError::SchemaViolation(_) | RecvError::Decode(_)) => {}
            other => panic!("expected a refusal of the status, got {other:?}"),
        }
    }
    let (a, b) = (
        next_shared(&mut trusting).await.unwrap(),
        next_shared(&mut checking).await.unwrap(),
    );
    assert!(Arc::ptr_eq(&a, &b));
    assert!(matches!(&a.data, PipelineMessage::Status(s) if s.message == "fine"));
}

/// A data stream's message is each subscriber's own: `Arc::into_inner` gives it, with a
/// stream of all the chunks for each.
async fn data_streams_are_each_subscribers_own(make: Factory) {
    let rt = handle(make.transport().await);
    let ch = Pipeline::new("streams");
    let mut a = rt.subscribe(&ch).shared().await.unwrap();
    let mut b = rt.subscribe(&ch).shared().await.unwrap();
    let mut writer = rt.stream(ch.tokens()).open().await.unwrap();
    for text in ["a", "b", "c"] {
        writer.write(token(text)).await.unwrap();
    }
    writer.finish().await.unwrap();
    rt.publish(ch.status(), status("after")).await.unwrap();

    for sub in [&mut a, &mut b] {
        let message = next_shared(sub).await.unwrap();
        let message = Arc::into_inner(message).expect("a stream's message is not shared");
        let PipelineMessage::Stream(stream) = message.data else {
            panic!("expected a data stream, got {:?}", message.data)
        };
        let texts: Vec<String> = within(stream.collect::<Vec<_>>())
            .await
            .into_iter()
            .map(|chunk| match chunk {
                Ok(PipelineMessage::Tokens(t)) => t.text,
                other => panic!("a bad chunk: {other:?}"),
            })
            .collect();
        assert_eq!(texts, ["a", "b", "c"]);
        let after = next_shared(sub).await.unwrap();
        assert!(matches!(&after.data, PipelineMessage::Status(s) if s.message == "after"));
    }
}

/// Shared subscriptions resume after an id like subscriptions do.
async fn resumes_after_an_id(make: Factory) {
    let rt = handle(make.transport().await);
    let ch = Pipeline::new("resume");
    let first = rt.publish(ch.status(), status("1")).await.unwrap();
    rt.publish(ch.status(), status("2")).await.unwrap();
    rt.publish(ch.status(), status("3")).await.unwrap();
    let mut sub = rt.subscribe(&ch).after(first).shared().await.unwrap();
    for expected in ["2", "3"] {
        let message = next_shared(&mut sub).await.unwrap();
        assert!(matches!(&message.data, PipelineMessage::Status(s) if s.message == expected));
    }
}

/// Two channel types over the same name: each shared subscription gets its own type's
/// message (the second type decodes for itself).
async fn another_channel_type_decodes_its_own(make: Factory) {
    let rt = handle(make.transport().await);
    let ch = Pipeline::new("types");
    let mut full = rt.subscribe(&ch).shared().await.unwrap();
    let mut narrow = rt.subscribe(&StatusOnly::new("types")).shared().await.unwrap();
    let mut narrow_too = rt.subscribe(&StatusOnly::new("types")).shared().await.unwrap();
    rt.publish(ch.status(), status("both")).await.unwrap();
    let wide = next_shared(&mut full).await.unwrap();
    assert!(matches!(&wide.data, PipelineMessage::Status(s) if s.message == "both"));
    let n1 = within(narrow.next()).await.unwrap().unwrap();
    let n2 = within(narrow_too.next()).await.unwrap().unwrap();
    assert!(matches!(&n1.data, StatusOnlyMessage::Status(s) if s.message == "both"));
    assert_eq!(n1.id, n2.id);
}

on_transports!(
    same_items_as_a_subscription,
    validation_is_per_subscriber,
    data_streams_are_each_subscribers_own,
    resumes_after_an_id,
    another_channel_type_decodes_its_own,
);
