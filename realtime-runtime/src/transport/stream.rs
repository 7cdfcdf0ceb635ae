//! [`TransportStream`]: the resumable stream of one channel, built the same way on every
//! transport. It reads live first, then replays history after the resume point, and
//! deduplicates by id at the seam; a subscriber whose buffer overflowed recovers from
//! history; what history can no longer provide is a [`ContinuityLost`] item.

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::future::BoxFuture;
use futures::{FutureExt, Stream};
use realtime_core::MessageId;
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio_util::sync::ReusableBoxFuture;

use crate::{ContinuityLost, Delivery, FeedItem, GapCause, History, StartAt, TransportError};

use super::{SubscriptionGuard, Transport};

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

    /// Where this stream stands: the id to resume after (`?since=`) to get exactly what it
    /// has not yielded yet. Before any message it is where the stream started: the id it
    /// resumed after, else the channel's newest id when it was opened ([`LiveFeed::after`](super::LiveFeed::after)),
    /// or [`MessageId::ZERO`] if the channel had none; then the newest id yielded.
    pub fn position(&self) -> MessageId {
        self.last.unwrap_or(MessageId::ZERO)
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
