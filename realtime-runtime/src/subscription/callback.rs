//! The callback form of a subscription: a task that calls back per message and per error.

use futures::StreamExt;
use realtime_core::{Channel, Message};
use tokio::task::JoinHandle;

use crate::{RecvError, Subscription};

/// A running callback subscription. [`close`](Self::close) it, or drop it, to stop it.
#[derive(Debug)]
#[must_use = "dropping the handle stops the subscription"]
pub struct SubscriptionHandle {
    task: JoinHandle<()>,
}

impl SubscriptionHandle {
    /// Stops calling back and frees the subscription.
    pub fn close(self) {
        self.task.abort();
    }

    /// Whether the subscription has ended (its transport closed the channel).
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }
}

impl Drop for SubscriptionHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl<C: Channel> Subscription<C> {
    /// Turns the subscription into callbacks, run on a new tokio task: `on_message` for
    /// each message, `on_error` for each error item (the subscription goes on after it).
    ///
    /// Must be called within a tokio runtime.
    pub fn spawn_callbacks<M, E>(mut self, mut on_message: M, mut on_error: E) -> SubscriptionHandle
    where
        M: FnMut(Message<C::Message>) + Send + 'static,
        E: FnMut(RecvError) + Send + 'static,
    {
        let task = tokio::spawn(async move {
            while let Some(item) = self.next().await {
                match item {
                    Ok(message) => on_message(message),
                    Err(err) => on_error(err),
                }
            }
        });
        SubscriptionHandle { task }
    }
}
