//! The gateway's error codes: one [`ErrorCode`] per way a request or frame is refused.
//!
//! A code is what a client matches on: its snake_case string is the `code` of every error
//! body and WebSocket error frame, and never changes meaning. Each code's HTTP status is
//! fixed here, in the one table below, so the same code always answers the same status.

use std::fmt;

use axum::http::StatusCode;

/// Declares [`ErrorCode`] from one table of `Variant => ("wire string", STATUS)` rows, so a
/// code's string and status cannot drift apart across the gateway.
macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident => ($text:literal, $status:ident),)*) => {
        /// Why the gateway refused a request or a WebSocket frame, as the `code` of its error.
        ///
        /// Serializes as its snake_case string ([`ErrorCode::as_str`]); its HTTP status is
        /// fixed per code ([`ErrorCode::status`]).
        ///
        /// ```
        /// use realtime_runtime::gateway::ErrorCode;
        ///
        /// assert_eq!(ErrorCode::TokenExpired.as_str(), "token_expired");
        /// assert_eq!(ErrorCode::TokenExpired.status().as_u16(), 401);
        /// assert_eq!(serde_json::to_value(ErrorCode::MalformedQuery).unwrap(), "malformed_query");
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)*
            /// A code of an application's own route served beside the gateway's (as the
            /// demo page's routes are), with the status it always answers.
            Application {
                /// The snake_case code.
                code: &'static str,
                /// Its HTTP status.
                status: StatusCode,
            },
        }

        impl ErrorCode {
            /// The code as it appears on the wire, e.g. `"token_expired"`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $text,)*
                    ErrorCode::Application { code, .. } => code,
                }
            }

            /// The HTTP status an error with this code answers.
            pub const fn status(self) -> StatusCode {
                match self {
                    $(ErrorCode::$variant => StatusCode::$status,)*
                    ErrorCode::Application { status, .. } => status,
                }
            }

            /// Every code the gateway itself uses.
            #[cfg(test)]
            const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];
        }
    };
}

error_codes! {
    /// No credentials, or a signing key that is wrong.
    Unauthorized => ("unauthorized", UNAUTHORIZED),
    /// A token that is not a well-formed JWT.
    TokenMalformed => ("token_malformed", UNAUTHORIZED),
    /// A token signed with an algorithm the gateway does not accept.
    TokenAlgorithmNotAllowed => ("token_algorithm_not_allowed", UNAUTHORIZED),
    /// A token whose signature does not match any accepted key.
    TokenBadSignature => ("token_bad_signature", UNAUTHORIZED),
    /// A token past its expiry.
    TokenExpired => ("token_expired", UNAUTHORIZED),
    /// A token not valid yet.
    TokenNotYetValid => ("token_not_yet_valid", UNAUTHORIZED),
    /// A token from another issuer.
    TokenWrongIssuer => ("token_wrong_issuer", UNAUTHORIZED),
    /// A token that grants no topic.
    TokenNoTopics => ("token_no_topics", UNAUTHORIZED),
    /// A token refused for another reason.
    TokenInvalid => ("token_invalid", UNAUTHORIZED),
    /// A token for another channel than the one asked for.
    TokenWrongChannel => ("token_wrong_channel", FORBIDDEN),
    /// A token that does not grant the topic asked for.
    TokenTopicNotGranted => ("token_topic_not_granted", FORBIDDEN),
    /// A subscription token presented to publish.
    TokenCannotPublish => ("token_cannot_publish", FORBIDDEN),
    /// A browser origin not in the allowed list.
    OriginNotAllowed => ("origin_not_allowed", FORBIDDEN),
    /// A body over the size limit.
    PayloadTooLarge => ("payload_too_large", PAYLOAD_TOO_LARGE),
    /// A data stream chunk over the chunk limit.
    ChunkTooLarge => ("chunk_too_large", PAYLOAD_TOO_LARGE),
    /// A data stream with more chunks than allowed.
    TooManyChunks => ("too_many_chunks", PAYLOAD_TOO_LARGE),
    /// A publish body that is not JSON.
    MalformedJson => ("malformed_json", BAD_REQUEST),
    /// A token request body that is not a list of `{"channel", "name"}` topics.
    InvalidTokenRequest => ("invalid_token_request", BAD_REQUEST),
    /// A token request naming no topic.
    NoTopics => ("no_topics", BAD_REQUEST),
    /// A token request naming several channels.
    SeveralChannels => ("several_channels", BAD_REQUEST),
    /// A channel name with a character outside the allowed set.
    InvalidChannelName => ("invalid_channel_name", BAD_REQUEST),
    /// A publish without `?channel=`.
    MissingChannel => ("missing_channel", BAD_REQUEST),
    /// A publish without `?topic=`.
    MissingTopic => ("missing_topic", BAD_REQUEST),
    /// An `Idempotency-Key` header that is not one key of visible ASCII.
    InvalidIdempotencyKey => ("invalid_idempotency_key", BAD_REQUEST),
    /// A query string that cannot be read (e.g. a parameter given twice).
    MalformedQuery => ("malformed_query", BAD_REQUEST),
    /// A resume point (`?since=`, `Last-Event-ID`, a `sub` frame's `since`) that is not a
    /// message id.
    InvalidSince => ("invalid_since", BAD_REQUEST),
    /// A WebSocket frame that is not what its `kind` takes.
    MalformedFrame => ("malformed_frame", BAD_REQUEST),
    /// A WebSocket frame of a kind other than `sub` or `unsub`.
    UnknownFrame => ("unknown_frame", BAD_REQUEST),
    /// A payload that breaks its topic's schema.
    SchemaViolation => ("schema_violation", BAD_REQUEST),
    /// A `text/stream` body that is not UTF-8.
    InvalidUtf8 => ("invalid_utf8", BAD_REQUEST),
    /// A `text/stream` body that broke off.
    BodyInterrupted => ("body_interrupted", BAD_REQUEST),
    /// A topic the registered channel does not have.
    UnknownTopic => ("unknown_topic", NOT_FOUND),
    /// A channel no registered type matches, on a strict gateway.
    UnknownChannel => ("unknown_channel", NOT_FOUND),
    /// The connection cap is reached.
    TooManyConnections => ("too_many_connections", SERVICE_UNAVAILABLE),
    /// The transport (e.g. Redis) failed.
    TransportError => ("transport_error", SERVICE_UNAVAILABLE),
    /// A client (an IP address or a credential) over its request rate; the response says
    /// when to retry (`Retry-After`).
    RateLimited => ("rate_limited", TOO_MANY_REQUESTS),
    /// A `sub` frame for one channel more than a connection may subscribe to.
    TooManySubscriptions => ("too_many_subscriptions", FORBIDDEN),
    /// An EdDSA or ES256 token whose header names no `kid`.
    TokenMissingKid => ("token_missing_kid", UNAUTHORIZED),
    /// A token whose `kid` names no key of the gateway's JWKS (after a fetch, for a URL).
    TokenUnknownKey => ("token_unknown_key", UNAUTHORIZED),
    /// A token whose algorithm is not the one of the key its `kid` names.
    TokenKeyAlgorithmMismatch => ("token_key_algorithm_mismatch", UNAUTHORIZED),
    /// A token revoked (by its `jti`, its subject or its channel).
    TokenRevoked => ("token_revoked", UNAUTHORIZED),
    /// A token whose lifetime (`exp` - `iat`) is longer than the gateway accepts.
    TokenLifetimeTooLong => ("token_lifetime_too_long", UNAUTHORIZED),
    /// A `refresh` token that does not grant every topic the connection holds of its channel.
    RefreshNarrower => ("refresh_narrower", FORBIDDEN),
    /// A revocation request body that is not `{"jti"}`, `{"sub"}` or `{"channel"}`.
    InvalidRevocation => ("invalid_revocation", BAD_REQUEST),
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    #[test]
    fn codes_are_distinct_snake_case_and_refusals() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "`{text}` twice");
            assert!(
                text.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{text}"
            );
            assert!(code.status().is_client_error() || code.status().is_server_error());
            assert_eq!(serde_json::to_value(code).unwrap(), text);
        }
    }
}
