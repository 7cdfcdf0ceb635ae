//! [`RunScope`]: publishes a run's lifecycle (started, completed, failed, cancelled) on its
//! channel, so subscribers can show the run's status.

use std::fmt;
use std::marker::PhantomData;

use realtime_core::{Channel, MessageKind, Payload, RunStatus, RunUpdate, Topic, RUN_TOPIC};
use serde::Serialize;

use crate::{Publish, PublishError, PublishOptions, Published, Realtime};

/// The lifecycle of one run on one channel, from [`Realtime::run`].
///
/// Each call publishes a `run` kind message on the channel's reserved [`RUN_TOPIC`]
/// topic, tagged with the run id, whose data is a [`RunUpdate`]. Subscribers receive it
/// as the `Run` variant of the channel's message enum, whatever topics they chose.
///
/// Each status is published at most once per run: its idempotency key is
/// `<run id>:run:<status>`, so a retried job that goes through its lifecycle again does
/// not repeat it (the key is remembered as long as the handle's
/// [idempotency TTL](crate::RealtimeBuilder::idempotency_ttl)). The run id must therefore
/// be visible ASCII (`!` to `~`), at most 240 bytes; another is refused with
/// [`PublishError::InvalidIdempotencyKey`].
///
/// [`completed`](RunScope::completed), [`failed`](RunScope::failed) and
/// [`cancelled`](RunScope::cancelled) end the run: they consume the scope, so a second
/// terminal status does not compile.
///
/// ```no_run
/// # async fn demo<C: realtime_core::Channel>(rt: realtime_runtime::Realtime, job: C, log: realtime_core::Topic<C, String>) -> Result<(), realtime_runtime::PublishError> {
/// let run = rt.run(&job, "run-42").fn_id("transcode");
/// run.started().await?;
/// run.publish(log, "halfway".to_owned()).await?; // tagged with the run id
/// run.completed(serde_json::json!({"frames": 1200})).await?;
/// # Ok(())
/// # }
/// ```
///
/// The README's "Run lifecycle and subscriber state" section has a complete example.
#[must_use = "a run scope publishes nothing until its methods are awaited"]
pub struct RunScope<C: Channel> {
    realtime: Realtime,
    channel: String,
    run_id: String,
    fn_id: Option<String>,
    _channel: PhantomData<fn() -> C>,
}

impl Realtime {
    /// The lifecycle of run `run_id` on `channel`: publish its status with
    /// [`RunScope::started`], then one of [`RunScope::completed`], [`RunScope::failed`]
    /// or [`RunScope::cancelled`].
    pub fn run<C: Channel>(&self, channel: &C, run_id: impl Into<String>) -> RunScope<C> {
        RunScope {
            realtime: self.clone(),
            channel: channel.name(),
            run_id: run_id.into(),
            fn_id: None,
            _channel: PhantomData,
        }
    }
}

impl<C: Channel> RunScope<C> {
    /// Tags the run's messages with the function that runs.
    pub fn fn_id(mut self, fn_id: impl Into<String>) -> Self {
        self.fn_id = Some(fn_id.into());
        self
    }

    /// The concrete channel name.
    pub fn channel(&self) -> &str {
        &self.channel
    }

    /// The run id.
    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// Publishes `started`.
    pub async fn started(&self) -> Result<Published, PublishError> {
        self.send(RunUpdate::started()).await
    }

    /// Publishes `completed` with `output` (left out when it serializes to `null`, e.g. `()`).
    pub async fn completed(self, output: impl Serialize) -> Result<Published, PublishError> {
        let output = serde_json::to_value(output).map_err(PublishError::Serialize)?;
        self.send(RunUpdate::completed(output)).await
    }

    /// Publishes `failed` with `error`'s text.
    pub async fn failed(self, error: impl fmt::Display) -> Result<Published, PublishError> {
        self.send(RunUpdate::failed(error.to_string())).await
    }

    /// Publishes `cancelled`.
    pub async fn cancelled(self) -> Result<Published, PublishError> {
        self.send(RunUpdate::cancelled()).await
    }

    /// Publishes `data` to `topic`, tagged with this run's id (and function id, if set).
    pub fn publish<'a, T: Payload>(&'a self, topic: Topic<C, T>, data: T) -> Publish<'a, C, T> {
        let publish = self.realtime.publish(topic, data).run_id(self.run_id.clone());
        match &self.fn_id {
            Some(fn_id) => publish.fn_id(fn_id.clone()),
            None => publish,
        }
    }

    pub(crate) fn realtime(&self) -> &Realtime {
        &self.realtime
    }

    pub(crate) fn fn_id_ref(&self) -> Option<&str> {
        self.fn_id.as_deref()
    }

    /// The idempotency key of a status of this run: `<run id>:run:<status>`.
    fn key(&self, status: RunStatus) -> String {
        format!("{}:{RUN_TOPIC}:{status}", self.run_id)
    }

    async fn send(&self, update: RunUpdate) -> Result<Published, PublishError> {
        let options = PublishOptions {
            kind: MessageKind::Run,
            run_id: Some(self.run_id.clone()),
            fn_id: self.fn_id.clone(),
            idempotency_key: Some(self.key(update.status)),
            ..PublishOptions::default()
        };
        let data = serde_json::to_value(&update).map_err(PublishError::Serialize)?;
        self.realtime
            .publish_json_outcome(&self.channel, RUN_TOPIC, data, None, options)
            .await
    }
}

impl<C: Channel> fmt::Debug for RunScope<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunScope")
            .field("channel", &self.channel)
            .field("run_id", &self.run_id)
            .field("fn_id", &self.fn_id)
            .finish()
    }
}
