//! JSON and SSE views of a subscription: extra streams of the same messages.
//!
//! Each call makes a new view that sees only messages published after the call, with the
//! subscription's topics and validation; run lifecycle messages are included whatever
//! the topics, as in the subscription itself. Views end when the subscription is closed or
//! dropped.

use std::sync::Arc;

use bytes::Bytes;
use futures::stream::{self, BoxStream, Stream, StreamExt};
use realtime_core::Channel;
use serde_json::Value;

use crate::subscription::TopicFilter;
use crate::{Delivery, RecvError, Subscription};

impl<C: Channel> Subscription<C> {
    /// A view yielding each message as its envelope's JSON (see `realtime_core::Envelope`
    /// for the shape), or an error item.
    pub fn json_stream(&self) -> BoxStream<'static, Result<Value, RecvError>> {
        self.delivery_view()
            .map(|item| {
                item.map(|delivery| {
                    serde_json::to_value(delivery.envelope()).expect("an envelope always serializes")
                })
            })
            .boxed()
    }

    /// A view yielding Server-Sent Events, ready to write to an HTTP response:
    /// `id: <message id>\ndata: <envelope JSON>\n\n` per message, and
    /// `event: error\ndata: {"error": "..."}\n\n` per error item.
    pub fn sse_stream(&self) -> BoxStream<'static, Bytes> {
        self.delivery_view()
            .map(|item| match item {
                Ok(delivery) => delivery.sse_frame().clone(),
                Err(err) => {
                    let body = serde_json::json!({ "error": err.to_string() });
                    Bytes::from(format!("event: error\ndata: {body}\n\n"))
                }
            })
            .boxed()
    }

    fn delivery_view(&self) -> impl Stream<Item = Result<Arc<Delivery>, RecvError>> + Send + 'static {
        let Some((source, filter, closed)) = self.view_parts() else {
            return stream::empty().left_stream();
        };
        let filter: TopicFilter = filter;
        source
            .filter_map(move |item| {
                let out = match item {
                    Err(gap) => Some(Err(RecvError::ContinuityLost(gap))),
                    Ok(delivery) => filter
                        .select(&delivery)
                        .map(|selected| filter.check(&delivery, selected).map(|()| delivery)),
                };
                futures::future::ready(out)
            })
            .take_until(closed.cancelled_owned())
            .right_stream()
    }
}
