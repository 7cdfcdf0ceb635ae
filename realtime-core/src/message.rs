//! A received message with its typed data.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::{MessageId, MessageKind};

/// A message as a subscriber receives it: the envelope's metadata and the typed data.
///
/// `M` is the channel's generated message enum (`PipelineMessage`), with one variant per
/// topic, so a `match` on `data` covers every topic the channel has.
#[derive(Debug, Clone, PartialEq)]
pub struct Message<M> {
    /// The id, ordered within the channel.
    pub id: MessageId,
    /// The concrete channel name, shared by all the messages of a subscription.
    pub channel: Arc<str>,
    /// The topic's wire name.
    pub topic: &'static str,
    /// What the message is.
    pub kind: MessageKind,
    /// The run that published it, when known.
    pub run_id: Option<String>,
    /// The function that published it, when known.
    pub fn_id: Option<String>,
    /// When the publisher created it.
    pub created_at: DateTime<Utc>,
    /// The typed payload.
    pub data: M,
}
