//! The [`Channel`] trait, implemented by `#[channel]` for each declared channel.

use std::fmt::Debug;
use std::hash::Hash;

use serde_json::Value;

use crate::{ChannelNameError, DataStream, DecodeError, RunUpdate, TopicSpec};

/// A declared channel: a name pattern with parameters, and a fixed set of typed topics.
///
/// Implemented by the `#[channel(name = "...")]` attribute macro; implementing it by hand
/// is possible but rarely useful. A value of the type is one *concrete* channel, e.g.
/// `Pipeline { run_id: "abc123" }` whose [`name`](Channel::name) is `pipeline:abc123`.
///
/// ```
/// use realtime_core::Channel;
/// # fn show<C: Channel>(ch: &C) {
/// println!("{} matches {}", ch.name(), C::PATTERN);
/// for spec in C::topics() {
///     println!("topic {} (validated: {})", spec.name(), spec.validates());
/// }
/// # }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a realtime channel",
    label = "not declared with `#[channel]`",
    note = "declare it with `#[realtime::channel(name = \"...\")]` on a struct"
)]
pub trait Channel: Debug + Send + Sync + Sized + 'static {
    /// The generated fieldless enum naming each topic of the channel (`PipelineTopic`).
    type Topic: TopicKey<Channel = Self>;
    /// The generated enum of the channel's typed messages (`PipelineMessage`).
    type Message: Debug + Send + 'static;

    /// The name pattern as declared, e.g. `pipeline:<run_id>`.
    const PATTERN: &'static str;
    /// The names of the parameters, in the order they appear in the pattern.
    const PARAMS: &'static [&'static str];
    /// The Rust types of the parameters as written (`String`, `u64`), in the same order.
    const PARAM_TYPES: &'static [&'static str] = &[];
    /// The struct's doc comment.
    const DESCRIPTION: Option<&'static str> = None;

    /// Every topic of the channel, in declaration order.
    fn topics() -> &'static [TopicSpec];

    /// The concrete name of this channel, e.g. `pipeline:abc123`.
    fn name(&self) -> String;

    /// Parses a concrete name back into a channel value.
    ///
    /// Fails with [`ChannelNameError::NoMatch`] when the name does not fit the pattern and
    /// with [`ChannelNameError::InvalidParam`] when a parameter does not parse.
    fn from_name(name: &str) -> Result<Self, ChannelNameError>;

    /// Decodes the JSON data of a message on `topic` into the typed message enum.
    fn decode(topic: &str, data: &Value) -> Result<Self::Message, DecodeError>;

    /// The run lifecycle update `message` holds, if it is one (the generated enum's `Run`
    /// variant, decoded from the reserved [`RUN_TOPIC`](crate::RUN_TOPIC)).
    ///
    /// `#[channel]` implements it; the default, for channels implemented by hand, says none.
    fn run_update(message: &Self::Message) -> Option<&RunUpdate> {
        let _ = message;
        None
    }

    /// Wraps a data stream received on this channel into the message enum: the generated
    /// enum's `Stream` variant.
    ///
    /// A channel implemented by hand needs a variant of its message enum to hold one.
    fn stream_message(stream: DataStream<Self::Message>) -> Self::Message;

    /// The spec of the topic with this wire name, if the channel has one.
    fn topic(name: &str) -> Option<&'static TopicSpec> {
        Self::topics().iter().find(|spec| spec.name() == name)
    }
}

/// A key naming one topic of channel `C`: the generated `PipelineTopic` enum.
///
/// Used to choose which topics a subscription (or, later, a token) covers. A key of
/// another channel has another type, so it cannot be passed by mistake.
pub trait TopicKey: Copy + Debug + Eq + Hash + Send + Sync + 'static {
    /// The channel this key belongs to.
    type Channel: Channel;

    /// Every key, in declaration order.
    fn all() -> &'static [Self];

    /// The spec of the topic this key names.
    fn spec(self) -> &'static TopicSpec;

    /// The wire name of the topic.
    fn name(self) -> &'static str {
        self.spec().name()
    }
}
