//! The node: the one pub/sub connection of a [`RedisTransport`](super::RedisTransport),
//! shared by all its local subscriptions, and the task that forwards what it hears.
//!
//! The node task owns the connection and, per channel with local subscribers, a
//! broadcast sender, a reference count and `last_forwarded`, the newest id it forwarded.
//! Everything that changes them (subscribing, a subscription dropped, a message heard, a
//! (re)subscription done, the connection lost or back) is handled by this one task, in
//! order, so there are no locks.
//!
//! - **Reference counting.** The first local subscription of a channel `SUBSCRIBE`s it;
//!   each hands out a guard whose drop tells the node, and the last one's drop
//!   `UNSUBSCRIBE`s it.
//! - **Sync.** A channel is synced when its `SUBSCRIBE` is sent: once Redis confirms it,
//!   a new channel reads its stream's newest id (its `last_forwarded`, the `after` of the
//!   feeds), a channel that had been live before (after a reconnection) reads its history
//!   after `last_forwarded` and forwards what it missed, first announcing a gap if
//!   history no longer holds all of it. Messages heard for a channel meanwhile are
//!   buffered and forwarded after. `subscribe` returns once the channel is synced, so a
//!   message published once it returns is heard.
//! - **Dedupe.** A message is forwarded only if its id is greater than `last_forwarded`:
//!   each is forwarded once, in id order, whether it came from history, the buffer, or
//!   live.
//! - **Reconnection.** When the connection is lost, the node reconnects with exponential
//!   backoff (at once, then after 100 ms, doubling up to 2 s), then syncs every channel
//!   that still has local subscribers. Subscribing while it is down fails at once.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use ::redis::Msg;
use futures::future::BoxFuture;
use futures::stream::FuturesUnordered;
use futures::{FutureExt, StreamExt};
use realtime_core::MessageId;
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::time::{Instant, MissedTickBehavior};

use crate::{ContinuityLost, Delivery, FeedItem, GapCause, History, LiveFeed, TransportError};

use super::link::Link;
use super::{backend, history, Context};

/// How often the idle connection is pinged, to notice a connection that died silently.
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(10);
/// The first delay before reconnecting again.
const RECONNECT_MIN_DELAY: Duration = Duration::from_millis(100);
/// The longest delay between reconnection attempts.
const RECONNECT_MAX_DELAY: Duration = Duration::from_secs(2);
/// The first delay before a failed sync of a channel is tried again (doubling on each
/// failure). Short: the usual failure is the command connection noticing, on the first
/// command after Redis came back, that its connection was lost; it reconnects at once.
const SYNC_RETRY_MIN_DELAY: Duration = Duration::from_millis(20);
/// The longest delay between attempts to sync a channel.
const SYNC_RETRY_MAX_DELAY: Duration = Duration::from_secs(2);

/// The transport's handle on its node; dropping it stops the node.
pub(super) struct NodeHandle {
    control: mpsc::UnboundedSender<Control>,
}

impl NodeHandle {
    /// Starts the node task on a connected link.
    pub(super) fn spawn(ctx: Arc<Context>, link: Link) -> NodeHandle {
        let (control, inbox) = mpsc::unbounded_channel();
        let node = Node {
            buffer_limit: ctx.settings.capacity.saturating_mul(4).max(4096),
            ctx,
            guards: control.clone(),
            inbox,
            channels: HashMap::new(),
            link: Some(link),
            epoch: 0,
            next_id: 0,
            reconnect_attempt: 0,
            tasks: FuturesUnordered::new(),
        };
        tokio::spawn(node.run());
        NodeHandle { control }
    }

    /// A live feed of `channel`, once Redis has confirmed the subscription.
    pub(super) async fn subscribe(
        &self,
        channel: &str,
        timeout: Duration,
    ) -> Result<LiveFeed, TransportError> {
        let (reply, feed) = oneshot::channel();
        self.control
            .send(Control::Subscribe {
                channel: channel.to_owned(),
                reply,
            })
            .map_err(|_| TransportError::Closed)?;
        match tokio::time::timeout(timeout, feed).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(TransportError::Closed),
            // The node hands the feed to nobody; dropping it releases the subscription.
            Err(_) => Err(backend(format!(
                "Redis did not confirm the subscription to `{channel}` within {timeout:?}"
            ))),
        }
    }
}

impl Drop for NodeHandle {
    fn drop(&mut self) {
        let _ = self.control.send(Control::Shutdown);
    }
}

/// What the node is asked to do.
enum Control {
    Subscribe {
        channel: String,
        reply: oneshot::Sender<Result<LiveFeed, TransportError>>,
    },
    /// A subscription of the channel's entry `entry` was dropped.
    Release {
        channel: String,
        entry: u64,
    },
    Shutdown,
}

/// What a task the node started ended with.
enum Event {
    Connected(Result<Link, TransportError>),
    Synced {
        channel: String,
        entry: u64,
        seq: u64,
        result: Result<Synced, TransportError>,
    },
    RetrySync {
        channel: String,
        entry: u64,
        seq: u64,
    },
    PingFailed {
        epoch: u64,
        reason: String,
    },
    Done,
}

/// What a sync of a channel read, once Redis confirmed its subscription.
enum Synced {
    /// A new channel: its newest id.
    Joined(Option<MessageId>),
    /// A channel live before: its history after `last_forwarded`.
    Recovered(History),
}

/// One step of the node's loop.
enum Step {
    Control(Control),
    Message(Option<Msg>),
    Event(Event),
    Keepalive,
}

struct Node {
    ctx: Arc<Context>,
    /// For the guards of the feeds the node hands out.
    guards: mpsc::UnboundedSender<Control>,
    inbox: mpsc::UnboundedReceiver<Control>,
    channels: HashMap<String, Channel>,
    /// The pub/sub connection, while up.
    link: Option<Link>,
    /// Counts the connections made, to ignore the pings of a previous one.
    epoch: u64,
    /// Source of channel entry ids and sync sequence numbers.
    next_id: u64,
    reconnect_attempt: u32,
    /// Messages a channel may buffer while it syncs before it syncs again instead.
    buffer_limit: usize,
    /// Connection attempts, syncs, pings and timers under way.
    tasks: FuturesUnordered<BoxFuture<'static, Event>>,
}

/// A channel with local subscribers.
struct Channel {
    /// Tells this channel apart from an earlier one of the same name, whose late
    /// releases and sync results must be ignored.
    entry: u64,
    sender: broadcast::Sender<FeedItem>,
    /// Subscriptions handed out and not dropped, plus waiters.
    refs: usize,
    /// Whether `last_forwarded` is known: the channel was synced once.
    joined: bool,
    /// The newest id forwarded (or known to precede anything to forward).
    last_forwarded: Option<MessageId>,
    /// The sync under way, if any: messages heard meanwhile wait in it.
    sync: Option<Sync>,
    /// Subscribers waiting for the sync.
    waiters: Vec<oneshot::Sender<Result<LiveFeed, TransportError>>>,
}

struct Sync {
    seq: u64,
    /// Messages heard since the sync started, to forward once it is done.
    buffered: Vec<(MessageId, Vec<u8>)>,
    /// Whether to buffer: not while waiting to retry, the retry reads everything anyway.
    buffering: bool,
    /// The buffer overflowed: sync again once this one is done.
    overflowed: bool,
    /// Failed attempts so far.
    failures: u32,
}

/// Held by each feed the node hands out; its drop releases the subscription.
struct ChannelGuard {
    control: mpsc::UnboundedSender<Control>,
    channel: String,
    entry: u64,
}

impl Drop for ChannelGuard {
    fn drop(&mut self) {
        let _ = self.control.send(Control::Release {
            channel: std::mem::take(&mut self.channel),
            entry: self.entry,
        });
    }
}

impl Channel {
    fn new(entry: u64, capacity: usize) -> Self {
        Channel {
            entry,
            sender: broadcast::channel(capacity).0,
            refs: 0,
            joined: false,
            last_forwarded: None,
            sync: None,
            waiters: Vec::new(),
        }
    }

    /// A feed for one more subscriber.
    fn feed(&self, name: &str, guards: &mpsc::UnboundedSender<Control>) -> LiveFeed {
        let guard = Arc::new(ChannelGuard {
            control: guards.clone(),
            channel: name.to_owned(),
            entry: self.entry,
        });
        LiveFeed::new(&self.sender, guard, self.last_forwarded)
    }

    /// Forwards a message heard live or buffered, unless not newer than the last one.
    fn forward(&mut self, name: &str, id: MessageId, json: &[u8]) {
        if self.last_forwarded.is_some_and(|last| id <= last) {
            return;
        }
        self.last_forwarded = Some(id);
        if let Some(delivery) = history::decode(name, id, json) {
            // An error means no receiver right now: nobody to deliver to.
            let _ = self.sender.send(Ok(Arc::new(delivery)));
        }
    }

    /// Forwards a message read from history, unless not newer than the last one.
    fn forward_delivery(&mut self, delivery: Arc<Delivery>) {
        let id = delivery.envelope().id;
        if self.last_forwarded.is_some_and(|last| id <= last) {
            return;
        }
        self.last_forwarded = Some(id);
        let _ = self.sender.send(Ok(delivery));
    }

    /// Fails the waiting subscribers, who no longer count.
    fn fail_waiters(&mut self, name: &str, reason: &dyn std::fmt::Display) {
        self.refs -= self.waiters.len();
        for waiter in self.waiters.drain(..) {
            let _ = waiter.send(Err(backend(format!(
                "could not subscribe to `{name}` on Redis: {reason}"
            ))));
        }
    }
}

impl Node {
    async fn run(mut self) {
        let mut keepalive = tokio::time::interval_at(Instant::now() + KEEPALIVE_INTERVAL, KEEPALIVE_INTERVAL);
        keepalive.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            let step = tokio::select! {
                control = self.inbox.recv() => match control {
                    Some(Control::Shutdown) | None => break,
                    Some(control) => Step::Control(control),
                },
                message = next_message(&mut self.link) => Step::Message(message),
                Some(event) = self.tasks.next(), if !self.tasks.is_empty() => Step::Event(event),
                _ = keepalive.tick(), if self.link.is_some() => Step::Keepalive,
            };
            match step {
                Step::Control(Control::Subscribe { channel, reply }) => self.on_subscribe(channel, reply),
                Step::Control(Control::Release { channel, entry }) => self.on_release(&channel, entry),
                Step::Control(Control::Shutdown) => break,
                Step::Message(Some(message)) => self.on_message(&message),
                Step::Message(None) => self.on_disconnected("the connection closed"),
                Step::Event(event) => self.on_event(event),
                Step::Keepalive => self.ping(),
            }
        }
        tracing::debug!(channels = self.channels.len(), "redis transport node stopped");
    }

    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn on_subscribe(&mut self, name: String, reply: oneshot::Sender<Result<LiveFeed, TransportError>>) {
        if self.link.is_none() {
            let _ = reply.send(Err(backend(
                "the pub/sub connection to Redis is down; reconnecting",
            )));
            return;
        }
        let entry = self.next_id();
        let capacity = self.ctx.settings.capacity;
        let channel = self
            .channels
            .entry(name.clone())
            .or_insert_with(|| Channel::new(entry, capacity));
        channel.refs += 1;
        if channel.joined && channel.sync.is_none() {
            // Unsent, the feed is dropped with the error, and its guard releases it.
            let _ = reply.send(Ok(channel.feed(&name, &self.guards)));
            return;
        }
        channel.waiters.push(reply);
        if channel.sync.is_none() {
            tracing::debug!(channel = %name, "subscribing");
            self.start_sync(&name);
        }
    }

    fn on_release(&mut self, name: &str, entry: u64) {
        let Some(channel) = self.channels.get_mut(name) else {
            return;
        };
        if channel.entry != entry {
            return;
        }
        channel.refs -= 1;
        if channel.refs == 0 {
            self.remove(name);
        }
    }

    /// Forgets a channel nobody subscribes to any more, and unsubscribes from it.
    fn remove(&mut self, name: &str) {
        self.channels.remove(name);
        if let Some(link) = &self.link {
            tracing::debug!(channel = %name, "unsubscribing");
            link.unsubscribe(self.ctx.settings.keys.pubsub(name));
        }
    }

    fn on_message(&mut self, message: &Msg) {
        let Some(name) = self.ctx.settings.keys.channel_of(message.get_channel_name()) else {
            return;
        };
        // A message for a channel just unsubscribed from.
        let Some(channel) = self.channels.get_mut(name) else {
            return;
        };
        let Some((id, json)) = split_frame(message.get_payload_bytes()) else {
            tracing::warn!(channel = %name, "skipping a pub/sub message that is not `<id>\\n<envelope>`");
            return;
        };
        match &mut channel.sync {
            None => channel.forward(name, id, json),
            Some(sync) if sync.buffering => {
                if sync.buffered.len() < self.buffer_limit {
                    sync.buffered.push((id, json.to_vec()));
                } else {
                    sync.buffered = Vec::new();
                    sync.buffering = false;
                    sync.overflowed = true;
                }
            }
            Some(_) => {}
        }
    }

    /// Subscribes a channel on the current connection and reads where it stands.
    fn start_sync(&mut self, name: &str) {
        let seq = self.next_id();
        let Some(link) = &self.link else { return };
        let Some(channel) = self.channels.get_mut(name) else {
            return;
        };
        let failures = channel.sync.as_ref().map_or(0, |sync| sync.failures);
        channel.sync = Some(Sync {
            seq,
            buffered: Vec::new(),
            buffering: true,
            overflowed: false,
            failures,
        });
        // Sent now, so the connection's commands keep the node's order.
        let confirmed = link.subscribe(self.ctx.settings.keys.pubsub(name));
        let after = channel
            .joined
            .then(|| channel.last_forwarded.unwrap_or(MessageId::ZERO));
        let entry = channel.entry;
        let ctx = self.ctx.clone();
        let name = name.to_owned();
        self.tasks.push(
            async move {
                let result = sync(&ctx, &name, confirmed, after).await;
                Event::Synced {
                    channel: name,
                    entry,
                    seq,
                    result,
                }
            }
            .boxed(),
        );
    }

    fn on_event(&mut self, event: Event) {
        match event {
            Event::Connected(result) => self.on_connected(result),
            Event::Synced {
                channel,
                entry,
                seq,
                result,
            } => self.on_synced(&channel, entry, seq, result),
            Event::RetrySync { channel, entry, seq } => {
                let due = self.channels.get(&channel).is_some_and(|ch| {
                    ch.entry == entry && ch.sync.as_ref().is_some_and(|sync| sync.seq == seq)
                });
                if due {
                    self.start_sync(&channel);
                }
            }
            Event::PingFailed { epoch, reason } => {
                if self.link.is_some() && epoch == self.epoch {
                    self.on_disconnected(&reason);
                }
            }
            Event::Done => {}
        }
    }

    fn on_synced(&mut self, name: &str, entry: u64, seq: u64, result: Result<Synced, TransportError>) {
        let Some(channel) = self.channels.get_mut(name) else {
            return;
        };
        if channel.entry != entry || channel.sync.as_ref().is_none_or(|sync| sync.seq != seq) {
            return;
        }
        let synced = match result {
            Ok(synced) => synced,
            Err(err) => {
                channel.fail_waiters(name, &err);
                if channel.refs == 0 {
                    tracing::warn!(channel = %name, error = %err, "could not subscribe to a channel on Redis");
                    self.remove(name);
                    return;
                }
                let sync = channel.sync.as_mut().expect("checked above");
                sync.buffered = Vec::new();
                sync.buffering = false;
                sync.failures += 1;
                let delay = SYNC_RETRY_MIN_DELAY
                    .saturating_mul(1 << (sync.failures - 1).min(16))
                    .min(SYNC_RETRY_MAX_DELAY);
                if sync.failures > 1 {
                    tracing::warn!(channel = %name, error = %err, ?delay, "could not resubscribe to a channel on Redis; retrying");
                } else {
                    tracing::debug!(channel = %name, error = %err, ?delay, "could not resubscribe to a channel on Redis; retrying");
                }
                let name = name.to_owned();
                self.tasks.push(
                    async move {
                        tokio::time::sleep(delay).await;
                        Event::RetrySync {
                            channel: name,
                            entry,
                            seq,
                        }
                    }
                    .boxed(),
                );
                return;
            }
        };
        let sync = channel.sync.take().expect("checked above");
        match synced {
            Synced::Joined(newest) => {
                channel.joined = true;
                channel.last_forwarded = newest;
                tracing::debug!(channel = %name, after = ?newest, "subscribed");
            }
            Synced::Recovered(history) => {
                if !history.complete {
                    tracing::warn!(
                        channel = %name,
                        last_forwarded = ?channel.last_forwarded,
                        "messages published while the Redis connection was down are no longer in history"
                    );
                    let _ = channel.sender.send(Err(ContinuityLost {
                        cause: GapCause::BackendInterrupted,
                        last_seen: channel.last_forwarded,
                        missed: None,
                    }));
                }
                let count = history.deliveries.len();
                for delivery in history.deliveries {
                    channel.forward_delivery(delivery);
                }
                tracing::debug!(channel = %name, recovered = count, complete = history.complete, "resubscribed");
            }
        }
        for waiter in std::mem::take(&mut channel.waiters) {
            let _ = waiter.send(Ok(channel.feed(name, &self.guards)));
        }
        for (id, json) in sync.buffered {
            channel.forward(name, id, &json);
        }
        if sync.overflowed {
            self.start_sync(name);
        }
    }

    fn on_disconnected(&mut self, reason: &str) {
        tracing::warn!(
            reason,
            channels = self.channels.len(),
            "lost the pub/sub connection to Redis; reconnecting"
        );
        self.link = None;
        for (name, channel) in &mut self.channels {
            channel.sync = None;
            channel.fail_waiters(name, &"the pub/sub connection was lost");
        }
        self.channels.retain(|_, channel| channel.refs > 0);
        self.reconnect_attempt = 0;
        self.connect_later();
    }

    /// Starts the next connection attempt, after the backoff delay.
    fn connect_later(&mut self) {
        let delay = match self.reconnect_attempt {
            0 => Duration::ZERO,
            n => RECONNECT_MIN_DELAY
                .saturating_mul(1 << (n - 1).min(16))
                .min(RECONNECT_MAX_DELAY),
        };
        let client = self.ctx.client.clone();
        let timeout = self.ctx.settings.command_timeout;
        self.tasks.push(
            async move {
                tokio::time::sleep(delay).await;
                Event::Connected(Link::connect(&client, timeout).await)
            }
            .boxed(),
        );
    }

    fn on_connected(&mut self, result: Result<Link, TransportError>) {
        match result {
            Ok(link) => {
                tracing::info!(
                    attempts = self.reconnect_attempt + 1,
                    channels = self.channels.len(),
                    "reconnected to Redis; resubscribing"
                );
                self.link = Some(link);
                self.epoch += 1;
                self.reconnect_attempt = 0;
                let names: Vec<String> = self.channels.keys().cloned().collect();
                for name in names {
                    self.start_sync(&name);
                }
            }
            Err(err) => {
                self.reconnect_attempt += 1;
                tracing::debug!(attempt = self.reconnect_attempt, error = %err, "could not reconnect to Redis");
                self.connect_later();
            }
        }
    }

    fn ping(&mut self) {
        let Some(link) = &self.link else { return };
        let pong = link.ping();
        let epoch = self.epoch;
        let timeout = self.ctx.settings.command_timeout;
        self.tasks.push(
            async move {
                let reason = match tokio::time::timeout(timeout, pong).await {
                    Ok(Ok(Ok(()))) => return Event::Done,
                    Ok(Ok(Err(err))) => format!("PING failed: {err}"),
                    Ok(Err(_)) => "the connection closed".to_owned(),
                    Err(_) => format!("no answer to PING within {timeout:?}"),
                };
                Event::PingFailed { epoch, reason }
            }
            .boxed(),
        );
    }
}

/// The next message of the connection, or `None` when it is lost; pending while down.
async fn next_message(link: &mut Option<Link>) -> Option<Msg> {
    match link {
        Some(link) => link.messages.next().await,
        None => std::future::pending().await,
    }
}

/// Waits for Redis to confirm a channel's subscription, then reads where it stands:
/// its newest id (`after` is `None`) or its history after `after`.
async fn sync(
    ctx: &Context,
    name: &str,
    confirmed: oneshot::Receiver<::redis::RedisResult<()>>,
    after: Option<MessageId>,
) -> Result<Synced, TransportError> {
    let timeout = ctx.settings.command_timeout;
    match tokio::time::timeout(timeout, confirmed).await {
        Ok(Ok(Ok(()))) => {}
        Ok(Ok(Err(err))) => return Err(backend(err)),
        Ok(Err(_)) => return Err(backend("the pub/sub connection closed")),
        Err(_) => {
            return Err(backend(format!(
                "no confirmation of SUBSCRIBE within {timeout:?}"
            )))
        }
    }
    match after {
        None => {
            let state = ctx.stream_state(name, None).await?;
            Ok(Synced::Joined(history::newest(state.as_ref())))
        }
        Some(after) => ctx.history(name, after).await.map(Synced::Recovered),
    }
}

/// Splits a pub/sub message, `<id>\n<envelope JSON>`.
fn split_frame(payload: &[u8]) -> Option<(MessageId, &[u8])> {
    let newline = payload.iter().position(|&b| b == b'\n')?;
    let id = std::str::from_utf8(&payload[..newline]).ok()?.parse().ok()?;
    Some((id, &payload[newline + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames() {
        assert_eq!(
            split_frame(b"17-2\n{\"a\":1}"),
            Some((MessageId::new(17, 2), &b"{\"a\":1}"[..]))
        );
        assert_eq!(split_frame(b"17-2"), None);
        assert_eq!(split_frame(b"x\n{}"), None);
    }
}
