//! [`SubscriberState`]: what a UI shows of a subscription, folded from its stream.
//!
//! A subscription is a stream of items; a UI wants a state: is it connected, where is the
//! run, what is the latest message of each topic, what came lately. `SubscriberState`
//! folds items into that state. It is plain data, updated synchronously by
//! [`apply`](SubscriberState::apply) (in-process subscriptions),
//! [`apply_client`](SubscriberState::apply_client) (gateway clients) and their batch
//! forms, so a CLI or a TUI drives it from its own loop and draws from it between items.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::Arc;

use realtime_core::{Channel, Message, RunStatus, RunUpdate, TopicKey};

use crate::RecvError;

/// How many messages [`SubscriberState::messages`] keeps by default.
pub const DEFAULT_HISTORY_LIMIT: usize = 100;

/// The state of a subscription's connection, as a UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ConnectionStatus {
    /// Not subscribed yet.
    #[default]
    Idle,
    /// Subscribing, or reconnecting after the connection dropped.
    Connecting,
    /// Receiving.
    Open,
    /// The stream ended, or the subscription was closed.
    Closed,
    /// The subscription failed for good (e.g. a client gave up reconnecting), with why.
    Error(String),
}

/// A subscription folded into what a UI needs: connection status, run status, the latest
/// message per topic, the recent messages (capped by a history limit), the last batch.
///
/// Messages are kept behind `Arc`s, shared by the history, the latest-per-topic map and
/// the last batch, so payload types need not be `Clone`.
///
/// A loop that applies whatever is ready in one batch, then draws:
///
/// ```no_run
/// use futures::StreamExt;
/// use realtime_runtime::{ConnectionStatus, SubscriberState};
/// # async fn demo<C: realtime_core::Channel>(rt: realtime_runtime::Realtime, channel: C) -> Result<(), realtime_runtime::SubscribeError> {
/// # fn draw<C: realtime_core::Channel>(_: &SubscriberState<C>) {}
///
/// let mut state = SubscriberState::<C>::new().history_limit(50);
/// state.set_connection(ConnectionStatus::Connecting);
/// let mut batches = rt.subscribe(&channel).await?.ready_chunks(64);
/// state.set_connection(ConnectionStatus::Open);
/// draw(&state);
/// while let Some(batch) = batches.next().await {
///     state.apply_batch(batch);
///     draw(&state); // state.run_status(), state.latest(topic), state.last_batch(), ...
/// }
/// state.ended();
/// draw(&state);
/// # Ok(())
/// # }
/// ```
///
/// The README's "Run lifecycle and subscriber state" section has a complete example.
pub struct SubscriberState<C: Channel> {
    connection: ConnectionStatus,
    run: Option<RunUpdate>,
    run_id: Option<String>,
    latest: HashMap<&'static str, Arc<Message<C::Message>>>,
    messages: VecDeque<Arc<Message<C::Message>>>,
    history_limit: usize,
    last_batch: Vec<Arc<Message<C::Message>>>,
    last_error: Option<String>,
    received: u64,
}

impl<C: Channel> Default for SubscriberState<C> {
    fn default() -> Self {
        SubscriberState::new()
    }
}

impl<C: Channel> SubscriberState<C> {
    /// An idle state with the default history limit ([`DEFAULT_HISTORY_LIMIT`]).
    pub fn new() -> Self {
        SubscriberState {
            connection: ConnectionStatus::Idle,
            run: None,
            run_id: None,
            latest: HashMap::new(),
            messages: VecDeque::new(),
            history_limit: DEFAULT_HISTORY_LIMIT,
            last_batch: Vec::new(),
            last_error: None,
            received: 0,
        }
    }

    /// Keeps at most `limit` messages in [`messages`](Self::messages), dropping the oldest.
    /// The latest message per topic and the last batch are kept whatever the limit.
    #[must_use]
    pub fn history_limit(mut self, limit: usize) -> Self {
        self.history_limit = limit;
        self.trim();
        self
    }

    /// The connection status.
    pub fn connection(&self) -> &ConnectionStatus {
        &self.connection
    }

    /// Sets the connection status, e.g. `Connecting` before subscribing and `Open` once
    /// subscribed. Items set it too: a message means `Open`.
    pub fn set_connection(&mut self, status: ConnectionStatus) {
        self.connection = status;
    }

    /// The stream ended: `Closed`, unless it ended on an error ([`ConnectionStatus::Error`]
    /// is kept).
    pub fn ended(&mut self) {
        if !matches!(self.connection, ConnectionStatus::Error(_)) {
            self.connection = ConnectionStatus::Closed;
        }
    }

    /// The status of the run, from the latest run lifecycle message.
    pub fn run_status(&self) -> Option<RunStatus> {
        self.run.as_ref().map(|update| update.status)
    }

    /// The latest run lifecycle update, with the output or error it ended with.
    pub fn run(&self) -> Option<&RunUpdate> {
        self.run.as_ref()
    }

    /// The id of the run the latest run lifecycle update is about, if it said.
    pub fn run_id(&self) -> Option<&str> {
        self.run_id.as_deref()
    }

    /// The latest message of `topic`.
    pub fn latest(&self, topic: C::Topic) -> Option<&Message<C::Message>> {
        self.latest.get(topic.name()).map(|message| &**message)
    }

    /// The messages received, oldest first, at most the history limit: topic data and
    /// run lifecycle messages, in the order they arrived.
    pub fn messages(&self) -> impl DoubleEndedIterator<Item = &Message<C::Message>> + ExactSizeIterator + '_ {
        self.messages.iter().map(|message| &**message)
    }

    /// The messages of the most recent [`apply`](Self::apply) or
    /// [`apply_batch`](Self::apply_batch) (and client forms), oldest first: what is new
    /// since the UI last drew.
    pub fn last_batch(&self) -> &[Arc<Message<C::Message>>] {
        &self.last_batch
    }

    /// The latest error item's text (lost continuity, a message that failed its checks,
    /// a disconnection), if any. The stream went on after it unless the connection
    /// status is [`ConnectionStatus::Error`].
    pub fn last_error(&self) -> Option<&str> {
        self.last_error.as_deref()
    }

    /// How many messages were received in all, including those the history dropped.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Applies one item of a [`Subscription`](crate::Subscription): a batch of one.
    pub fn apply(&mut self, item: Result<Message<C::Message>, RecvError>) {
        self.apply_batch([item]);
    }

    /// Applies items of a [`Subscription`](crate::Subscription) as one batch (e.g. from
    /// `ready_chunks`): [`last_batch`](Self::last_batch) becomes their messages.
    ///
    /// A message sets the connection `Open`. Error items do not change it (the stream
    /// goes on after them) and are kept as [`last_error`](Self::last_error).
    pub fn apply_batch(&mut self, items: impl IntoIterator<Item = Result<Message<C::Message>, RecvError>>) {
        self.last_batch.clear();
        for item in items {
            match item {
                Ok(message) => self.receive(message),
                Err(error) => self.last_error = Some(error.to_string()),
            }
        }
    }

    /// Records one message.
    fn receive(&mut self, message: Message<C::Message>) {
        self.connection = ConnectionStatus::Open;
        self.received += 1;
        let message = Arc::new(message);
        match C::run_update(&message.data) {
            Some(update) => self.run_changed(update, message.run_id.as_deref()),
            None => {
                self.latest.insert(message.topic, message.clone());
            }
        }
        self.messages.push_back(message.clone());
        self.last_batch.push(message);
        self.trim();
    }

    /// Takes a run update, unless it would take a run that ended back to `started` (a
    /// late or repeated start of the same run).
    fn run_changed(&mut self, update: &RunUpdate, run_id: Option<&str>) {
        let same_run = run_id.is_none() || self.run_id.as_deref() == run_id;
        let ended = self.run_status().is_some_and(RunStatus::is_terminal);
        if same_run && ended && !update.status.is_terminal() {
            return;
        }
        self.run = Some(update.clone());
        if run_id.is_some() {
            self.run_id = run_id.map(str::to_owned);
        }
    }

    fn trim(&mut self) {
        while self.messages.len() > self.history_limit {
            self.messages.pop_front();
        }
    }
}

#[cfg(feature = "client")]
impl<C: Channel> SubscriberState<C> {
    /// Applies one item of a [`ClientSubscription`](crate::client::ClientSubscription): a
    /// batch of one.
    pub fn apply_client(&mut self, item: Result<Message<C::Message>, crate::client::ClientRecvError>) {
        self.apply_client_batch([item]);
    }

    /// Applies items of a [`ClientSubscription`](crate::client::ClientSubscription) as one
    /// batch.
    ///
    /// As [`apply_batch`](Self::apply_batch), and: `Disconnected` sets the connection
    /// `Connecting` (the client reconnects; the next message sets it `Open` again), and
    /// `GaveUp`, the last item, sets it `Error`.
    pub fn apply_client_batch(
        &mut self,
        items: impl IntoIterator<Item = Result<Message<C::Message>, crate::client::ClientRecvError>>,
    ) {
        use crate::client::ClientRecvError;
        self.last_batch.clear();
        for item in items {
            match item {
                Ok(message) => self.receive(message),
                Err(error) => {
                    match &error {
                        ClientRecvError::Disconnected { .. } => {
                            self.connection = ConnectionStatus::Connecting
                        }
                        ClientRecvError::GaveUp { .. } => {
                            self.connection = ConnectionStatus::Error(error.to_string())
                        }
                        _ => {}
                    }
                    self.last_error = Some(error.to_string());
                }
            }
        }
    }
}

impl<C: Channel> fmt::Debug for SubscriberState<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SubscriberState")
            .field("connection", &self.connection)
            .field("run", &self.run)
            .field("run_id", &self.run_id)
            .field("latest", &self.latest)
            .field("messages", &self.messages.len())
            .field("history_limit", &self.history_limit)
            .field("last_batch", &self.last_batch.len())
            .field("last_error", &self.last_error)
            .field("received", &self.received)
            .finish()
    }
}
