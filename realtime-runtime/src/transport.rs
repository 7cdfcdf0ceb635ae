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
use tokio_stream::wrappers::{errors::BroadcastStreamRecvError, BroadcastStream};

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
pub struct TransportStream {
    inner: BroadcastStream<Arc<Delivery>>,
    source: broadcast::Sender<Arc<Delivery>>,
    guard: SubscriptionGuard,
}

impl TransportStream {
    /// A stream of what `source` sends from now on, holding `guard` until dropped.
    pub fn new(source: &broadcast::Sender<Arc<Delivery>>, guard: SubscriptionGuard) -> Self {
        TransportStream {
            inner: BroadcastStream::new(source.subscribe()),
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
        Pin::new(&mut self.inner).poll_next(cx).map(|item| {
            item.map(|result| result.map_err(|BroadcastStreamRecvError::Lagged(missed)| missed))
        })
    }
}

impl fmt::Debug for TransportStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportStream").finish_non_exhaustive()
    }
}
