//! Sessions: how long a subscriber connection lives, and how it is extended.
//!
//! A connection's session ends at the earliest of
//!
//! - the expiry of the tokens it holds: each channel it subscribes to is held by the tokens
//!   that granted it (the connection's token, and those of `sub` frames for that channel),
//!   and the session ends at the earliest `exp` among them, plus the authority's leeway;
//! - the gateway's maximum session, if set (`GatewayConfig::max_session`,
//!   `realtime serve --max-session-secs`), counted from the moment the connection opened.
//!
//! Before the end the server sends
//! `{"kind": "session_expiring", "data": {"expires_at": <unix secs>, "reason": "token" | "max_session"}}`,
//! a third of the current term before it (the term runs from the connection's opening or
//! its last accepted refresh to the end), and never more than 30 s before. At the end it
//! sends `{"kind": "closing", "data": {"reason": "...", "code": "session_expired"}}` and closes
//! (WebSocket close code [`SESSION_EXPIRED_CLOSE`]; an SSE stream ends after
//! `event: closing`).
//!
//! A WebSocket client extends its session in band with `{"kind": "refresh", "data": "<jwt>"}`:
//! a valid, unrevoked token for one of the connection's channels that grants every topic the
//! connection holds of that channel replaces the tokens holding that channel. The reply is
//! `{"kind": "refresh", "data": {"ok": true, "expires_at": <unix secs>}}` with the session's
//! new end (still capped by the maximum session), or `{"ok": false, "code", "error"}` with
//! the session left as it was. Nothing is unsubscribed or replayed: deliveries go on.

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use realtime_core::TokenClaims;
use serde_json::{json, Value};
use tokio::time::Instant;

use super::code::ErrorCode;
use super::error::ApiError;
use super::revocation::{RevocationTarget, Revocations, TokenIdentity};

/// The WebSocket close code of a connection whose session ended.
pub const SESSION_EXPIRED_CLOSE: u16 = 4001;

/// The WebSocket close code of a connection whose token was revoked.
pub const REVOKED_CLOSE: u16 = 4003;

/// The longest the `session_expiring` notice comes before the end.
const MAX_NOTICE_LEAD: Duration = Duration::from_secs(30);

/// Why a session ends when it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EndReason {
    /// A token it holds expires.
    Token,
    /// The gateway's maximum session.
    MaxSession,
}

impl EndReason {
    fn as_str(self) -> &'static str {
        match self {
            EndReason::Token => "token",
            EndReason::MaxSession => "max_session",
        }
    }
}

/// What the session timer brought.
pub(crate) enum SessionStep {
    /// Send this `session_expiring` notice and go on.
    Expiring(Value),
    /// Send this `closing` notice and close.
    Expired(Value),
    /// Nothing (the end moved).
    Nothing,
}

/// One connection's session: the tokens holding each channel, and the maximum.
pub(crate) struct Session {
    /// When the maximum session runs out, if there is one.
    cap: Option<SystemTime>,
    /// The tokens holding the subscribed channels (each names its channel): one, for
    /// nearly every connection.
    grants: Vec<TokenIdentity>,
    /// The clock skew the token authority tolerates, added to each `exp`.
    leeway: Duration,
    /// Since when the current term runs (opening, or the last accepted refresh).
    term_start: SystemTime,
    /// The end a `session_expiring` notice was sent for.
    warned_for: Option<SystemTime>,
    /// When the timer should fire next.
    deadline: Instant,
}

impl Session {
    /// A session opening now, capped at `max_session` if set.
    pub(crate) fn new(max_session: Option<Duration>, leeway: Duration) -> Self {
        let now = SystemTime::now();
        let mut session = Session {
            cap: max_session.map(|max| now + max),
            grants: Vec::new(),
            leeway,
            term_start: now,
            warned_for: None,
            deadline: Instant::now(),
        };
        session.schedule();
        session
    }

    /// Adds a token holding its channel (the connection's token, or a `sub` frame's).
    pub(crate) fn hold(&mut self, claims: &TokenClaims) {
        if !self.grants.iter().any(|token| token.jti == claims.jti) {
            self.grants.push(TokenIdentity::from(claims));
            self.schedule();
        }
    }

    /// Forgets a channel the connection no longer subscribes to.
    pub(crate) fn release(&mut self, channel: &str) {
        let before = self.grants.len();
        self.grants.retain(|token| token.channel != channel);
        if self.grants.len() != before {
            self.schedule();
        }
    }

    /// Replaces the tokens holding the refresh token's channel with it, if it grants every
    /// topic in `held` (the topics the connection holds of that channel). Returns the
    /// session's new end in seconds since the Unix epoch; on refusal nothing changes.
    pub(crate) fn refresh(
        &mut self,
        claims: &TokenClaims,
        held: Option<&BTreeSet<String>>,
    ) -> Result<u64, ApiError> {
        let (Some(held), true) = (held, self.grants.iter().any(|t| t.channel == claims.channel)) else {
            return Err(ApiError::of(
                ErrorCode::TokenWrongChannel,
                format!(
                    "the refresh token is for channel `{}`, which this connection does not subscribe to",
                    claims.channel
                ),
            ));
        };
        if let Some(missing) = held
            .iter()
            .find(|topic| !claims.topic_names().any(|t| t == *topic))
        {
            return Err(ApiError::of(
                ErrorCode::RefreshNarrower,
                format!(
                    "the refresh token does not grant topic `{missing}` of channel `{}`, which this connection holds",
                    claims.channel
                ),
            ));
        }
        self.grants.retain(|token| token.channel != claims.channel);
        self.grants.push(TokenIdentity::from(claims));
        // A new term; a notice already sent for an end that did not move (the maximum
        // session) is not sent again.
        self.term_start = SystemTime::now();
        self.schedule();
        Ok(self.end().map_or(0, |(end, _)| unix_secs(end)))
    }

    /// The revocation refusing a token the connection holds, if any.
    pub(crate) fn revoked_by(&self, revocations: &Revocations) -> Option<RevocationTarget> {
        self.grants.iter().find_map(|token| revocations.refusing(token))
    }

    /// When the session timer should fire next.
    pub(crate) fn deadline(&self) -> Instant {
        self.deadline
    }

    /// What the timer firing now means.
    pub(crate) fn step(&mut self) -> SessionStep {
        let Some((end, reason)) = self.end() else {
            self.schedule();
            return SessionStep::Nothing;
        };
        let now = SystemTime::now();
        if now >= end {
            return SessionStep::Expired(closing_notice(reason));
        }
        if now >= end - self.lead(end) && self.warned_for != Some(end) {
            self.warned_for = Some(end);
            self.schedule();
            return SessionStep::Expiring(json!({
                "kind": "session_expiring",
                "data": { "expires_at": unix_secs(end), "reason": reason.as_str() },
            }));
        }
        self.schedule();
        SessionStep::Nothing
    }

    /// The end of the session and why, if anything ends it.
    fn end(&self) -> Option<(SystemTime, EndReason)> {
        let token_end = self
            .grants
            .iter()
            .map(|token| UNIX_EPOCH + Duration::from_secs(token.exp) + self.leeway)
            .min()
            .map(|end| (end, EndReason::Token));
        let cap = self.cap.map(|cap| (cap, EndReason::MaxSession));
        match (token_end, cap) {
            (Some(token), Some(cap)) => Some(if cap.0 < token.0 { cap } else { token }),
            (token, cap) => token.or(cap),
        }
    }

    /// How long before `end` the notice goes out: a third of the term, at most 30 s.
    fn lead(&self, end: SystemTime) -> Duration {
        let term = end.duration_since(self.term_start).unwrap_or_default();
        (term / 3).min(MAX_NOTICE_LEAD)
    }

    /// Sets the deadline: the notice's time if not sent yet, else the end.
    fn schedule(&mut self) {
        let next = self.end().map(|(end, _)| {
            if self.warned_for == Some(end) {
                end
            } else {
                end - self.lead(end)
            }
        });
        self.deadline = match next {
            Some(at) => Instant::now() + at.duration_since(SystemTime::now()).unwrap_or_default(),
            // Nothing ends it: far enough never to fire, near enough not to overflow.
            None => Instant::now() + Duration::from_secs(365 * 24 * 60 * 60),
        };
    }
}

/// `{"kind": "closing", "data": {"reason", "code": "session_expired"}}`.
fn closing_notice(reason: EndReason) -> Value {
    let text = match reason {
        EndReason::Token => "the session's token expired",
        EndReason::MaxSession => "the session reached the gateway's maximum length",
    };
    json!({ "kind": "closing", "data": { "reason": text, "code": "session_expired" } })
}

/// `{"kind": "closing", "data": {"reason", "code": "revoked"}}`.
pub(crate) fn revoked_notice(target: &RevocationTarget) -> Value {
    let what = match target {
        RevocationTarget::Jti(_) => "the connection's token was revoked",
        RevocationTarget::Sub(_) => "the tokens of the connection's subject were revoked",
        RevocationTarget::Channel(_) => "the tokens of the connection's channel were revoked",
    };
    json!({ "kind": "closing", "data": { "reason": what, "code": "revoked" } })
}

/// `{"kind": "closing", "data": {"reason", "code": "shutting_down"}}`.
pub(crate) fn shutdown_notice() -> Value {
    json!({ "kind": "closing", "data": { "reason": "the server is shutting down", "code": "shutting_down" } })
}

fn unix_secs(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use realtime_core::{SigningKey, TokenAuthority};

    fn claims(channel: &str, topics: &[&str], ttl: u64) -> TokenClaims {
        TokenAuthority::new(SigningKey::new("signkey-test-00"))
            .with_ttl(Duration::from_secs(ttl))
            .mint_names(channel, topics.iter().copied(), false)
            .unwrap()
            .claims
    }

    #[test]
    fn the_session_ends_at_the_earliest_token_or_the_cap() {
        let mut session = Session::new(None, Duration::ZERO);
        let long = claims("a", &["x"], 600);
        session.hold(&long);
        let short = claims("b", &["y"], 60);
        session.hold(&short);
        let (end, reason) = session.end().unwrap();
        assert_eq!((unix_secs(end), reason), (short.exp, EndReason::Token));
        session.release("b");
        assert_eq!(unix_secs(session.end().unwrap().0), long.exp);

        let mut capped = Session::new(Some(Duration::from_secs(5)), Duration::ZERO);
        capped.hold(&long);
        assert_eq!(capped.end().unwrap().1, EndReason::MaxSession);
    }

    #[test]
    fn a_refresh_must_cover_every_held_topic_of_a_subscribed_channel() {
        let mut session = Session::new(None, Duration::ZERO);
        let first = claims("a", &["x", "y"], 60);
        session.hold(&first);
        let held: BTreeSet<String> = ["x".to_owned(), "y".to_owned()].into();
        let narrower = claims("a", &["x"], 600);
        let error = session.refresh(&narrower, Some(&held)).unwrap_err();
        assert_eq!(error.code, ErrorCode::RefreshNarrower);
        assert_eq!(unix_secs(session.end().unwrap().0), first.exp);
        let other = claims("b", &["x", "y"], 600);
        let error = session.refresh(&other, None).unwrap_err();
        assert_eq!(error.code, ErrorCode::TokenWrongChannel);
        let wider = claims("a", &["x", "y", "z"], 600);
        assert_eq!(session.refresh(&wider, Some(&held)).unwrap(), wider.exp);
    }

    #[test]
    fn the_notice_comes_a_third_of_the_term_before_the_end_at_most_thirty_seconds() {
        let session = Session::new(None, Duration::ZERO);
        let start = session.term_start;
        assert_eq!(
            session.lead(start + Duration::from_secs(3)),
            Duration::from_secs(1)
        );
        assert_eq!(session.lead(start + Duration::from_secs(3600)), MAX_NOTICE_LEAD);
    }
}
