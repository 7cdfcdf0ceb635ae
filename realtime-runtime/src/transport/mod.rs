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

mod stream;

use std::any::Any;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use realtime_core::MessageId;
use tokio::sync::broadcast;

use crate::{Delivery, FeedItem, History, TransportError};

pub use stream::TransportStream;

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
