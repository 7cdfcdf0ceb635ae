//! Core types of realtime-rs: channels, topics, the message envelope, schemas and errors.
//!
//! This crate holds what rarely changes and what every other part shares. It has no
//! async runtime and no network code: transports, subscriptions and the gateway live in
//! `realtime_runtime` (package `typed-realtime-runtime`). Users normally depend on the
//! `realtime` facade crate (package `typed-realtime`), which re-exports everything here.
//!
//! - [`Channel`] is implemented by the `#[channel]` attribute macro for a struct: it gives
//!   the name pattern, the parameters, the topics and their JSON Schemas.
//! - [`Topic`] is a typed handle to one topic of one concrete channel. Publishing takes a
//!   `Topic<C, T>` and a `T`, so a payload of the wrong type is a compile error.
//! - [`Envelope`] is what travels between publishers and subscribers.
//! - [`TopicSpec`] carries a topic's schema, compiled once into a validator and cached.
//! - [`TokenAuthority`] mints and verifies subscription tokens scoped to one channel and
//!   some of its topics; [`TokenSigner`] mints them with a private key (EdDSA, ES256) for
//!   gateways that verify with the public keys of a [`PublicKeySet`].
#![warn(missing_docs)]

mod channel;
pub mod compat;
mod datastream;
mod envelope;
mod error;
pub mod export;
mod key_set;
mod message;
mod message_id;
mod pattern;
mod registry;
mod run;
mod schema;
mod signing_key;
mod token;
mod token_decode;
mod token_signer;
mod topic;

pub use channel::{Channel, TopicKey};
pub use datastream::{DataStream, StreamEnd, StreamError, StreamStatus};
pub use envelope::{Envelope, MessageKind};
pub use error::{ChannelNameError, DecodeError};
#[doc(hidden)]
pub use inventory as __inventory;
/// A JSON Web Key, as [`TokenSigner::public_jwk`] gives it.
pub use jsonwebtoken::jwk::Jwk;
/// The algorithm of a token or key (`HS256`, `EdDSA`, `ES256` are the ones accepted).
pub use jsonwebtoken::Algorithm as TokenAlgorithm;
pub use key_set::{KeySetError, PublicKey, PublicKeySet, SharedKeySet};
pub use message::Message;
pub use message_id::{MessageId, ParseMessageIdError};
pub use pattern::{is_name_char, is_valid_channel_name, ChannelPattern, PatternSegment, NAME_PUNCTUATION};
pub use registry::{ChannelDescriptor, ChannelRegistration, ChannelRegistry};
pub use run::{RunStatus, RunUpdate, RUN_TOPIC};
#[doc(hidden)]
pub use schema::schema_for as __schema_for;
pub use schema::{SchemaViolation, Violation};
pub use signing_key::SigningKey;
pub use token::{
    SubscriptionToken, TokenAuthority, TokenClaims, TokenError, TokenTopic, DEFAULT_TOKEN_TTL, TOKEN_ISSUER,
};
pub use token_signer::{SignerKeyError, TokenSigner};
pub use topic::{Payload, Topic, TopicSpec};
