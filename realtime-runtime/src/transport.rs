//! The [`Transport`] trait: the one seam between the runtime and a message back end.
//!
//! A transport takes published deliveries and hands them to the subscribers of their
//! channel, in publish order per channel. Every transport fans out locally through a
//! bounded `tokio::sync::broadcast` channel per channel name, so a slow subscriber never
//! blocks the publisher or other subscribers: when it falls behind by more than the
//! buffer, it is told how many messages it missed.

use std::any::Any;
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::future::BoxFuture;
use futures::Stream;
use realtime_core::MessageId;
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio_util::sync::ReusableBoxFuture;

use crate::{Delivery, TransportError};

/// A message back end: in memory, or shared by many nodes.
///
/// Written once for every back end, the runtime and the gateway depend on this trait only.
pub trait Transport: Send + Sync + 'static {
    /// Publishes a delivery to its channel and returns the id it was given. The transport
    /// assigns the id (replacing any in the envelope); ids increase within a channel.
    fn publish(&self, delivery: Delivery) -> BoxFuture<'_, Result<MessageId, TransportError>>;

    /// Subscribes to a channel by concrete name. The returned stream sees every message
    /// published after this call returns.
    fn subscribe<'a>(&'a self, channel: &'a str) -> BoxFuture<'a, Result<TransportStream, TransportError>>;

    /// A short name for logs and metrics, e.g. `memory`.
    fn kind(&self) -> &'static str;
}

/// What a dropped subscription leaves behind: a transport's guard, dropped with the last
/// stream that shares it, lets the transport free the channel's resources.
pub type SubscriptionGuard = Arc<dyn Any + Send + Sync>;

/// The deliveries of one channel, for one subscriber.
///
/// Yields `Ok(delivery)` per message, `Err(missed)` when the subscriber fell behind and
/// `missed` messages were dropped for it, and ends when the transport closes the channel.
///
/// Messages already buffered are taken without a future; only an empty buffer parks the
/// task, in a boxed future whose allocation is reused.
pub struct TransportStream {
    state: RecvState,
    waiting: Option<ReusableBoxFuture<'static, RecvOutcome>>,
    source: broadcast::Sender<Arc<Delivery>>,
    guard: SubscriptionGuard,
}

type RecvOutcome = (
    Result<Arc<Delivery>, RecvError>,
    broadcast::Receiver<Arc<Delivery>>,
);

enum RecvState {
    /// The receiver is here: try it without waiting.
    Ready(broadcast::Receiver<Arc<Delivery>>),
    /// The receiver is inside the waiting future.
    Waiting,
    /// The channel was closed.
    Done,
}

async fn recv_owned(mut rx: broadcast::Receiver<Arc<Delivery>>) -> RecvOutcome {
    let result = rx.recv().await;
    (result, rx)
}

impl TransportStream {
    /// A stream of what `source` sends from now on, holding `guard` until dropped.
    pub fn new(source: &broadcast::Sender<Arc<Delivery>>, guard: SubscriptionGuard) -> Self {
        TransportStream {
            state: RecvState::Ready(source.subscribe()),
            waiting: None,
            source: source.clone(),
            guard,
        }
    }

    /// Another stream of the same channel, seeing only messages published from now on.
    pub fn resubscribe(&self) -> Self {
        TransportStream::new(&self.source, self.guard.clone())
    }
}

impl Stream for TransportStream {
    type Item = Result<Arc<Delivery>, u64>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            match std::mem::replace(&mut this.state, RecvState::Waiting) {
                RecvState::Done => {
                    this.state = RecvState::Done;
                    return Poll::Ready(None);
                }
                RecvState::Ready(mut rx) => {
                    let outcome = match rx.try_recv() {
                        Ok(delivery) => Poll::Ready(Some(Ok(delivery))),
                        Err(TryRecvError::Lagged(missed)) => Poll::Ready(Some(Err(missed))),
                        Err(TryRecvError::Closed) => {
                            this.state = RecvState::Done;
                            return Poll::Ready(None);
                        }
                        Err(TryRecvError::Empty) => {
                            match &mut this.waiting {
                                Some(waiting) => waiting.set(recv_owned(rx)),
                                None => this.waiting = Some(ReusableBoxFuture::new(recv_owned(rx))),
                            }
                            continue;
                        }
                    };
                    this.state = RecvState::Ready(rx);
                    return outcome;
                }
                RecvState::Waiting => {
                    let waiting = this.waiting.as_mut().expect("a waiting stream has a future");
                    let Poll::Ready((result, rx)) = waiting.poll(cx) else {
                        return Poll::Pending;
                    };
                    this.state = RecvState::Ready(rx);
                    return Poll::Ready(match result {
                        Ok(delivery) => Some(Ok(delivery)),
                        Err(RecvError::Lagged(missed)) => Some(Err(missed)),
                        Err(RecvError::Closed) => {
                            this.state = RecvState::Done;
                            None
                        }
                    });
                }
            }
        }
    }
}

impl fmt::Debug for TransportStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportStream").finish_non_exhaustive()
    }
}
