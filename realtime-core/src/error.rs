//! Errors of the core crate.

/// A concrete channel name that cannot be turned back into a channel value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChannelNameError {
    /// The name does not fit the channel's pattern.
    #[error("channel name `{name}` does not match the pattern `{pattern}`")]
    NoMatch {
        /// The name that was given.
        name: String,
        /// The pattern it was checked against.
        pattern: String,
    },
    /// A parameter's text does not parse into the parameter's type.
    #[error("parameter `{param}` of channel name `{name}`: `{value}` is not valid: {reason}")]
    InvalidParam {
        /// The name that was given.
        name: String,
        /// The parameter at fault.
        param: &'static str,
        /// The text found for the parameter.
        value: String,
        /// Why it did not parse (the parameter type's own error).
        reason: String,
    },
    /// The name holds characters that channel names do not allow.
    #[error(
        "channel name `{name}` holds a character outside A-Z a-z 0-9 and `{}`",
        crate::NAME_PUNCTUATION
    )]
    InvalidCharacters {
        /// The name that was given.
        name: String,
    },
}

/// Message data that cannot be decoded into the topic's payload type.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The channel has no topic by that name.
    #[error("the channel has no topic named `{topic}`")]
    UnknownTopic {
        /// The wire name that was given.
        topic: String,
    },
    /// The data does not deserialize into the payload type.
    #[error("data of topic `{topic}` does not fit its payload type: {source}")]
    Data {
        /// The topic's wire name.
        topic: &'static str,
        /// The deserializer's error.
        source: serde_json::Error,
    },
}
