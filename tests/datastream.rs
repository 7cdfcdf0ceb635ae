//! Data streams ([`Realtime::stream`]): a writer's chunks arrive as one message holding a
//! nested stream, on every transport (`on_transports!`: in memory and on a real Redis).

mod common;
#[path = "common/transports.rs"]
#[macro_use]
mod transports;

use common::{status, token, within, Pipeline, PipelineMessage, Progress, Token};
use futures::StreamExt;
use realtime::{DataStream, Message, MessageKind, PublishError, StreamError, StreamLimits, Subscription};
use transports::{handle, Factory};

async fn next(sub: &mut Subscription<Pipeline>) -> Message<PipelineMessage> {
    within(sub.next())
        .await
        .expect("the subscription ended")
        .expect("a message, not an error item")
}

/// The next item, which must announce a data stream.
async fn next_stream(sub: &mut Subscription<Pipeline>) -> (Message<()>, DataStream<PipelineMessage>) {
    let message = next(sub).await;
    assert_eq!(message.kind, MessageKind::DatastreamStart);
    let head = Message {
        data: (),
        id: message.id,
        channel: message.channel,
        topic: message.topic,
        kind: message.kind,
        run_id: message.run_id,
        fn_id: message.fn_id,
        created_at: message.created_at,
    };
    match message.data {
        PipelineMessage::Stream(stream) => (head, stream),
        other => panic!("expected a data stream, got {other:?}"),
    }
}

/// Reads a stream to its end: its token texts, and the error it ended with, if any.
async fn read_tokens(stream: &mut DataStream<PipelineMessage>) -> (Vec<String>, Option<StreamError>) {
    let mut texts = Vec::new();
    while let Some(item) = within(stream.next()).await {
        match item {
            Ok(PipelineMessage::Tokens(Token { text })) => texts.push(text),
            Ok(other) => panic!("a chunk of another topic: {other:?}"),
            Err(err) if err.is_terminal() => {
                assert!(within(stream.next()).await.is_none(), "items after the end");
                return (texts, Some(err));
            }
            Err(err) => panic!("a bad chunk: {err}"),
        }
    }
    (texts, None)
}

/// Reads a stream that must finish well: its token texts.
async fn read_finished(stream: &mut DataStream<PipelineMessage>) -> Vec<String> {
    let (texts, end) = read_tokens(stream).await;
    assert!(end.is_none(), "the stream ended with {end:?}");
    texts
}

fn texts(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| (*w).to_owned()).collect()
}

/// Start, chunks, finish: one message on the topic, tagged with the run, holding the
/// chunks in order; the stream ends cleanly. It is read to its end without polling the
/// subscription, and a message published meanwhile waits for the subscription.
async fn chunks_arrive_as_one_nested_stream(make: Factory) {
    let rt = handle(make.transport().await);
    let ch = Pipeline::new("streams");
    let mut sub = rt.subscribe(&ch).await.unwrap();
    let mut writer = within(rt.stream(ch.tokens()).run_id("run-1").open())
        .await
        .unwrap();
    let writing = {
        let rt = rt.clone();
        let ch = ch.clone();
        tokio::spawn(async move {
            for word in ["Hello", ", ", "world"] {
                writer.write(token(word)).await.unwrap();
                if word == ", " {
                    rt.publish(ch.status(), status("meanwhile")).await.unwrap();
                }
            }
            assert_eq!(writer.chunks(), 3);
            writer.finish().await.unwrap()
        })
    };
    let (head, mut stream) = next_stream(&mut sub).await;
    assert_eq!(
        (head.topic, head.run_id.as_deref()),
        ("llm_tokens", Some("run-1"))
    );
    assert!(!stream.is_partial());
    assert_eq!(stream.topic(), "llm_tokens");
    let (words, end) = read_tokens(&mut stream).await;
    assert_eq!(words, texts(&["Hello", ", ", "world"]));
    assert!(end.is_none(), "{end:?}");
    let end_id = within(writing).await.unwrap();
    let meanwhile = next(&mut sub).await;
    assert!(matches!(meanwhile.data, PipelineMessage::Status(ref s) if s.message == "meanwhile"));
    assert!(meanwhile.id > head.id && meanwhile.id < end_id);
    assert_eq!(
        meanwhile.data.topic(),
        Some(common::PipelineTopic::Status),
        "the topic of a plain message"
    );
}

/// `abort` ends subscribers' streams with the writer's reason.
async fn abort_ends_with_the_reason(make: Factory) {
    let rt = handle(make.transport().await);
    let ch = Pipeline::new("aborted");
    let mut sub = rt.subscribe(&ch).await.unwrap();
    let mut writer = within(rt.stream(ch.tokens()).open()).await.unwrap();
    within(writer.write(token("partial"))).await.unwrap();
    within(writer.abort("the model timed out")).await.unwrap();
    let (_, mut stream) = next_stream(&mut sub).await;
    let (words, end) = read_tokens(&mut stream).await;
    assert_eq!(words, texts(&["partial"]));
    match end {
        Some(StreamError::Aborted { reason }) => assert_eq!(reason, "the model timed out"),
        other => panic!("expected an abort, got {other:?}"),
    }
}

/// A writer dropped before finishing (a panicking or cancelled job) ends the stream with
/// an error by itself; subscribers never wait forever.
async fn a_dropped_writer_aborts(make: Factory) {
    let rt = handle(make.transport().await);
    let ch = Pipeline::new("dropped");
    let mut sub = rt.subscribe(&ch).await.unwrap();
    let job = {
        let rt = rt.clone();
        let ch = ch.clone();
        tokio::spawn(async move {
            let mut writer = rt.stream(ch.tokens()).open().await.unwrap();
            writer.write(token("one")).await.unwrap();
            panic!("the job fails mid-stream");
        })
    };
    assert!(within(job).await.is_err(), "the job panicked");
    let (_, mut stream) = next_stream(&mut sub).await;
    let (words, end) = read_tokens(&mut stream).await;
    assert_eq!(words, texts(&["one"]));
    match end {
        Some(StreamError::Aborted { reason }) => assert!(reason.contains("dropped"), "{reason}"),
        other => panic!("expected an abort, got {other:?}"),
    }
}

/// Limits: a chunk over the size limit and a chunk past the count limit are typed
/// errors that send nothing; the stream stays open and finishes.
async fn limits_refuse_chunks_and_send_nothing(make: Factory) {
    let rt = handle(make.transport().await);
    let ch = Pipeline::new("limits");
    let mut sub = rt.subscribe(&ch).await.unwrap();
    let limits = StreamLimits {
        max_chunk_bytes: 32,
        max_chunks: 2,
    };
    let mut writer = within(rt.stream(ch.tokens()).limits(limits).open())
        .await
        .unwrap();
    match within(writer.write(token(&"x".repeat(40)))).await {
        Err(PublishError::ChunkTooLarge { size, limit }) => assert_eq!((size, limit), (51, 32)),
        other => panic!("expected ChunkTooLarge, got {other:?}"),
    }
    within(writer.write(token("a"))).await.unwrap();
    within(writer.write(token("b"))).await.unwrap();
    match within(writer.write(token("c"))).await {
        Err(PublishError::TooManyChunks { limit }) => assert_eq!(limit, 2),
        other => panic!("expected TooManyChunks, got {other:?}"),
    }
    within(writer.finish()).await.unwrap();
    let (_, mut stream) = next_stream(&mut sub).await;
    assert_eq!(read_finished(&mut stream).await, texts(&["a", "b"]));
}

/// A chunk that breaks the topic's schema is refused at the writer and sends nothing.
async fn schema_violations_are_refused(make: Factory) {
    let rt = handle(make.transport().await);
    let ch = Pipeline::new("schema");
    let mut sub = rt.subscribe(&ch).await.unwrap();
    let mut writer = within(rt.stream(ch.progress()).open()).await.unwrap();
    let bad = Progress {
        percent: 150,
        label: "half".into(),
    };
    assert!(matches!(
        within(writer.write(bad)).await,
        Err(PublishError::SchemaViolation(_))
    ));
    let good = Progress {
        percent: 50,
        label: "half".into(),
    };
    within(writer.write(good.clone())).await.unwrap();
    within(writer.finish()).await.unwrap();
    let (_, mut stream) = next_stream(&mut sub).await;
    match within(stream.next()).await {
        Some(Ok(PipelineMessage::Progress(progress))) => assert_eq!(progress, good),
        other => panic!("expected the valid chunk, got {other:?}"),
    }
    assert!(within(stream.next()).await.is_none());
}

/// Two streams written at once on one channel: each nested stream gets only its chunks.
async fn concurrent_streams_stay_apart(make: Factory) {
    let rt = handle(make.transport().await);
    let ch = Pipeline::new("two");
    let mut sub = rt.subscribe(&ch).await.unwrap();
    let mut first = within(rt.stream(ch.tokens()).open()).await.unwrap();
    let mut second = within(rt.stream(ch.tokens()).open()).await.unwrap();
    assert_ne!(first.id(), second.id());
    for i in 0..5 {
        within(first.write(token(&format!("a{i}")))).await.unwrap();
        within(second.write(token(&format!("b{i}")))).await.unwrap();
    }
    within(second.finish()).await.unwrap();
    within(first.finish()).await.unwrap();
    let (_, mut a) = next_stream(&mut sub).await;
    let (_, mut b) = next_stream(&mut sub).await;
    let (b_words, _) = read_tokens(&mut b).await;
    let (a_words, _) = read_tokens(&mut a).await;
    assert_eq!(a_words, (0..5).map(|i| format!("a{i}")).collect::<Vec<_>>());
    assert_eq!(b_words, (0..5).map(|i| format!("b{i}")).collect::<Vec<_>>());
}

/// A subscription resumed in the middle of a stream sees it from there, marked partial.
async fn resume_mid_stream_is_partial(make: Factory) {
    let rt = handle(make.transport().await);
    let ch = Pipeline::new("resume");
    let mut writer = within(rt.stream(ch.tokens()).open()).await.unwrap();
    within(writer.write(token("seen"))).await.unwrap();
    let seen = within(writer.write(token("seen too"))).await.unwrap();
    within(writer.write(token("missed"))).await.unwrap();
    within(writer.write(token("live"))).await.unwrap();
    within(writer.finish()).await.unwrap();
    let mut sub = within(rt.subscribe(&ch).after(seen)).await.unwrap();
    let (_, mut stream) = next_stream(&mut sub).await;
    assert!(stream.is_partial());
    assert_eq!(read_finished(&mut stream).await, texts(&["missed", "live"]));
}

/// A subscriber of other topics never sees the stream; one dropped mid-stream frees it,
/// and a stream whose reader was dropped does not come back.
async fn topics_filter_streams_and_readers_can_leave(make: Factory) {
    let rt = handle(make.transport().await);
    let ch = Pipeline::new("filter");
    let mut status_only = rt
        .subscribe(&ch)
        .topics([common::PipelineTopic::Status])
        .await
        .unwrap();
    let mut all = rt.subscribe(&ch).await.unwrap();
    let mut writer = within(rt.stream(ch.tokens()).open()).await.unwrap();
    within(writer.write(token("one"))).await.unwrap();
    let (_, mut stream) = next_stream(&mut all).await;
    assert!(matches!(within(stream.next()).await, Some(Ok(_))));
    drop(stream);
    within(writer.write(token("two"))).await.unwrap();
    within(writer.finish()).await.unwrap();
    within(rt.publish(ch.status(), status("after"))).await.unwrap();
    let after = next(&mut all).await;
    assert!(matches!(after.data, PipelineMessage::Status(_)), "{after:?}");
    let only = next(&mut status_only).await;
    assert!(matches!(only.data, PipelineMessage::Status(_)), "{only:?}");
}

/// Dropping the subscription does not cut a stream already received: it is read to its
/// end.
async fn a_stream_outlives_its_subscription(make: Factory) {
    let rt = handle(make.transport().await);
    let ch = Pipeline::new("outlive");
    let mut sub = rt.subscribe(&ch).await.unwrap();
    let mut writer = within(rt.stream(ch.tokens()).open()).await.unwrap();
    within(writer.write(token("before"))).await.unwrap();
    let (_, mut stream) = next_stream(&mut sub).await;
    drop(sub);
    within(writer.write(token("after"))).await.unwrap();
    within(writer.finish()).await.unwrap();
    assert_eq!(read_finished(&mut stream).await, texts(&["before", "after"]));
}

/// A writer that vanishes without a word (its process died: no drop runs, no end is
/// sent) does not leave its readers waiting for ever: after the subscription's idle
/// timeout without a chunk the stream ends with `Interrupted`, and the subscription goes
/// on. A slow writer whose chunks come within the timeout is not cut off.
async fn a_vanished_writer_times_out(make: Factory) {
    let rt = handle(make.transport().await);
    let ch = Pipeline::new("vanished");
    let idle = std::time::Duration::from_millis(400);
    let mut sub = rt.subscribe(&ch).stream_idle_timeout(Some(idle)).await.unwrap();

    let mut slow = rt.stream(ch.tokens()).open().await.unwrap();
    let (_, mut stream) = next_stream(&mut sub).await;
    for word in ["slow", "but", "alive"] {
        slow.write(token(word)).await.unwrap();
        tokio::time::sleep(idle / 4).await;
    }
    slow.finish().await.unwrap();
    assert_eq!(read_finished(&mut stream).await, texts(&["slow", "but", "alive"]));

    let mut gone = rt.stream(ch.tokens()).open().await.unwrap();
    gone.write(token("last")).await.unwrap();
    std::mem::forget(gone); // as if its process had died: no abort is sent
    let (_, mut stream) = next_stream(&mut sub).await;
    let (words, end) = read_tokens(&mut stream).await;
    assert_eq!(words, texts(&["last"]));
    match end {
        Some(StreamError::Interrupted { reason }) => assert!(reason.contains("no chunk"), "{reason}"),
        other => panic!("expected an interruption, got {other:?}"),
    }
    rt.publish(ch.status(), status("after")).await.unwrap();
    assert!(matches!(next(&mut sub).await.data, PipelineMessage::Status(s) if s.message == "after"));
}

on_transports!(
    chunks_arrive_as_one_nested_stream,
    abort_ends_with_the_reason,
    a_dropped_writer_aborts,
    limits_refuse_chunks_and_send_nothing,
    schema_violations_are_refused,
    concurrent_streams_stay_apart,
    resume_mid_stream_is_partial,
    topics_filter_streams_and_readers_can_leave,
    a_stream_outlives_its_subscription,
    a_vanished_writer_times_out,
);

/// A subscriber that loses messages in the middle of a stream (it fell further behind than
/// the history reaches) sees the stream end with `Interrupted`, and the loss itself on the
/// subscription: never a silent gap inside the stream.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_messages_interrupt_an_open_stream() {
    let transport = realtime::MemoryTransport::builder()
        .capacity(4)
        .history(realtime::HistoryLimits {
            max_len: 5,
            ..realtime::HistoryLimits::default()
        })
        .build();
    let rt = realtime::Realtime::new(transport);
    let ch = Pipeline::new("lossy");
    let mut sub = rt.subscribe(&ch).await.unwrap();
    let mut writer = within(rt.stream(ch.tokens()).open()).await.unwrap();
    let (_, mut stream) = next_stream(&mut sub).await;
    for i in 0..300 {
        within(writer.write(token(&i.to_string()))).await.unwrap();
    }
    within(writer.finish()).await.unwrap();
    let (words, end) = read_tokens(&mut stream).await;
    assert!(words.len() < 300, "some chunks were lost: got {}", words.len());
    assert!(
        matches!(end, Some(StreamError::Interrupted { .. })),
        "expected Interrupted, got {end:?}"
    );
    match within(sub.next()).await {
        Some(Err(realtime::RecvError::ContinuityLost(_))) => {}
        other => panic!("expected the loss on the subscription, got {other:?}"),
    }
}
