//! The client: subscribe to a gateway over WebSocket or Server-Sent Events and get the same
//! typed stream of messages as an in-process subscription.
//!
//! ```no_run
//! use futures::StreamExt;
//! use realtime_core::{Channel, SigningKey, TopicKey};
//! use realtime_runtime::client::{Client, ClientTransport};
//! # async fn demo<C: Channel>(channel: C) -> Result<(), Box<dyn std::error::Error>> {
//!
//! let client = Client::new("http://127.0.0.1:8288")?;
//! // A service holding the signing key mints its own tokens through the gateway; an
//! // application would rather ask its own backend, in a closure.
//! let key = SigningKey::new(std::env::var("REALTIME_SIGNING_KEY")?);
//! let tokens = client.token_minter(key, &channel, C::Topic::all().iter().copied());
//!
//! let mut sub = client.subscribe(&channel, tokens).transport(ClientTransport::Sse).await?;
//! while let Some(message) = sub.next().await {
//!     println!("{:?}", message?.data);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Guarantees and limits:
//!
//! - **Same messages as in-process.** Each message is checked against its topic's schema
//!   (unless switched off) and decoded into the channel's message enum; topics not chosen
//!   are skipped. Order is the gateway's, which is publish order within the channel.
//! - **Errors are items.** Lost continuity, a problem the gateway reports, a message that fails
//!   validation or decoding, a lost connection: each is an error item
//!   ([`ClientRecvError`]) and the stream goes on.
//! - **Reconnection.** A lost connection is replaced after a wait ([`Backoff`]: exponential
//!   with full jitter), with a fresh token from the [`TokenSource`], since tokens are
//!   short-lived. A refused token during reconnection is reported and retried; on the
//!   first connection it fails the subscribe call ([`ClientError::Rejected`]).
//! - **Resumption.** Each reconnection asks for the messages after the last one received,
//!   or after the `position` the gateway confirmed when the subscription started if that
//!   is later ([`ClientSubscription::last_id`], sent as `?since=`): those published while
//!   disconnected arrive then, in order and once, while the gateway's history holds them;
//!   otherwise a [`ClientRecvError::ContinuityLost`] item says so.
//! - **No background task.** The connection is read when the stream is polled, and closed
//!   when the subscription is dropped.
//!
//! `https` base URLs need a TLS feature of `reqwest` and `tokio-tungstenite`, which this
//! crate does not enable: put the gateway behind plain HTTP on a trusted network, or
//! enable them in the application.

mod backoff;
mod error;
mod session;
mod sse;
pub(crate) mod sse_parser;
mod subscribe;
mod subscription;
mod token_source;
pub(crate) mod wire;
mod ws;

use realtime_core::{Channel, MessageId};
use reqwest::Url;

pub use backoff::Backoff;
pub use error::{BoxError, ClientError, ClientRecvError};
pub use subscribe::{ClientSubscribeBuilder, ClientTransport, DEFAULT_CONNECT_TIMEOUT, DEFAULT_IDLE_TIMEOUT};
pub use subscription::ClientSubscription;
pub use token_source::{TokenMinter, TokenSource};

/// A gateway's address and an HTTP connection pool. Cheap to clone.
///
/// ```
/// use realtime_runtime::client::{Client, ClientError};
///
/// let client = Client::new("http://127.0.0.1:8288").unwrap();
/// assert_eq!(client.base_url(), "http://127.0.0.1:8288/");
/// assert!(matches!(Client::new("ftp://example.com"), Err(ClientError::InvalidUrl { .. })));
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    base: Url,
    http: reqwest::Client,
}

impl Client {
    /// A client of the gateway at `base_url` (`http://host:port`, optionally with a path
    /// prefix under which the gateway's routes are mounted).
    pub fn new(base_url: &str) -> Result<Self, ClientError> {
        Self::with_http_client(base_url, reqwest::Client::new())
    }

    /// A client that makes its HTTP requests (SSE, tokens) with `http`, e.g. one with
    /// proxy or TLS settings. WebSockets do not go through it.
    pub fn with_http_client(base_url: &str, http: reqwest::Client) -> Result<Self, ClientError> {
        let invalid = |reason: &str| ClientError::InvalidUrl {
            url: base_url.to_owned(),
            reason: reason.to_owned(),
        };
        let mut base = Url::parse(base_url).map_err(|e| invalid(&e.to_string()))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(invalid("the scheme must be `http` or `https`"));
        }
        if base.cannot_be_a_base() || base.host().is_none() {
            return Err(invalid("the URL must name a host"));
        }
        base.set_query(None);
        base.set_fragment(None);
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        Ok(Client { base, http })
    }

    /// The base URL, always ending with `/`.
    pub fn base_url(&self) -> &str {
        self.base.as_str()
    }

    /// Opens a typed subscription to `channel` with tokens from `tokens`. Choose the
    /// transport, topics and reconnection policy on the returned builder, then await it.
    ///
    /// The token source is asked for a token before the first connection and before every
    /// reconnection. The tokens must grant `channel` and the chosen topics.
    pub fn subscribe<C: Channel>(&self, channel: &C, tokens: impl TokenSource) -> ClientSubscribeBuilder<C> {
        ClientSubscribeBuilder::new(self.clone(), channel.name(), Box::new(tokens))
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The URL of a route, `path` being relative (`v1/realtime/sse`).
    pub(crate) fn endpoint(&self, path: &str) -> Url {
        self.base
            .join(path)
            .expect("a relative path joins onto an http base URL")
    }

    /// The URL of a subscribe route with `?token=`.
    pub(crate) fn endpoint_with_token(&self, path: &str, token: &str, since: Option<MessageId>) -> Url {
        let mut url = self.endpoint(path);
        url.query_pairs_mut().append_pair("token", token);
        if let Some(since) = since {
            url.query_pairs_mut().append_pair("since", &since.to_string());
        }
        url
    }

    /// As [`endpoint_with_token`](Self::endpoint_with_token), with the `ws` or `wss` scheme.
    pub(crate) fn ws_endpoint(&self, path: &str, token: &str, since: Option<MessageId>) -> Url {
        let mut url = self.endpoint_with_token(path, token, since);
        let scheme = if url.scheme() == "https" { "wss" } else { "ws" };
        url.set_scheme(scheme)
            .expect("http and ws schemes are interchangeable");
        url
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_keep_a_path_prefix_and_switch_schemes() {
        let client = Client::new("https://example.com/realtime?x=1").unwrap();
        assert_eq!(client.base_url(), "https://example.com/realtime/");
        assert_eq!(
            client
                .endpoint_with_token("v1/realtime/sse", "a.b.c", None)
                .as_str(),
            "https://example.com/realtime/v1/realtime/sse?token=a.b.c"
        );
        assert_eq!(
            client.ws_endpoint("v1/realtime/connect", "a.b.c", None).as_str(),
            "wss://example.com/realtime/v1/realtime/connect?token=a.b.c"
        );
        let plain = Client::new("http://127.0.0.1:8288").unwrap();
        assert_eq!(
            plain.ws_endpoint("v1/realtime/connect", "t", None).as_str(),
            "ws://127.0.0.1:8288/v1/realtime/connect?token=t"
        );
        assert_eq!(
            plain
                .ws_endpoint("v1/realtime/connect", "t", Some(MessageId::new(17, 2)))
                .as_str(),
            "ws://127.0.0.1:8288/v1/realtime/connect?token=t&since=17-2"
        );
    }

    #[test]
    fn refuses_unusable_base_urls() {
        for bad in [
            "not a url",
            "ws://127.0.0.1:8288",
            "mailto:someone@example.com",
            "file:///tmp",
        ] {
            assert!(
                matches!(Client::new(bad), Err(ClientError::InvalidUrl { .. })),
                "{bad} accepted"
            );
        }
    }
}
