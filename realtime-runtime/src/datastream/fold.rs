//! [`Fold`]: turns a subscription's data stream envelopes into one message per stream,
//! holding a [`DataStream`] of its chunks.
//!
//! A subscription's items come from one source (a transport feed, a gateway connection).
//! Until the first data stream appears the fold polls the source directly, with no lock,
//! so plain subscriptions pay nothing. From then on the source is shared, behind a mutex,
//! by the subscription and the readers of its open streams: whichever is polled pulls
//! from the source and routes each item to its owner (the subscription's queue or a
//! stream's), waking it. So a stream can be read to its end while the subscription is not
//! polled, as in `while let Some(msg) = sub.next().await { read msg's stream to the end }`.
//! The source is polled with a waker that wakes every waiting party.

use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use futures::task::AtomicWaker;
use futures::Stream;
use realtime_core::{DataStream, Message, StreamError};

/// What a subscription's source gives its fold. `O` is the subscription's item: a
/// message or an error by default, or a message shared behind an `Arc`.
pub(crate) enum Step<M, E, O = Result<Message<M>, E>> {
    /// An item of the subscription itself: a message, or an error item.
    Item(O),
    /// An error item after which the open streams cannot be trusted (lost messages):
    /// each ends with [`StreamError::Interrupted`] with `reason`.
    Break(E, &'static str),
    /// An envelope of a data stream (boxed: streams are rare, and a small step is cheap
    /// to move through every layer of a subscription).
    Stream(Box<StreamStep<M>>),
}

/// One envelope of a data stream, decoded.
pub(crate) struct StreamStep<M> {
    /// The stream's id.
    pub(crate) id: Arc<str>,
    /// The envelope's metadata, for the message that announces the stream.
    pub(crate) head: Message<()>,
    /// What the envelope says.
    pub(crate) event: StreamEvent<M>,
}

/// What a data stream envelope says.
pub(crate) enum StreamEvent<M> {
    /// The stream starts.
    Start,
    /// A chunk, or why it could not be delivered.
    Chunk(Result<M, StreamError>),
    /// The stream ends: well, or with the error.
    End(Option<StreamError>),
}

/// Where a subscription's items come from.
pub(crate) trait Source: Send + 'static {
    /// The channel's message enum.
    type Message: Send + 'static;
    /// The subscription's error item.
    type Error: Send + 'static;
    /// The subscription's item.
    type Item: Send + 'static;

    /// The next step; `None` when the source has ended.
    #[allow(clippy::type_complexity)]
    fn poll_step(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Step<Self::Message, Self::Error, Self::Item>>>;

    /// The subscription's item for a message or an error the fold makes itself (a data
    /// stream's announcement, an interruption).
    fn item(item: Result<Message<Self::Message>, Self::Error>) -> Self::Item;

    /// Wraps a data stream into the message enum (`Channel::stream_message`).
    fn wrap(stream: DataStream<Self::Message>) -> Self::Message;
}

type Item<S> = <S as Source>::Item;

/// A subscription's source with its data streams folded in; a `Stream` of the
/// subscription's items.
pub(crate) struct Fold<S: Source> {
    state: State<S>,
    /// How long a stream's reader waits for a chunk before the stream is interrupted.
    stream_idle: Option<Duration>,
}

enum State<S: Source> {
    /// No data stream seen yet: the source is polled directly.
    Direct(Option<S>),
    /// A data stream was seen: the source is shared with the streams' readers.
    Shared(Arc<Shared<S>>),
}

struct Shared<S: Source> {
    router: Mutex<Router<S>>,
    wakers: Arc<Wakers>,
    /// Wakes every party in `wakers`: the waker the source is polled with.
    waker: Waker,
    /// How long a stream's reader waits for a chunk before the stream is interrupted.
    stream_idle: Option<Duration>,
}

struct Router<S: Source> {
    source: Option<S>,
    /// Items for the subscription, in order.
    outer: VecDeque<Item<S>>,
    /// The subscription was dropped: its items are discarded.
    outer_dropped: bool,
    streams: HashMap<Arc<str>, Slot<S::Message>>,
    /// Streams whose reader was dropped before their end: their envelopes are skipped.
    ignored: HashSet<Arc<str>>,
}

struct Slot<M> {
    queue: VecDeque<Result<M, StreamError>>,
    ended: bool,
}

/// The wakers of everyone waiting on a shared source.
#[derive(Default)]
struct Wakers {
    outer: AtomicWaker,
    streams: Mutex<HashMap<Arc<str>, Waker>>,
}

impl Wakers {
    fn stream(&self, id: &str) {
        if let Some(waker) = lock(&self.streams).get(id) {
            waker.wake_by_ref();
        }
    }
}

impl Wake for Wakers {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.outer.wake();
        for waker in lock(&self.streams).values() {
            waker.wake_by_ref();
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl<S: Source> Fold<S> {
    pub(crate) fn new(source: S, stream_idle: Option<Duration>) -> Self {
        Fold {
            state: State::Direct(Some(source)),
            stream_idle,
        }
    }

    /// Runs `f` on the source, if it has not ended.
    pub(crate) fn with_source<R>(&self, f: impl FnOnce(Option<&S>) -> R) -> R {
        match &self.state {
            State::Direct(source) => f(source.as_ref()),
            State::Shared(shared) => f(lock(&shared.router).source.as_ref()),
        }
    }

    /// Moves the source behind a lock, for the readers of data streams.
    fn share(&mut self) -> Arc<Shared<S>> {
        if let State::Direct(source) = &mut self.state {
            let wakers = Arc::new(Wakers::default());
            let shared = Arc::new(Shared {
                router: Mutex::new(Router {
                    source: source.take(),
                    outer: VecDeque::new(),
                    outer_dropped: false,
                    streams: HashMap::new(),
                    ignored: HashSet::new(),
                }),
                waker: Waker::from(wakers.clone()),
                wakers,
                stream_idle: self.stream_idle,
            });
            self.state = State::Shared(shared);
        }
        match &self.state {
            State::Shared(shared) => shared.clone(),
            State::Direct(_) => unreachable!("shared just above"),
        }
    }
}

// The source is never pinned: it is polled through `&mut`.
impl<S: Source> Unpin for Fold<S> {}

impl<S: Source> Stream for Fold<S> {
    type Item = Item<S>;

    /// Inlined: the direct path is what every delivery of a subscription without data
    /// streams takes; the rest is out of line.
    #[inline]
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let State::Direct(slot) = &mut self.state {
            let Some(source) = slot.as_mut() else {
                return Poll::Ready(None);
            };
            match source.poll_step(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Step::Item(item))) => return Poll::Ready(Some(item)),
                Poll::Ready(other) => return self.direct_other(other, cx),
            }
        }
        self.poll_shared(cx)
    }
}

impl<S: Source> Fold<S> {
    /// A direct fold's step that is not an item: the source's end, an error that breaks
    /// continuity, or the first data stream (which shares the source).
    #[inline(never)]
    fn direct_other(
        &mut self,
        step: Option<Step<S::Message, S::Error, S::Item>>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Item<S>>> {
        match step {
            None => {
                self.state = State::Direct(None);
                Poll::Ready(None)
            }
            Some(Step::Item(item)) => Poll::Ready(Some(item)),
            // No stream is open yet, so there is nothing to interrupt.
            Some(Step::Break(error, _)) => Poll::Ready(Some(S::item(Err(error)))),
            Some(Step::Stream(step)) => {
                let shared = self.share();
                lock(&shared.router).route(Step::Stream(step), &shared);
                self.poll_shared(cx)
            }
        }
    }

    /// The next item of a fold whose source is shared with data stream readers.
    #[inline(never)]
    fn poll_shared(&mut self, cx: &mut Context<'_>) -> Poll<Option<Item<S>>> {
        let State::Shared(shared) = &self.state else {
            unreachable!("a fold that is not direct is shared")
        };
        shared.wakers.outer.register(cx.waker());
        let mut router = lock(&shared.router);
        loop {
            if let Some(item) = router.outer.pop_front() {
                return Poll::Ready(Some(item));
            }
            if router.source.is_none() {
                return Poll::Ready(None);
            }
            if router.pull(shared).is_pending() {
                return Poll::Pending;
            }
        }
    }
}

impl<S: Source> Drop for Fold<S> {
    fn drop(&mut self) {
        if let State::Shared(shared) = &self.state {
            // Dropped outside the lock: the items may hold streams whose readers lock it.
            let pending = {
                let mut router = lock(&shared.router);
                router.outer_dropped = true;
                std::mem::take(&mut router.outer)
            };
            drop(pending);
        }
    }
}

impl<S: Source> Router<S> {
    /// Polls the source once and routes what it gives. Ready when something was routed or
    /// the source ended.
    fn pull(&mut self, shared: &Arc<Shared<S>>) -> Poll<()> {
        let Some(source) = self.source.as_mut() else {
            return Poll::Ready(());
        };
        let mut cx = Context::from_waker(&shared.waker);
        match source.poll_step(&mut cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(None) => {
                self.source = None;
                self.interrupt(shared, "the subscription ended before the stream did");
                shared.wakers.outer.wake();
                Poll::Ready(())
            }
            Poll::Ready(Some(step)) => {
                self.route(step, shared);
                Poll::Ready(())
            }
        }
    }

    fn push_outer(&mut self, item: Item<S>, shared: &Shared<S>) {
        if !self.outer_dropped {
            self.outer.push_back(item);
            shared.wakers.outer.wake();
        }
    }

    /// Ends every open stream with [`StreamError::Interrupted`].
    fn interrupt(&mut self, shared: &Shared<S>, reason: &'static str) {
        for (id, slot) in &mut self.streams {
            if !slot.ended {
                slot.queue.push_back(Err(StreamError::Interrupted {
                    reason: reason.to_owned(),
                }));
                slot.ended = true;
                shared.wakers.stream(id);
            }
        }
    }

    fn route(&mut self, step: Step<S::Message, S::Error, S::Item>, shared: &Arc<Shared<S>>) {
        let StreamStep { id, head, event } = match step {
            Step::Item(item) => return self.push_outer(item, shared),
            Step::Break(error, reason) => {
                self.interrupt(shared, reason);
                return self.push_outer(S::item(Err(error)), shared);
            }
            Step::Stream(step) => *step,
        };
        if self.ignored.contains(&id) {
            if matches!(event, StreamEvent::End(_)) {
                self.ignored.remove(&id);
            }
            return;
        }
        if !self.streams.contains_key(&id) {
            if self.outer_dropped {
                // Nobody can receive the stream.
                if !matches!(event, StreamEvent::End(_)) {
                    self.ignored.insert(id);
                }
                return;
            }
            let partial = !matches!(event, StreamEvent::Start);
            self.streams.insert(
                id.clone(),
                Slot {
                    queue: VecDeque::new(),
                    ended: false,
                },
            );
            let reader = Reader {
                shared: shared.clone(),
                id: id.clone(),
                idle: None,
                timed_out: false,
            };
            let stream = DataStream::new(id.clone(), head.topic, partial, reader);
            let message = Message {
                id: head.id,
                channel: head.channel,
                topic: head.topic,
                kind: realtime_core::MessageKind::DatastreamStart,
                run_id: head.run_id,
                fn_id: head.fn_id,
                created_at: head.created_at,
                data: S::wrap(stream),
            };
            self.push_outer(S::item(Ok(message)), shared);
        }
        let slot = self.streams.get_mut(&id).expect("inserted above");
        if slot.ended {
            return;
        }
        match event {
            StreamEvent::Start => return,
            StreamEvent::Chunk(chunk) => slot.queue.push_back(chunk),
            StreamEvent::End(error) => {
                slot.queue.extend(error.map(Err));
                slot.ended = true;
            }
        }
        shared.wakers.stream(&id);
    }
}

/// The chunks of one data stream, read from the shared source.
struct Reader<S: Source> {
    shared: Arc<Shared<S>>,
    id: Arc<str>,
    /// Runs while the reader waits for a chunk; made at the first wait, reset by each chunk.
    idle: Option<Pin<Box<tokio::time::Sleep>>>,
    /// The stream was interrupted for want of chunks: nothing more comes.
    timed_out: bool,
}

impl<S: Source> Reader<S> {
    /// Stops reading the stream: its queue is dropped, and its envelopes still to come
    /// are skipped.
    fn leave(&self) {
        let mut router = lock(&self.shared.router);
        if let Some(slot) = router.streams.remove(&self.id) {
            if !slot.ended {
                router.ignored.insert(self.id.clone());
            }
        }
        drop(router);
        lock(&self.shared.wakers.streams).remove(&self.id);
    }

    /// Waits for the idle timer, if there is one; when it fires, the stream is given up
    /// (its later envelopes are skipped) and ends with [`StreamError::Interrupted`].
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<S::Message, StreamError>>> {
        let Some(after) = self.shared.stream_idle else {
            return Poll::Pending;
        };
        let idle = self
            .idle
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(after)));
        if idle.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        self.timed_out = true;
        self.leave();
        Poll::Ready(Some(Err(StreamError::Interrupted {
            reason: format!(
                "no chunk for {} s: the stream's writer is gone",
                after.as_secs_f64()
            ),
        })))
    }
}

impl<S: Source> Stream for Reader<S> {
    type Item = Result<S::Message, StreamError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.timed_out {
            return Poll::Ready(None);
        }
        let shared = this.shared.clone();
        lock(&shared.wakers.streams).insert(this.id.clone(), cx.waker().clone());
        let mut router = lock(&shared.router);
        loop {
            let Some(slot) = router.streams.get_mut(&this.id) else {
                return Poll::Ready(None);
            };
            if let Some(item) = slot.queue.pop_front() {
                if let (Some(idle), Some(after)) = (this.idle.as_mut(), shared.stream_idle) {
                    idle.as_mut().reset(tokio::time::Instant::now() + after);
                }
                return Poll::Ready(Some(item));
            }
            if slot.ended {
                router.streams.remove(&this.id);
                lock(&shared.wakers.streams).remove(&this.id);
                return Poll::Ready(None);
            }
            if router.pull(&shared).is_pending() {
                drop(router);
                return this.poll_idle(cx);
            }
        }
    }
}

impl<S: Source> Drop for Reader<S> {
    fn drop(&mut self) {
        self.leave();
    }
}
