//! The [`Transport`] trait: the one seam between the runtime and a message back end, and
//! [`TransportStream`], the resumable stream of one channel built on any transport.
//!
//! A transport does three things: it publishes a delivery (assigning its id), it opens a
//! live feed of a channel ([`LiveFeed`], a bounded `tokio::sync::broadcast` receiver, so
//! a slow subscriber never blocks the publisher or other subscribers), and it reads the
//! channel's bounded history after an id. [`TransportStream`] combines the last two, the
//! same way for every transport: replay from history, then live, deduplicated by id at
//! the seam; a subscriber whose buffer overflowed recovers from history; whatever history
//! can no longer provide is reported as a [`ContinuityLost`] item.
//!
//! A transport also publishes *at most once per idempotency key*
//! ([`Transport::publish_once`]): the durable publish of a job that may be retried.

use std::any::Any;
use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::future::BoxFuture;
use futures::{FutureExt, Stream};
use realtime_core::MessageId;
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio_util::sync::ReusableBoxFuture;

use crate::{ContinuityLost, Delivery, FeedItem, GapCause, History, StartAt, TransportError};

/// A message back end: in memory, or shared by many nodes.
///
/// Written once for every back end, the runtime and the gateway depend on this trait only.
/// Every transport must give the messages of a channel increasing ids, in the order its
/// subscribers receive them, and keep a bounded history per channel.
pub trait Transport: Send + Sync + 'static {
    /// Publishes a delivery to its channel and returns the id it was given. The transport
    /// assigns the id (replacing any in the envelope); ids increase within a channel.
    fn publish(&self, delivery: Delivery) -> BoxFuture<'_, Result<MessageId, TransportError>>;

    /// Publishes a delivery unless its channel already had a publish with idempotency
    /// key `key` in the last `ttl`: the durable publish of a job that may be retried.
    ///
    /// The first publish with a key is sent as by [`Transport::publish`], and the key is
    /// remembered with its message's id for `ttl` (counted from that publish; later
    /// duplicates do not extend it; a zero `ttl` counts as 1 ms). While it is remembered,
    /// a publish with the same key on the same channel sends nothing and returns that
    /// first id, with [`Published::duplicate`] set. Looking the key up, publishing and
    /// remembering the key are one atomic step, so of concurrent publishes with one key
    /// (through any handle or node sharing the back end) exactly one is sent.
    ///
    /// - Keys are scoped per channel: the same key on two channels is two keys.
    /// - Only the key is compared, never the topic or the data: a retried job whose data
    ///   differs (a timestamp, a model's output) still sends nothing new.
    /// - A key is remembered only once its message is published: a publish that failed
    ///   can be retried with the same key. So can one whose outcome is unknown (a
    ///   timeout): it is sent at most once either way.
    fn publish_once<'a>(
        &'a self,
        delivery: Delivery,
        key: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Published, TransportError>>;

    /// Opens a live feed of a channel by concrete name. The feed carries every message
    /// published after this call returns (once the back end has confirmed the
    /// subscription), each with an id greater than [`LiveFeed::after`].
    fn subscribe<'a>(&'a self, channel: &'a str) -> BoxFuture<'a, Result<LiveFeed, TransportError>>;

    /// The messages of a channel's history with an id greater than `after`, oldest first,
    /// and whether they are all that was published after it.
    fn history<'a>(
        &'a self,
        channel: &'a str,
        after: MessageId,
    ) -> BoxFuture<'a, Result<History, TransportError>>;

    /// A short name for logs and metrics, e.g. `memory`.
    fn kind(&self) -> &'static str;
}

/// The outcome of a publish: the id of the message, and whether an earlier publish with
/// the same idempotency key had already sent it.
///
/// ```
/// use realtime_core::MessageId;
/// use realtime_runtime::Published;
/// let first = Published { id: MessageId::new(17, 0), duplicate: false };
/// assert_eq!(first, Published::sent(MessageId::new(17, 0)));
/// assert!(Published::duplicate_of(first.id).duplicate);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Published {
    /// The id of the message: the new one, or for a duplicate the first publish's.
    pub id: MessageId,
    /// The idempotency key had already been published on this channel: nothing new was
    /// sent, and [`Published::id`] is the first message's id.
    pub duplicate: bool,
}

impl Published {
    /// A message just sent with id `id`.
    pub fn sent(id: MessageId) -> Self {
        Published { id, duplicate: false }
    }

    /// A duplicate of the message with id `id`: nothing was sent.
    pub fn duplicate_of(id: MessageId) -> Self {
        Published { id, duplicate: true }
    }
}

/// What a dropped subscription leaves behind: a transport's guard, dropped with the last
/// stream that shares it, lets the transport free the channel's resources.
pub type SubscriptionGuard = Arc<dyn Any + Send + Sync>;

/// A live feed of one channel, as a transport opens it: a broadcast receiver subscribed
/// at the moment of opening, and where the channel stood then.
pub struct LiveFeed {
    receiver: broadcast::Receiver<FeedItem>,
    source: broadcast::Sender<FeedItem>,
    guard: SubscriptionGuard,
    after: Option<MessageId>,
}

impl LiveFeed {
    /// A feed of what `source` sends from now on, holding `guard` until dropped.
    ///
    /// `after` is an id every message of the feed will exceed: the channel's newest id
    /// when the feed was opened, or `None` if the channel had no messages (and none were
    /// dropped from its history). Subscribers that overflow their buffer recover from
    /// history after it.
    pub fn new(
        source: &broadcast::Sender<FeedItem>,
        guard: SubscriptionGuard,
        after: Option<MessageId>,
    ) -> Self {
        LiveFeed {
            receiver: source.subscribe(),
            source: source.clone(),
            guard,
            after,
        }
    }

    /// Where the channel stood when the feed was opened.
    pub fn after(&self) -> Option<MessageId> {
        self.after
    }
}

impl fmt::Debug for LiveFeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LiveFeed")
            .field("after", &self.after)
            .finish_non_exhaustive()
    }
}

/// The messages of one channel, for one subscriber: history first when resuming, then
/// live, in id order, each once.
///
/// Yields `Ok(delivery)` per message and `Err(ContinuityLost)` where messages were lost
/// for this subscriber; ends when the transport closes the channel. Open it with
/// [`TransportStream::open`].
///
/// Messages already buffered are taken without a future; only an empty buffer parks the
/// task, in a boxed future whose allocation is reused.
pub struct TransportStream {
    channel: Arc<str>,
    transport: Arc<dyn Transport>,
    live: LiveReceiver,
    source: broadcast::Sender<FeedItem>,
    guard: SubscriptionGuard,
    /// Replayed items to yield before reading live again.
    pending: VecDeque<FeedItem>,
    /// A history read after the buffer overflowed, and how many were missed.
    recovering: Option<(BoxFuture<'static, Result<History, TransportError>>, u64)>,
    /// The newest id yielded, or before any, the point everything to yield comes after.
    last: Option<MessageId>,
    /// The newest id the subscriber has seen: yielded, or resumed after.
    seen: Option<MessageId>,
}

impl TransportStream {
    /// Opens a stream of `channel` on `transport`, starting live or after an id.
    ///
    /// Resuming subscribes live first, then reads history, so nothing published in
    /// between is missed; messages both in history and live are yielded once. If history
    /// no longer holds every message after the id, the first item is a
    /// [`ContinuityLost`] with cause [`GapCause::HistoryExpired`].
    pub async fn open(
        transport: Arc<dyn Transport>,
        channel: &str,
        start: StartAt,
    ) -> Result<TransportStream, TransportError> {
        let feed = transport.subscribe(channel).await?;
        let mut pending = VecDeque::new();
        let seen = start.after();
        let last = match start {
            StartAt::Live => feed.after,
            StartAt::After(after) => {
                let history = transport.history(channel, after).await?;
                if !history.complete {
                    pending.push_back(Err(ContinuityLost {
                        cause: GapCause::HistoryExpired,
                        last_seen: Some(after),
                        missed: None,
                    }));
                }
                pending.extend(history.deliveries.into_iter().map(Ok));
                Some(after)
            }
        };
        Ok(TransportStream {
            channel: channel.into(),
            transport,
            live: LiveReceiver::new(feed.receiver),
            source: feed.source,
            guard: feed.guard,
            pending,
            recovering: None,
            last,
            seen,
        })
    }

    /// The channel's name.
    pub fn channel(&self) -> &str {
        &self.channel
    }

    /// The id of the newest message yielded so far (or, before any, the id the stream
    /// resumed after): the id to resume after.
    pub fn last_id(&self) -> Option<MessageId> {
        self.seen
    }

    /// Another stream of the same channel, seeing only messages published from now on.
    pub fn resubscribe(&self) -> Self {
        TransportStream {
            channel: self.channel.clone(),
            transport: self.transport.clone(),
            live: LiveReceiver::new(self.source.subscribe()),
            source: self.source.clone(),
            guard: self.guard.clone(),
            pending: VecDeque::new(),
            recovering: None,
            last: self.last,
            seen: self.seen,
        }
    }

    /// Yields `delivery` unless it was already yielded (or is before the start).
    #[inline]
    fn accept(&mut self, delivery: Arc<Delivery>) -> Option<Arc<Delivery>> {
        let id = delivery.envelope().id;
        if self.last.is_some_and(|last| id <= last) {
            return None;
        }
        self.last = Some(id);
        self.seen = Some(id);
        Some(delivery)
    }

    /// Starts reading history after the newest yielded id, to replace what an overflow
    /// of the live buffer dropped.
    fn recover(&mut self, missed: u64) {
        let transport = self.transport.clone();
        let channel = self.channel.clone();
        let after = self.last.unwrap_or(MessageId::ZERO);
        let read = async move { transport.history(&channel, after).await }.boxed();
        self.recovering = Some((read, missed));
    }
}

impl Stream for TransportStream {
    type Item = Result<Arc<Delivery>, ContinuityLost>;

    /// Inlined: a live message already buffered is taken here; everything else (replay,
    /// recovery, waiting) is out of line.
    #[inline]
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.pending.is_empty() && this.recovering.is_none() {
            if let Some(received) = this.live.try_recv() {
                if let Some(item) = this.received(received) {
                    return Poll::Ready(item);
                }
            }
        }
        this.poll_more(cx)
    }
}

impl TransportStream {
    /// What the live receiver gave, as the stream's next item; `None` when there is none
    /// to yield yet (a message already yielded, or a history read started).
    #[inline]
    fn received(&mut self, received: Received) -> Option<Option<Result<Arc<Delivery>, ContinuityLost>>> {
        match received {
            Received::Delivery(delivery) => self.accept(delivery).map(|delivery| Some(Ok(delivery))),
            Received::Gap(gap) => Some(Some(Err(ContinuityLost {
                last_seen: self.seen,
                ..gap
            }))),
            Received::Lagged(missed) => {
                self.recover(missed);
                None
            }
            Received::Closed => Some(None),
        }
    }

    /// The next item when none is buffered live: replayed items, a history read after an
    /// overflow, or a wait for the live receiver.
    #[inline(never)]
    fn poll_more(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Arc<Delivery>, ContinuityLost>>> {
        loop {
            if let Some(item) = self.pending.pop_front() {
                match item {
                    Ok(delivery) => match self.accept(delivery) {
                        Some(delivery) => return Poll::Ready(Some(Ok(delivery))),
                        None => continue,
                    },
                    Err(gap) => return Poll::Ready(Some(Err(gap))),
                }
            }
            if let Some((read, missed)) = self.recovering.as_mut() {
                let Poll::Ready(result) = read.as_mut().poll(cx) else {
                    return Poll::Pending;
                };
                let missed = *missed;
                self.recovering = None;
                match result {
                    Ok(history) => {
                        if !history.complete {
                            self.pending.push_back(Err(ContinuityLost {
                                cause: GapCause::Lagged,
                                last_seen: self.seen,
                                missed: None,
                            }));
                        }
                        self.pending.extend(history.deliveries.into_iter().map(Ok));
                    }
                    Err(err) => {
                        tracing::warn!(channel = %self.channel, error = %err, "could not recover a lagging subscriber from history");
                        self.pending.push_back(Err(ContinuityLost {
                            cause: GapCause::Lagged,
                            last_seen: self.seen,
                            missed: Some(missed),
                        }));
                    }
                }
                continue;
            }
            let Poll::Ready(received) = self.live.poll_recv(cx) else {
                return Poll::Pending;
            };
            if let Some(item) = self.received(received) {
                return Poll::Ready(item);
            }
        }
    }
}

impl fmt::Debug for TransportStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportStream")
            .field("channel", &self.channel)
            .field("transport", &self.transport.kind())
            .field("last", &self.last)
            .finish_non_exhaustive()
    }
}

/// A broadcast receiver polled without a new future per buffered message.
struct LiveReceiver {
    state: RecvState,
    waiting: Option<ReusableBoxFuture<'static, RecvOutcome>>,
}

type RecvOutcome = (Result<FeedItem, RecvError>, broadcast::Receiver<FeedItem>);

enum RecvState {
    /// The receiver is here: try it without waiting.
    Ready(broadcast::Receiver<FeedItem>),
    /// The receiver is inside the waiting future.
    Waiting,
    /// The channel was closed.
    Done,
}

/// What the live receiver gave.
///
/// Each variant is taken out of the broadcast result field by field: moving the whole
/// result (a [`FeedItem`] inside a `Result`) on every message was a measurable share of a
/// delivery, most of it a stall on reading back a value just written.
enum Received {
    /// A message.
    Delivery(Arc<Delivery>),
    /// A gap the transport detected.
    Gap(ContinuityLost),
    /// The buffer overflowed: this many messages were missed.
    Lagged(u64),
    /// The channel was closed.
    Closed,
}

async fn recv_owned(mut rx: broadcast::Receiver<FeedItem>) -> RecvOutcome {
    let result = rx.recv().await;
    (result, rx)
}

impl LiveReceiver {
    fn new(receiver: broadcast::Receiver<FeedItem>) -> Self {
        LiveReceiver {
            state: RecvState::Ready(receiver),
            waiting: None,
        }
    }

    /// What is buffered, without waiting: `None` if nothing is (or the receiver is inside
    /// the waiting future). The receiver stays in place while messages are buffered.
    #[inline]
    fn try_recv(&mut self) -> Option<Received> {
        let RecvState::Ready(rx) = &mut self.state else {
            return None;
        };
        Some(match rx.try_recv() {
            Ok(Ok(delivery)) => Received::Delivery(delivery),
            Ok(Err(gap)) => Received::Gap(gap),
            Err(TryRecvError::Lagged(missed)) => Received::Lagged(missed),
            Err(TryRecvError::Closed) => {
                self.state = RecvState::Done;
                Received::Closed
            }
            Err(TryRecvError::Empty) => return None,
        })
    }

    /// The next item, an overflow, or the end.
    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Received> {
        if let RecvState::Ready(_) = self.state {
            if let Some(received) = self.try_recv() {
                return Poll::Ready(received);
            }
            let RecvState::Ready(rx) = std::mem::replace(&mut self.state, RecvState::Waiting) else {
                unreachable!("matched as ready above")
            };
            match &mut self.waiting {
                Some(waiting) => waiting.set(recv_owned(rx)),
                None => self.waiting = Some(ReusableBoxFuture::new(recv_owned(rx))),
            }
        }
        if let RecvState::Done = self.state {
            return Poll::Ready(Received::Closed);
        }
        let waiting = self.waiting.as_mut().expect("a waiting stream has a future");
        let Poll::Ready((result, rx)) = waiting.poll(cx) else {
            return Poll::Pending;
        };
        self.state = RecvState::Ready(rx);
        Poll::Ready(match result {
            Ok(Ok(delivery)) => Received::Delivery(delivery),
            Ok(Err(gap)) => Received::Gap(gap),
            Err(RecvError::Lagged(missed)) => Received::Lagged(missed),
            Err(RecvError::Closed) => {
                self.state = RecvState::Done;
                Received::Closed
            }
        })
    }
}
