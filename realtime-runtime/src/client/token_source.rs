//! [`TokenSource`]: where a subscription gets a token, for its first connection and for
//! every reconnection; and minting tokens through the gateway's token route.
//!
//! Tokens are short-lived (a minute by default), so a subscription never reuses one: it
//! asks its source again before each connection attempt. The source is typically a call
//! to the application's own backend, which checks the user and mints a token with the
//! signing key. A trusted service that holds the key can mint through the gateway
//! instead: [`Client::mint_token`] once, or a [`TokenMinter`] as the source.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use futures::future::BoxFuture;
use futures::FutureExt;
use realtime_core::{Channel, SigningKey, TopicKey};
use reqwest::header::AUTHORIZATION;
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};

use super::{wire, BoxError, Client, ClientError};

/// Gives a fresh subscription token (a JWT) each time it is asked.
///
/// Implemented for every `Fn() -> impl Future<Output = Result<String, BoxError>>` that is
/// `Send + Sync + 'static`, so an async closure is a token source:
///
/// ```
/// use realtime_runtime::client::{BoxError, TokenSource};
///
/// let source = || async {
///     // e.g. ask the application's backend over HTTP
///     Ok::<_, BoxError>("eyJhbGciOiJIUzI1NiJ9.e30.c2ln".to_owned())
/// };
/// # fn is_source(_: &impl TokenSource) {}
/// is_source(&source);
/// ```
pub trait TokenSource: Send + Sync + 'static {
    /// A fresh token.
    fn token(&self) -> BoxFuture<'static, Result<String, BoxError>>;
}

impl<F, Fut> TokenSource for F
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<String, BoxError>> + Send + 'static,
{
    fn token(&self) -> BoxFuture<'static, Result<String, BoxError>> {
        self().boxed()
    }
}

/// A [`TokenSource`] that mints each token through the gateway's token route with the
/// signing key. Made by [`Client::token_minter`].
#[derive(Clone)]
pub struct TokenMinter {
    inner: Arc<MinterInner>,
}

struct MinterInner {
    client: Client,
    key: SigningKey,
    channel: String,
    topics: Vec<&'static str>,
}

impl TokenMinter {
    /// A fresh token.
    pub async fn mint(&self) -> Result<String, ClientError> {
        let MinterInner {
            client,
            key,
            channel,
            topics,
        } = &*self.inner;
        client.mint_names(key, channel, topics).await
    }
}

impl TokenSource for TokenMinter {
    fn token(&self) -> BoxFuture<'static, Result<String, BoxError>> {
        let minter = self.clone();
        async move { Ok(minter.mint().await?) }.boxed()
    }
}

impl fmt::Debug for TokenMinter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenMinter")
            .field("gateway", &self.inner.client.base_url())
            .field("channel", &self.inner.channel)
            .field("topics", &self.inner.topics)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Mints a subscription token for `channel` and `topics` through the gateway's token
    /// route (`POST /v1/realtime/token`), authenticated with the signing key. For services
    /// and tests that hold the key; a browser gets its tokens from its application.
    ///
    /// ```no_run
    /// # async fn demo<C: realtime_core::Channel>(channel: C) -> Result<(), realtime_runtime::client::ClientError> {
    /// use realtime_core::{SigningKey, TopicKey};
    /// use realtime_runtime::client::Client;
    ///
    /// let client = Client::new("http://127.0.0.1:8288")?;
    /// let key = SigningKey::new("signkey-prod-12345678");
    /// let jwt = client.mint_token(&key, &channel, C::Topic::all().iter().copied()).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn mint_token<C: Channel>(
        &self,
        key: &SigningKey,
        channel: &C,
        topics: impl IntoIterator<Item = C::Topic>,
    ) -> Result<String, ClientError> {
        let topics: Vec<&'static str> = topics.into_iter().map(TopicKey::name).collect();
        self.mint_names(key, &channel.name(), &topics).await
    }

    /// A [`TokenSource`] minting a token for `channel` and `topics` through the gateway each
    /// time it is asked, as [`mint_token`](Self::mint_token) does.
    ///
    /// ```no_run
    /// # async fn demo<C: realtime_core::Channel>(channel: C) -> Result<(), realtime_runtime::client::ClientError> {
    /// use realtime_core::{SigningKey, TopicKey};
    /// use realtime_runtime::client::Client;
    ///
    /// let client = Client::new("http://127.0.0.1:8288")?;
    /// let key = SigningKey::new("signkey-prod-12345678");
    /// let tokens = client.token_minter(key, &channel, C::Topic::all().iter().copied());
    /// let sub = client.subscribe(&channel, tokens).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn token_minter<C: Channel>(
        &self,
        key: SigningKey,
        channel: &C,
        topics: impl IntoIterator<Item = C::Topic>,
    ) -> TokenMinter {
        TokenMinter {
            inner: Arc::new(MinterInner {
                client: self.clone(),
                key,
                channel: channel.name(),
                topics: topics.into_iter().map(TopicKey::name).collect(),
            }),
        }
    }

    /// `POST /v1/realtime/token` with `[{"channel", "name", "kind": "run"}]`; `201 {"jwt"}`.
    async fn mint_names(
        &self,
        key: &SigningKey,
        channel: &str,
        topics: &[&'static str],
    ) -> Result<String, ClientError> {
        #[derive(Serialize)]
        struct RequestTopic<'a> {
            channel: &'a str,
            name: &'static str,
            kind: &'static str,
        }
        #[derive(Deserialize)]
        struct Minted {
            jwt: String,
        }

        if topics.is_empty() {
            return Err(ClientError::NoTopics);
        }
        let body: Vec<RequestTopic<'_>> = topics
            .iter()
            .map(|&name| RequestTopic {
                channel,
                name,
                kind: "run",
            })
            .collect();
        let network = |e: reqwest::Error| ClientError::Network(Box::new(e));
        let response = self
            .http()
            .post(self.endpoint("v1/realtime/token"))
            .header(
                AUTHORIZATION,
                format!("Bearer {}", String::from_utf8_lossy(key.secret())),
            )
            .json(&body)
            .send()
            .await
            .map_err(network)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(network)?;
        if status != StatusCode::CREATED && status != StatusCode::OK {
            return Err(wire::rejection(
                status.as_u16(),
                status.canonical_reason(),
                &bytes,
            ));
        }
        let minted: Minted = serde_json::from_slice(&bytes).map_err(|e| ClientError::Protocol {
            reason: format!("the token route's answer is not `{{\"jwt\": \"...\"}}`: {e}"),
        })?;
        Ok(minted.jwt)
    }
}
