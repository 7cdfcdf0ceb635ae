//! The gateway's typed extractors: the query string and the request headers its routes
//! read, each refused (when it can be) with the gateway's own [`ApiError`], as axum's
//! `customize-extractor-error` example does.
//!
//! A handler that must check credentials before it may tell a client what else is wrong
//! takes the fallible ones as `Result<Extractor, ApiError>` and applies `?` where the
//! refusal belongs, so the order of refusals is the handler's, not the extractors'.

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderName, HeaderValue};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::code::ErrorCode;
use super::error::ApiError;
use crate::publish::check_idempotency_key;

/// The request header making a publish idempotent.
const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");

/// The query string as `T`; refused with `400 malformed_query` when it does not read as
/// one (e.g. a parameter `T` takes given twice). Parameters `T` does not name are ignored.
pub(crate) struct Query<T>(pub(crate) T);

impl<T: DeserializeOwned, S: Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        serde_urlencoded::from_str(parts.uri.query().unwrap_or(""))
            .map(Query)
            .map_err(|e| {
                ApiError::of(
                    ErrorCode::MalformedQuery,
                    format!("the query string is malformed: {e}"),
                )
            })
    }
}

/// A non-empty query value.
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.is_empty())
}

/// `POST /v1/realtime/publish?channel=&topic=[&run_id=][&fn_id=]`.
#[derive(Debug, Deserialize)]
pub(crate) struct PublishParams {
    channel: Option<String>,
    topic: Option<String>,
    run_id: Option<String>,
    fn_id: Option<String>,
}

impl PublishParams {
    /// The channel to publish on, or `400 missing_channel`.
    pub(crate) fn channel(&self) -> Result<&str, ApiError> {
        given(&self.channel).ok_or_else(|| {
            ApiError::of(
                ErrorCode::MissingChannel,
                "the `channel` query parameter is required",
            )
        })
    }

    /// The topic to publish on, or `400 missing_topic`.
    pub(crate) fn topic(&self) -> Result<&str, ApiError> {
        given(&self.topic)
            .ok_or_else(|| ApiError::of(ErrorCode::MissingTopic, "the `topic` query parameter is required"))
    }

    /// The run the message belongs to, if named.
    pub(crate) fn run_id(&self) -> Option<String> {
        given(&self.run_id).map(str::to_owned)
    }

    /// The function the message comes from, if named.
    pub(crate) fn fn_id(&self) -> Option<String> {
        given(&self.fn_id).map(str::to_owned)
    }
}

/// `POST /v1/realtime/token[?publish=true][&sub=<subject>]`.
#[derive(Debug, Deserialize)]
pub(crate) struct TokenParams {
    publish: Option<String>,
    sub: Option<String>,
}

impl TokenParams {
    /// The subject the token is for (its `sub` claim), if given.
    pub(crate) fn subject(&self) -> Option<&str> {
        given(&self.sub)
    }

    /// Whether the token may publish too (`publish=true` or `publish=1`).
    pub(crate) fn publish(&self) -> bool {
        matches!(self.publish.as_deref(), Some("true" | "1"))
    }
}

/// `GET /v1/realtime/{connect,sse}?token=<jwt>[&since=<message id>]`.
#[derive(Debug, Deserialize)]
pub(crate) struct SubscribeParams {
    token: Option<String>,
    since: Option<String>,
}

impl SubscribeParams {
    /// The subscription token, if given in the query.
    pub(crate) fn token(&self) -> Option<&str> {
        given(&self.token)
    }

    /// The explicit resume point, if given (even empty: it then wins over the header).
    pub(crate) fn since(&self) -> Option<&str> {
        self.since.as_deref()
    }
}

/// The value of `Authorization: Bearer <value>`, if present and not empty.
pub(crate) struct Bearer(pub(crate) Option<String>);

impl<S: Sync> FromRequestParts<S> for Bearer {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|value| value.trim().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, rest)| rest.trim())
            .filter(|v| !v.is_empty())
            .map(str::to_owned);
        Ok(Bearer(bearer))
    }
}

/// The `Origin` header of a browser's request, if any.
pub(crate) struct Origin(pub(crate) Option<HeaderValue>);

impl<S: Sync> FromRequestParts<S> for Origin {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Origin(parts.headers.get(header::ORIGIN).cloned()))
    }
}

/// The `Last-Event-ID` header a reconnecting `EventSource` sends, as text; one that is not
/// text is `400 invalid_since`.
pub(crate) struct LastEventId(pub(crate) Option<String>);

impl<S: Sync> FromRequestParts<S> for LastEventId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        match parts.headers.get("last-event-id") {
            None => Ok(LastEventId(None)),
            Some(value) => value
                .to_str()
                .map(|text| LastEventId(Some(text.to_owned())))
                .map_err(|_| invalid_since("`Last-Event-ID`", "<not text>")),
        }
    }
}

/// `400 invalid_since` for a resume point `text` from `source` that is not a message id.
pub(crate) fn invalid_since(source: &str, text: &str) -> ApiError {
    ApiError::of(
        ErrorCode::InvalidSince,
        format!("{source} must be a message id `<milliseconds>-<sequence>`, not `{text}`"),
    )
}

/// The `Idempotency-Key` header, if there is one, checked: a key that is not 1 to 255
/// visible ASCII characters, or several such headers, is `400 invalid_idempotency_key`.
pub(crate) struct IdempotencyKey(pub(crate) Option<String>);

impl<S: Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let refuse = |reason: &str| {
            ApiError::of(
                ErrorCode::InvalidIdempotencyKey,
                format!("the `Idempotency-Key` header is invalid: {reason}"),
            )
        };
        let mut values = parts.headers.get_all(IDEMPOTENCY_KEY).iter();
        let Some(value) = values.next() else {
            return Ok(IdempotencyKey(None));
        };
        if values.next().is_some() {
            return Err(refuse("it is given more than once"));
        }
        let key = value
            .to_str()
            .map_err(|_| refuse("it holds a character outside visible ASCII (`!` to `~`)"))?;
        check_idempotency_key(key).map_err(ApiError::from)?;
        Ok(IdempotencyKey(Some(key.to_owned())))
    }
}

/// How a request body is to be read, from its headers.
pub(crate) struct BodyHeaders {
    /// The `Content-Length`, if declared.
    pub(crate) declared_length: Option<usize>,
    /// What the body holds.
    pub(crate) format: BodyFormat,
}

/// What a publish body holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyFormat {
    /// JSON (`400 malformed_json` otherwise).
    Json,
    /// JSON, or else a string sent raw: the reference JS SDK sends a string payload
    /// unquoted, and names itself in `x-inngest-sdk`.
    JsonOrText,
    /// `Content-Type: text/stream`: a data stream of text chunks.
    TextStream,
}

impl<S: Sync> FromRequestParts<S> for BodyHeaders {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        let headers = &parts.headers;
        let declared_length = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let is_stream = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("text/stream"));
        let format = if is_stream {
            BodyFormat::TextStream
        } else if headers.contains_key("x-inngest-sdk") {
            BodyFormat::JsonOrText
        } else {
            BodyFormat::Json
        };
        Ok(BodyHeaders {
            declared_length,
            format,
        })
    }
}

#[cfg(test)]
mod tests {
    use axum::http::Request;

    use super::*;

    fn parts(uri: &str, headers: &[(&str, &str)]) -> Parts {
        let mut request = Request::builder().uri(uri);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.body(()).unwrap().into_parts().0
    }

    async fn extract<T: FromRequestParts<()>>(
        uri: &str,
        headers: &[(&str, &str)],
    ) -> Result<T, T::Rejection> {
        T::from_request_parts(&mut parts(uri, headers), &()).await
    }

    #[tokio::test]
    async fn the_query_reads_as_its_type_and_a_repeated_parameter_is_malformed() {
        let Query(params) = extract::<Query<PublishParams>>("/p?channel=a&topic=&run_id=r&other=x", &[])
            .await
            .unwrap();
        assert_eq!(params.channel().unwrap(), "a");
        assert_eq!(params.topic().unwrap_err().code, ErrorCode::MissingTopic);
        assert_eq!((params.run_id(), params.fn_id()), (Some("r".to_owned()), None));

        let Err(error) = extract::<Query<PublishParams>>("/p?channel=a&channel=b", &[]).await else {
            panic!("a repeated parameter was taken")
        };
        assert_eq!(error.code, ErrorCode::MalformedQuery);
        assert!(error.message.contains("duplicate field `channel`"), "{error}");

        for (query, publish) in [
            ("", false),
            ("?publish=true", true),
            ("?publish=1", true),
            ("?publish=yes", false),
        ] {
            let Query(params) = extract::<Query<TokenParams>>(&format!("/t{query}"), &[])
                .await
                .unwrap();
            assert_eq!(params.publish(), publish, "{query}");
        }
    }

    #[tokio::test]
    async fn headers_read_as_their_types() {
        let bearer = |value| async move {
            extract::<Bearer>("/", &[("authorization", value)])
                .await
                .unwrap()
                .0
        };
        assert_eq!(bearer(" Bearer  abc ").await.as_deref(), Some("abc"));
        assert_eq!(bearer("bearer x").await.as_deref(), Some("x"));
        assert_eq!(bearer("Basic x").await, None);
        assert_eq!(bearer("Bearer ").await, None);

        let key = extract::<IdempotencyKey>("/", &[("idempotency-key", "k-1")]).await;
        assert_eq!(key.unwrap().0.as_deref(), Some("k-1"));
        let Err(twice) =
            extract::<IdempotencyKey>("/", &[("idempotency-key", "a"), ("idempotency-key", "b")]).await
        else {
            panic!("two keys were taken")
        };
        assert_eq!(twice.code, ErrorCode::InvalidIdempotencyKey);

        let body = extract::<BodyHeaders>("/", &[("content-type", " Text/Stream"), ("content-length", "12")])
            .await
            .unwrap();
        assert_eq!(
            (body.format, body.declared_length),
            (BodyFormat::TextStream, Some(12))
        );
        let body = extract::<BodyHeaders>("/", &[("x-inngest-sdk", "js:v3")])
            .await
            .unwrap();
        assert_eq!(
            (body.format, body.declared_length),
            (BodyFormat::JsonOrText, None)
        );
    }
}
