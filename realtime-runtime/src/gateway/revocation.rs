//! Revocation: cutting off tokens before they expire, on every node at once.
//!
//! A [`Revocation`] names one token (its `jti`), every token of a subject (`sub`), or every
//! token of a channel. What it refuses:
//!
//! - a `jti` revocation refuses that token, whenever it was issued;
//! - a subject or channel revocation refuses the tokens of that subject or channel
//!   *issued at or before* the revocation (`iat <= revoked_at`, in whole seconds): tokens
//!   minted afterwards (from the next second on) are accepted again.
//!
//! Refused means: new connections, `sub` frames, `refresh` frames and publishes with such a
//! token are answered `token_revoked` (401), and open connections holding one are sent
//! `closing` with code `revoked` and closed.
//!
//! **Propagation.** A revocation is published through the node's [`Transport`] on the
//! reserved channel [`REVOCATION_CHANNEL`], and every gateway sharing the back end reads
//! that channel (history first, then live) and applies what it reads. The name holds a `$`,
//! which no channel name may hold, so no publish, token or subscription of a client can
//! reach it. A node that starts after a revocation learns it from the channel's history, as
//! far back as the transport keeps history (the Redis transport: `--history-len` messages
//! and `--history-age-secs`).
//!
//! **Memory.** Each node keeps the active revocations in memory. The gateway refuses tokens
//! that live longer than its maximum token lifetime (`exp - iat`, 24 hours by default), so
//! once that long has passed since a revocation no token it covers can still be valid, and
//! it is dropped.
//!
//! [`Transport`]: crate::Transport

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::StreamExt;
use realtime_core::{Envelope, MessageId, TokenClaims};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::{Delivery, StartAt, TransportError, TransportStream};

use super::GatewayState;

/// The reserved channel revocations travel on between nodes. No client can publish to it,
/// mint a token for it or subscribe to it: `$` is not allowed in channel names.
///
/// ```
/// use realtime_runtime::gateway::REVOCATION_CHANNEL;
/// assert!(!realtime_core::is_valid_channel_name(REVOCATION_CHANNEL));
/// ```
pub const REVOCATION_CHANNEL: &str = "$realtime:revocations";

/// What a revocation cuts off: the body of `POST /v1/realtime/revoke`.
///
/// ```
/// use realtime_runtime::gateway::RevocationTarget;
/// let target: RevocationTarget = serde_json::from_str(r#"{"sub": "user-42"}"#).unwrap();
/// assert_eq!(target, RevocationTarget::Sub("user-42".into()));
/// assert!(serde_json::from_str::<RevocationTarget>(r#"{"jti": "a", "sub": "b"}"#).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevocationTarget {
    /// One token, by its `jti` claim.
    Jti(String),
    /// Every token of a subject (the `sub` claim) issued at or before the revocation.
    Sub(String),
    /// Every token of a channel issued at or before the revocation.
    Channel(String),
}

/// A revocation that is bad before it is sent, or could not be sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RevocationError {
    /// An empty `jti`, `sub` or channel.
    #[error("the {what} to revoke is empty")]
    Empty {
        /// `jti`, `sub` or `channel`.
        what: &'static str,
    },
    /// A channel name no channel can have.
    #[error("`{name}` is not a valid channel name")]
    InvalidChannelName {
        /// The name given.
        name: String,
    },
    /// The transport failed to publish it.
    #[error(transparent)]
    Transport(#[from] TransportError),
}

impl RevocationTarget {
    /// Checks that the target can name anything.
    pub fn check(&self) -> Result<(), RevocationError> {
        let (what, value) = match self {
            RevocationTarget::Jti(jti) => ("jti", jti),
            RevocationTarget::Sub(sub) => ("sub", sub),
            RevocationTarget::Channel(channel) => ("channel", channel),
        };
        if value.is_empty() {
            return Err(RevocationError::Empty { what });
        }
        if matches!(self, RevocationTarget::Channel(_)) && !realtime_core::is_valid_channel_name(value) {
            return Err(RevocationError::InvalidChannelName { name: value.clone() });
        }
        Ok(())
    }
}

/// A revocation as it travels between nodes: what, and when (seconds since the Unix epoch).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revocation {
    /// What is revoked.
    pub target: RevocationTarget,
    /// When, in seconds since the Unix epoch.
    pub revoked_at: u64,
}

/// The revocations a node holds, and a signal to its connections that the set grew.
pub(crate) struct Revocations {
    active: Mutex<Active>,
    /// How long a revocation is held: the longest lifetime of a token the gateway accepts.
    horizon: u64,
    changed: watch::Sender<u64>,
}

/// Each kind of target, by value, with its latest `revoked_at`.
#[derive(Default)]
struct Active {
    jti: HashMap<String, u64>,
    sub: HashMap<String, u64>,
    channel: HashMap<String, u64>,
}

impl Revocations {
    /// An empty set holding each revocation for `horizon`.
    pub(crate) fn new(horizon: Duration) -> Self {
        Revocations {
            active: Mutex::new(Active::default()),
            horizon: horizon.as_secs(),
            changed: watch::channel(0).0,
        }
    }

    /// Adds a revocation (unless it is already past its horizon) and tells connections.
    pub(crate) fn apply(&self, revocation: &Revocation) {
        let now = unix_now();
        let mut active = self.active.lock().unwrap_or_else(PoisonError::into_inner);
        active.prune(now, self.horizon);
        if revocation.revoked_at.saturating_add(self.horizon) < now {
            return;
        }
        let (map, key) = match &revocation.target {
            RevocationTarget::Jti(jti) => (&mut active.jti, jti),
            RevocationTarget::Sub(sub) => (&mut active.sub, sub),
            RevocationTarget::Channel(channel) => (&mut active.channel, channel),
        };
        let at = map.entry(key.clone()).or_insert(revocation.revoked_at);
        *at = (*at).max(revocation.revoked_at);
        drop(active);
        self.changed.send_modify(|generation| *generation += 1);
    }

    /// The revocation that refuses a token with these claims, if any.
    pub(crate) fn refusing(&self, claims: &TokenIdentity) -> Option<RevocationTarget> {
        let active = self.active.lock().unwrap_or_else(PoisonError::into_inner);
        if active.jti.contains_key(&claims.jti) {
            return Some(RevocationTarget::Jti(claims.jti.clone()));
        }
        if let Some(sub) = &claims.sub {
            if active.sub.get(sub).is_some_and(|&at| claims.iat <= at) {
                return Some(RevocationTarget::Sub(sub.clone()));
            }
        }
        if active
            .channel
            .get(&claims.channel)
            .is_some_and(|&at| claims.iat <= at)
        {
            return Some(RevocationTarget::Channel(claims.channel.clone()));
        }
        None
    }

    /// A receiver that changes whenever a revocation is added.
    pub(crate) fn watch(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    /// How many revocations are held.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        let active = self.active.lock().unwrap_or_else(PoisonError::into_inner);
        active.jti.len() + active.sub.len() + active.channel.len()
    }
}

impl Active {
    /// Drops revocations no valid token can still be covered by.
    fn prune(&mut self, now: u64, horizon: u64) {
        let live = |_: &String, at: &mut u64| at.saturating_add(horizon) >= now;
        self.jti.retain(live);
        self.sub.retain(live);
        self.channel.retain(live);
    }
}

/// What revocations look at in a token: enough to check it again later, when a revocation
/// arrives while a connection holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TokenIdentity {
    pub(crate) jti: String,
    pub(crate) sub: Option<String>,
    pub(crate) channel: String,
    pub(crate) iat: u64,
    pub(crate) exp: u64,
}

impl From<&TokenClaims> for TokenIdentity {
    fn from(claims: &TokenClaims) -> Self {
        TokenIdentity {
            jti: claims.jti.clone(),
            sub: claims.sub.clone(),
            channel: claims.channel.clone(),
            iat: claims.iat,
            exp: claims.exp,
        }
    }
}

impl GatewayState {
    /// Applies `target` here at once and publishes it on [`REVOCATION_CHANNEL`] for every
    /// node sharing the transport.
    pub(crate) async fn revoke(&self, target: RevocationTarget) -> Result<Revocation, RevocationError> {
        target.check()?;
        let revocation = Revocation {
            target,
            revoked_at: unix_now(),
        };
        self.revocations.apply(&revocation);
        let data = serde_json::to_value(&revocation).expect("a revocation is JSON");
        let envelope = Envelope::new(REVOCATION_CHANNEL, "revoke", data);
        self.realtime.transport().publish(Delivery::new(envelope)).await?;
        Ok(revocation)
    }
}

/// Reads [`REVOCATION_CHANNEL`] (history, then live) and applies each revocation, until the
/// gateway is dropped or shuts down; reopens the stream after a transport failure.
pub(crate) async fn follow(state: Weak<GatewayState>) {
    let mut after = MessageId::ZERO;
    loop {
        let Some((transport, shutdown)) = state
            .upgrade()
            .map(|s| (s.realtime.transport().clone(), s.shutdown.clone()))
        else {
            return;
        };
        let opened = tokio::select! {
            _ = shutdown.cancelled() => return,
            opened = TransportStream::open(transport, REVOCATION_CHANNEL, StartAt::After(after)) => opened,
        };
        if let Ok(mut stream) = opened {
            loop {
                let item = tokio::select! {
                    _ = shutdown.cancelled() => return,
                    item = stream.next() => item,
                };
                let Some(item) = item else { break };
                let Ok(delivery) = item else { continue };
                let Some(state) = state.upgrade() else { return };
                if let Ok(revocation) = serde_json::from_value::<Revocation>(delivery.envelope().data.clone())
                {
                    state.revocations.apply(&revocation);
                }
                after = delivery.envelope().id;
            }
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
}

/// Starts [`follow`] on the current runtime, if there is one; whether it did.
pub(crate) fn start_following(state: &Arc<GatewayState>) -> bool {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return false;
    };
    runtime.spawn(follow(Arc::downgrade(state)));
    true
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(jti: &str, sub: Option<&str>, channel: &str, iat: u64) -> TokenIdentity {
        TokenIdentity {
            jti: jti.into(),
            sub: sub.map(Into::into),
            channel: channel.into(),
            iat,
            exp: iat + 60,
        }
    }

    #[test]
    fn subjects_and_channels_are_revoked_for_tokens_issued_up_to_the_revocation() {
        let revocations = Revocations::new(Duration::from_secs(3600));
        let now = unix_now();
        revocations.apply(&Revocation {
            target: RevocationTarget::Sub("alice".into()),
            revoked_at: now,
        });
        revocations.apply(&Revocation {
            target: RevocationTarget::Channel("room:1".into()),
            revoked_at: now,
        });
        revocations.apply(&Revocation {
            target: RevocationTarget::Jti("t-1".into()),
            revoked_at: now,
        });
        assert_eq!(revocations.len(), 3);
        let refusing = |jti, sub, channel, iat| revocations.refusing(&identity(jti, sub, channel, iat));
        assert_eq!(
            refusing("x", Some("alice"), "a", now),
            Some(RevocationTarget::Sub("alice".into()))
        );
        assert_eq!(refusing("x", Some("alice"), "a", now + 1), None);
        assert_eq!(refusing("x", Some("bob"), "a", now - 5), None);
        assert_eq!(
            refusing("x", None, "room:1", now - 5),
            Some(RevocationTarget::Channel("room:1".into()))
        );
        assert_eq!(
            refusing("t-1", None, "b", now + 100),
            Some(RevocationTarget::Jti("t-1".into()))
        );
    }

    #[test]
    fn revocations_past_the_horizon_are_dropped() {
        let revocations = Revocations::new(Duration::from_secs(60));
        let changed = revocations.watch();
        revocations.apply(&Revocation {
            target: RevocationTarget::Jti("old".into()),
            revoked_at: unix_now() - 120,
        });
        assert_eq!(revocations.len(), 0);
        revocations.apply(&Revocation {
            target: RevocationTarget::Jti("new".into()),
            revoked_at: unix_now(),
        });
        assert_eq!(revocations.len(), 1);
        assert!(changed.has_changed().unwrap());
    }

    #[test]
    fn bad_targets_are_refused() {
        assert!(matches!(
            RevocationTarget::Jti(String::new()).check(),
            Err(RevocationError::Empty { what: "jti" })
        ));
        assert!(matches!(
            RevocationTarget::Channel("a b".into()).check(),
            Err(RevocationError::InvalidChannelName { .. })
        ));
        assert!(RevocationTarget::Channel(REVOCATION_CHANNEL.into())
            .check()
            .is_err());
        assert!(RevocationTarget::Sub("u".into()).check().is_ok());
    }
}
