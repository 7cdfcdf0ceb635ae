//! The `position` notice: where a channel stands for a subscriber when its subscription is
//! confirmed, so that a subscriber that drops before its first message knows what to resume
//! after.
//!
//! Each channel of a connection is read through a [`ChannelFeed`]: its transport stream,
//! preceded by a position when the subscription is confirmed (at connect, and after each
//! accepted `sub` frame). The position is the stream's own seam
//! ([`TransportStream::position`]): the `since` id when resuming, else the channel's newest
//! id when the subscription was made (`0-0` if it had none). Resuming with `?since=` that id
//! gives exactly the messages this connection had not sent yet.
//!
//! On WebSocket the notice is `{"kind":"position","channel":C,"data":{"id":"<id>"}}`; on SSE
//! it is `event: position` with an `id: <id>` line and the same JSON as data, so a browser's
//! `EventSource` resumes from it by itself.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Bytes;
use futures::Stream;
use realtime_core::MessageId;
use serde_json::{json, Value};

use crate::{ContinuityLost, Delivery, TransportStream};

/// What one channel of a connection yields: its position, then its messages and gaps.
pub(crate) enum ChannelItem {
    /// The subscription was confirmed: resume after this id.
    Position(MessageId),
    /// A message, or a gap, from the transport.
    Message(Result<Arc<Delivery>, ContinuityLost>),
}

/// One channel's transport stream, with its position announced before anything else.
pub(crate) struct ChannelFeed {
    stream: TransportStream,
    announce: bool,
}

impl ChannelFeed {
    /// A feed that announces the stream's position first.
    pub(crate) fn new(stream: TransportStream) -> Self {
        ChannelFeed {
            stream,
            announce: true,
        }
    }

    /// Announces the position again (a `sub` frame confirmed a channel already subscribed):
    /// the newest id this connection has been given, before anything it has not.
    pub(crate) fn announce(&mut self) {
        self.announce = true;
    }
}

impl Stream for ChannelFeed {
    type Item = ChannelItem;

    #[inline]
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<ChannelItem>> {
        let this = &mut *self;
        if this.announce {
            this.announce = false;
            return Poll::Ready(Some(ChannelItem::Position(this.stream.position())));
        }
        Pin::new(&mut this.stream)
            .poll_next(cx)
            .map(|item| item.map(ChannelItem::Message))
    }
}

/// The WebSocket notice: `{"kind":"position","channel":C,"data":{"id":"<id>"}}`.
pub(crate) fn notice(channel: &str, id: MessageId) -> Value {
    json!({ "kind": "position", "channel": channel, "data": { "id": id } })
}

/// The SSE event: `event: position`, `id: <id>`, and the notice as data.
pub(crate) fn sse_event(channel: &str, id: MessageId) -> Bytes {
    Bytes::from(format!(
        "event: position\nid: {id}\ndata: {}\n\n",
        notice(channel, id)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notice_and_the_sse_event() {
        let id = MessageId::new(17, 2);
        assert_eq!(
            notice("chat:1", id).to_string(),
            r#"{"channel":"chat:1","data":{"id":"17-2"},"kind":"position"}"#
        );
        assert_eq!(
            sse_event("chat:1", id),
            Bytes::from_static(
                b"event: position\nid: 17-2\ndata: {\"channel\":\"chat:1\",\"data\":{\"id\":\"17-2\"},\"kind\":\"position\"}\n\n"
            )
        );
    }
}
