//! The node's pub/sub connection: connecting it, and the task that sends it commands.
//!
//! The connection is split: its message stream is read by the node task; its commands
//! (`SUBSCRIBE`, `UNSUBSCRIBE`, `PING`) go through one task that sends them one at a
//! time, in the order the node asked for them. Order matters: an `UNSUBSCRIBE` of a
//! channel whose last subscriber left, followed by a `SUBSCRIBE` of the same channel for
//! a new one, must reach Redis in that order. One command at a time also keeps each reply
//! paired with its command (the `redis` crate pairs the replies of a split pub/sub
//! connection with its requests in order).

use std::time::Duration;

use ::redis::aio::{PubSubSink, PubSubStream};
use ::redis::{Client, RedisResult, Value};
use tokio::sync::{mpsc, oneshot};

use crate::TransportError;

use super::backend;

/// A command for the pub/sub connection.
enum Command {
    Subscribe {
        channel: String,
        confirmed: oneshot::Sender<RedisResult<()>>,
    },
    Unsubscribe {
        channel: String,
    },
    Ping {
        pong: oneshot::Sender<RedisResult<()>>,
    },
}

/// A live pub/sub connection. Dropping it closes the connection.
pub(super) struct Link {
    commands: mpsc::UnboundedSender<Command>,
    /// The messages of the subscribed channels; ends when the connection is lost.
    pub(super) messages: PubSubStream,
}

impl Link {
    /// Opens a pub/sub connection, giving up after `timeout`.
    pub(super) async fn connect(client: &Client, timeout: Duration) -> Result<Link, TransportError> {
        let pubsub = tokio::time::timeout(timeout, client.get_async_pubsub())
            .await
            .map_err(|_| backend(format!("connecting to Redis took longer than {timeout:?}")))?
            .map_err(backend)?;
        let (sink, messages) = pubsub.split();
        let (commands, queue) = mpsc::unbounded_channel();
        tokio::spawn(send_commands(sink, queue));
        Ok(Link { commands, messages })
    }

    /// Subscribes to a pub/sub channel: the receiver resolves once Redis has confirmed
    /// it (every message published after that reaches [`Link::messages`]), or fails with
    /// the connection.
    pub(super) fn subscribe(&self, channel: String) -> oneshot::Receiver<RedisResult<()>> {
        let (confirmed, receiver) = oneshot::channel();
        // If the command task is gone, the sender is dropped and the receiver fails.
        let _ = self.commands.send(Command::Subscribe { channel, confirmed });
        receiver
    }

    /// Unsubscribes from a pub/sub channel, without waiting.
    pub(super) fn unsubscribe(&self, channel: String) {
        let _ = self.commands.send(Command::Unsubscribe { channel });
    }

    /// Pings Redis through the connection: the receiver resolves with the answer.
    pub(super) fn ping(&self) -> oneshot::Receiver<RedisResult<()>> {
        let (pong, receiver) = oneshot::channel();
        let _ = self.commands.send(Command::Ping { pong });
        receiver
    }
}

/// Sends the queued commands one at a time, until the link is dropped.
async fn send_commands(mut sink: PubSubSink, mut queue: mpsc::UnboundedReceiver<Command>) {
    while let Some(command) = queue.recv().await {
        match command {
            Command::Subscribe { channel, confirmed } => {
                let result = sink.subscribe(&channel).await;
                tracing::trace!(channel, ok = result.is_ok(), "SUBSCRIBE");
                let _ = confirmed.send(result);
            }
            Command::Unsubscribe { channel } => {
                let result = sink.unsubscribe(&channel).await;
                tracing::trace!(channel, ok = result.is_ok(), "UNSUBSCRIBE");
            }
            Command::Ping { pong } => {
                let _ = pong.send(sink.ping::<Value>().await.map(|_| ()));
            }
        }
    }
}
