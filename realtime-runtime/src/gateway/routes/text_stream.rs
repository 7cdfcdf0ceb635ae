//! `text/stream` publishes: the request body, as it arrives, becomes a data stream of text
//! chunks on the topic (`datastream-start`, one `chunk` per piece of body, `datastream-end`).

use axum::body::Body;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures::StreamExt;
use realtime_core::TopicSpec;
use serde_json::{json, Value};

use crate::gateway::code::ErrorCode;
use crate::gateway::error::ApiError;
use crate::gateway::GatewayState;
use crate::{PublishError, PublishOptions, RawStreamWriter, StreamLimits};

/// Publishes `body` as a data stream of text chunks on `channel`'s `topic`.
///
/// Each piece of the body that arrives becomes one chunk (a JSON string; split further
/// when over the chunk limit; never splitting a UTF-8 character), validated against the
/// topic's schema when the channel is registered. The stream starts when the first chunk
/// is known to be valid, so a topic that cannot take text refuses the publish (400)
/// without a stream. Answers `200 {"stream_id", "chunks", "id"}` (`id`: the end's message
/// id) once the body is over. A body that breaks off or is not UTF-8, or a chunk the
/// limits or the schema refuse, aborts the stream (subscribers see why) and answers an
/// error.
pub(crate) async fn publish(
    state: &GatewayState,
    channel: &str,
    topic: &str,
    spec: Option<&'static TopicSpec>,
    options: PublishOptions,
    body: Body,
) -> Result<Response, ApiError> {
    let limits = StreamLimits::default();
    let mut stream = TextStream {
        state,
        channel,
        topic,
        spec,
        options,
        limits,
        writer: None,
    };
    let mut body = body.into_data_stream();
    let mut pending: Vec<u8> = Vec::new();
    while let Some(frame) = body.next().await {
        let bytes = match frame {
            Ok(bytes) => bytes,
            Err(err) => {
                let reason = format!("the request body broke off: {err}");
                return Err(stream
                    .fail(ApiError::of(ErrorCode::BodyInterrupted, reason))
                    .await);
            }
        };
        pending.extend_from_slice(&bytes);
        let (valid, invalid) = match std::str::from_utf8(&pending) {
            Ok(_) => (pending.len(), false),
            // An incomplete character at the end waits for the next piece.
            Err(err) => (err.valid_up_to(), err.error_len().is_some()),
        };
        let text: String = String::from_utf8(pending.drain(..valid).collect()).expect("checked UTF-8");
        for piece in split(&text, limits.max_chunk_bytes) {
            stream.write(piece).await?;
        }
        if invalid {
            return Err(stream.fail(not_utf8()).await);
        }
    }
    if !pending.is_empty() {
        return Err(stream.fail(not_utf8()).await);
    }
    stream.finish().await
}

fn not_utf8() -> ApiError {
    ApiError::of(
        ErrorCode::InvalidUtf8,
        "a `text/stream` body must be UTF-8; the stream was aborted where it is not",
    )
}

/// A stream being published from a request body; opened at its first chunk.
struct TextStream<'a> {
    state: &'a GatewayState,
    channel: &'a str,
    topic: &'a str,
    spec: Option<&'static TopicSpec>,
    options: PublishOptions,
    limits: StreamLimits,
    writer: Option<RawStreamWriter>,
}

impl TextStream<'_> {
    async fn open(&mut self) -> Result<&mut RawStreamWriter, ApiError> {
        if self.writer.is_none() {
            let writer = RawStreamWriter::open(
                &self.state.realtime,
                self.channel,
                self.topic,
                self.spec,
                self.options.clone(),
                self.limits,
            )
            .await
            .map_err(ApiError::from)?;
            self.writer = Some(writer);
        }
        Ok(self.writer.as_mut().expect("opened above"))
    }

    async fn write(&mut self, piece: String) -> Result<(), ApiError> {
        let data = Value::String(piece);
        if self.writer.is_none() {
            // Check the first chunk before the stream exists, so a topic that cannot
            // take text is refused without a stream.
            if let Some(spec) = self.spec {
                spec.check(&data)
                    .map_err(|err| ApiError::from(PublishError::from(err)))?;
            }
        }
        let written = self.open().await?.write(data).await;
        match written {
            Ok(_) => {
                self.state.metrics.published();
                Ok(())
            }
            Err(err) => {
                let api = ApiError::from(err);
                Err(self.fail(api).await)
            }
        }
    }

    async fn finish(mut self) -> Result<Response, ApiError> {
        self.open().await?;
        let writer = self.writer.take().expect("opened above");
        let (stream_id, chunks) = (writer.id().to_owned(), writer.chunks());
        let id = writer.finish().await.map_err(ApiError::from)?;
        let body = json!({ "stream_id": stream_id, "chunks": chunks, "id": id });
        Ok((StatusCode::OK, Json(body)).into_response())
    }

    /// Aborts the stream, if open, with `error`'s message, and gives `error` back.
    async fn fail(&mut self, error: ApiError) -> ApiError {
        if let Some(writer) = self.writer.take() {
            if let Err(err) = writer.abort(&error.message).await {
                tracing::warn!(%err, "could not abort a text stream");
            }
        }
        error
    }
}

/// `text` in pieces whose JSON encoding (as a string) fits in `limit` bytes, split only
/// between characters. Empty text gives no piece.
fn split(text: &str, limit: usize) -> Vec<String> {
    let budget = limit.saturating_sub(2).max(6);
    let mut pieces = Vec::new();
    let (mut start, mut size) = (0, 0);
    for (at, ch) in text.char_indices() {
        let cost = match ch {
            '"' | '\\' | '\n' | '\r' | '\t' | '\u{8}' | '\u{c}' => 2,
            c if (c as u32) < 0x20 => 6,
            c => c.len_utf8(),
        };
        if size + cost > budget && at > start {
            pieces.push(text[start..at].to_owned());
            (start, size) = (at, 0);
        }
        size += cost;
    }
    if start < text.len() {
        pieces.push(text[start..].to_owned());
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn pieces_fit_the_limit_as_json_and_keep_the_text() {
        let text = "héllo \"wörld\"\n\u{1}🙂".repeat(50);
        for limit in [8, 16, 64, 1024] {
            let pieces = split(&text, limit);
            assert_eq!(pieces.concat(), text);
            for piece in &pieces {
                let json = serde_json::to_string(piece).unwrap();
                assert!(json.len() <= limit.max(8), "{json} over {limit}");
            }
        }
        assert!(split("", 64).is_empty());
    }
}
