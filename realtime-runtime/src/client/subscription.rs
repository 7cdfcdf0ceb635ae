//! [`ClientSubscription`]: a typed stream of one channel's messages, received over the
//! network.
//!
//! It yields the same [`Message`]s as an in-process [`Subscription`](crate::Subscription),
//! in the order the gateway sends them, with the same checks: messages of topics not
//! chosen are skipped, data is validated against the topic's schema (unless switched off)
//! and decoded into the channel's message enum, and a message that fails either is an
//! error item. Run lifecycle messages arrive whatever the topics chosen, as the `Run`
//! variant, unvalidated, as in-process. Notices from the gateway are error items too:
//! lost continuity, a problem with a message. The stream goes on after each of them.
//!
//! When the connection drops, the stream yields [`ClientRecvError::Disconnected`] and
//! reconnects with a fresh token (see [`TokenSource`](super::TokenSource)), resuming after
//! the last message received, or the position the gateway confirmed if that is later (so a
//! drop before the first message loses nothing): messages published while it was down arrive then, in order
//! and once, while the gateway's history holds them
//! ([`ClientRecvError::ContinuityLost`] otherwise). It ends only after
//! [`ClientRecvError::GaveUp`], when a cap on reconnection attempts is set and reached, or
//! when it is closed.
//!
//! The connection is read only while the stream is polled; a subscription left unpolled
//! for long may be dropped by the gateway, and is then reconnected on the next poll.

use std::fmt;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use futures::stream::BoxStream;
use futures::Stream;
use realtime_core::{Channel, DataStream, Envelope, Message, MessageId, TopicKey, TopicSpec, RUN_TOPIC};

use super::session::{Session, SessionStatus};
use super::wire::Frame;
use super::{ClientRecvError, ClientTransport};
use crate::datastream::fold::{Fold, Source, Step};
use crate::datastream::stream_step;

/// A typed stream of messages from the gateway:
/// `Stream<Item = Result<Message<C::Message>, ClientRecvError>>`.
///
/// ```no_run
/// use futures::StreamExt;
/// use realtime_runtime::client::{BoxError, Client, ClientRecvError};
/// # async fn demo<C: realtime_core::Channel>(channel: C) -> Result<(), Box<dyn std::error::Error>> {
///
/// let client = Client::new("http://127.0.0.1:8288")?;
/// let tokens = || async { Ok::<_, BoxError>(fetch_token_from_my_backend().await?) };
/// let mut sub = client.subscribe(&channel, tokens).await?;
/// while let Some(item) = sub.next().await {
///     match item {
///         Ok(message) => println!("{} #{}: {:?}", message.topic, message.id, message.data),
///         Err(ClientRecvError::Disconnected { attempt, error }) => {
///             eprintln!("connection lost ({error}), reconnecting (attempt {attempt})")
///         }
///         Err(other) => eprintln!("{other}"),
///     }
/// }
/// # Ok(())
/// # }
/// # async fn fetch_token_from_my_backend() -> Result<String, BoxError> { todo!() }
/// ```
pub struct ClientSubscription<C: Channel> {
    channel: Arc<str>,
    topics: Vec<&'static TopicSpec>,
    validate: bool,
    transport: ClientTransport,
    status: Arc<SessionStatus>,
    fold: Option<Fold<Frames<C>>>,
}

/// What a client subscription reads: the session's frames, filtered and decoded.
struct Frames<C: Channel> {
    channel: Arc<str>,
    topics: Vec<&'static TopicSpec>,
    validate: bool,
    frames: BoxStream<'static, Result<Frame, ClientRecvError>>,
    _channel: PhantomData<fn() -> C>,
}

impl<C: Channel> ClientSubscription<C> {
    pub(crate) fn new(
        channel: String,
        topics: Vec<C::Topic>,
        validate: bool,
        transport: ClientTransport,
        session: Session,
    ) -> Self {
        let channel: Arc<str> = channel.into();
        let topics: Vec<&'static TopicSpec> = topics.into_iter().map(TopicKey::spec).collect();
        let status = session.status();
        let frames = Frames {
            channel: channel.clone(),
            topics: topics.clone(),
            validate,
            frames: session.into_stream(),
            _channel: PhantomData,
        };
        ClientSubscription {
            channel,
            topics,
            validate,
            transport,
            status,
            fold: Some(Fold::new(frames, Some(crate::DEFAULT_STREAM_IDLE_TIMEOUT))),
        }
    }

    /// The concrete channel name.
    pub fn channel(&self) -> &str {
        &self.channel
    }

    /// The wire names of the topics this subscription takes.
    pub fn topics(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.topics.iter().map(|spec| spec.name())
    }

    /// The transport in use.
    pub fn transport(&self) -> ClientTransport {
        self.transport
    }

    /// Whether a connection is open now. It is `false` between a
    /// [`Disconnected`](ClientRecvError::Disconnected) item and the next successful
    /// reconnection.
    pub fn is_connected(&self) -> bool {
        self.fold.is_some() && self.status.is_connected()
    }

    /// How many connections were opened: 1 once subscribed, one more per reconnection.
    pub fn connections(&self) -> u64 {
        self.status.connections()
    }

    /// The id of the last message received from the gateway (before topic filtering and
    /// validation) or of the last `position` it confirmed, whichever is later, if any:
    /// reconnections resume after it.
    pub fn last_id(&self) -> Option<MessageId> {
        self.status.last_id()
    }

    /// Whether [`close`](Self::close) was called or the stream ended.
    pub fn is_closed(&self) -> bool {
        self.fold.is_none()
    }

    /// Closes the subscription: the connection is dropped and the stream ends.
    pub fn close(&mut self) {
        self.fold = None;
        self.status.set_disconnected();
    }
}

impl<C: Channel> Frames<C> {
    fn topics(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.topics.iter().map(|spec| spec.name())
    }

    /// The spec of the envelope's topic if this subscription takes it; `Some(None)` for a
    /// run lifecycle message, taken whatever the topics.
    fn select(&self, envelope: &Envelope) -> Option<Option<&'static TopicSpec>> {
        if *envelope.channel != *self.channel {
            return None;
        }
        if envelope.is_run() {
            return Some(None);
        }
        self.topics
            .iter()
            .copied()
            .find(|spec| spec.name() == envelope.topic)
            .map(Some)
    }

    fn decode(
        &self,
        envelope: Envelope,
        spec: Option<&'static TopicSpec>,
    ) -> Result<Message<C::Message>, ClientRecvError> {
        let topic = match spec {
            Some(spec) => {
                if self.validate {
                    spec.check(&envelope.data)?;
                }
                spec.name()
            }
            None => RUN_TOPIC,
        };
        let data = C::decode(topic, &envelope.data)?;
        Ok(Message {
            id: envelope.id,
            channel: self.channel.clone(),
            topic,
            kind: envelope.kind,
            run_id: envelope.run_id,
            fn_id: envelope.fn_id,
            created_at: envelope.created_at,
            data,
        })
    }

    /// What a frame becomes: a step, or nothing when it is not for this subscription.
    fn step(&self, frame: Frame) -> Option<Step<C::Message, ClientRecvError>> {
        let item = match frame {
            Frame::Envelope(envelope) => {
                let spec = self.select(&envelope)?;
                return Some(match spec {
                    Some(spec) if envelope.is_stream() => {
                        match stream_step::<C>(&self.channel, &envelope, spec, self.validate) {
                            Ok(step) => Step::Stream(Box::new(step)),
                            Err(reason) => Step::Item(Err(ClientRecvError::Malformed {
                                reason: reason.to_owned(),
                            })),
                        }
                    }
                    _ => Step::Item(self.decode(envelope, spec)),
                });
            }
            Frame::ContinuityLost(gap) => {
                return Some(Step::Break(
                    ClientRecvError::ContinuityLost(gap),
                    "messages of the channel were lost",
                ))
            }
            Frame::Server {
                topic: Some(topic), ..
            } if !self.topics().any(|t| t == topic) => None,
            Frame::Server {
                code,
                message,
                topic,
                id,
            } => Some(Err(ClientRecvError::Server {
                code,
                message,
                topic,
                id,
            })),
            Frame::Malformed { reason } => Some(Err(ClientRecvError::Malformed { reason })),
            // The session handles `closing`, `session_expiring` and `position` itself and
            // never passes on ignored frames.
            Frame::Closing { .. } | Frame::SessionExpiring | Frame::Position { .. } | Frame::Ignored => None,
        };
        item.map(Step::Item)
    }
}

impl<C: Channel> Source for Frames<C> {
    type Message = C::Message;
    type Error = ClientRecvError;
    type Item = Result<Message<C::Message>, ClientRecvError>;

    fn poll_step(&mut self, cx: &mut Context<'_>) -> Poll<Option<Step<C::Message, ClientRecvError>>> {
        loop {
            match ready!(self.frames.as_mut().poll_next(cx)) {
                None => return Poll::Ready(None),
                Some(Err(error)) => return Poll::Ready(Some(Step::Item(Err(error)))),
                Some(Ok(frame)) => {
                    if let Some(step) = self.step(frame) {
                        return Poll::Ready(Some(step));
                    }
                }
            }
        }
    }

    fn item(item: Self::Item) -> Self::Item {
        item
    }

    fn wrap(stream: DataStream<C::Message>) -> C::Message {
        C::stream_message(stream)
    }
}

impl<C: Channel> Stream for ClientSubscription<C> {
    type Item = Result<Message<C::Message>, ClientRecvError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let Some(fold) = self.fold.as_mut() else {
            return Poll::Ready(None);
        };
        match ready!(Pin::new(fold).poll_next(cx)) {
            None => {
                self.close();
                Poll::Ready(None)
            }
            item => Poll::Ready(item),
        }
    }
}

impl<C: Channel> fmt::Debug for ClientSubscription<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSubscription")
            .field("channel", &self.channel)
            .field("topics", &self.topics().collect::<Vec<_>>())
            .field("transport", &self.transport)
            .field("validate", &self.validate)
            .field("connected", &self.is_connected())
            .field("last_id", &self.last_id())
            .finish()
    }
}
