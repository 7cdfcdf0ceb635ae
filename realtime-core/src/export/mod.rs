//! Schema export for frontends: what the Rust channel declarations say, in the formats
//! other tools read, so nobody re-declares it by hand.
//!
//! Each exporter takes a [`ChannelRegistry`](crate::ChannelRegistry) — usually
//! [`ChannelRegistry::discovered`](crate::ChannelRegistry::discovered), every channel
//! declared with `#[channel]` in the binary — and returns a document:
//!
//! - [`json_schema`]: one JSON Schema (2020-12) document per channel and a bundle of all,
//!   with the name pattern, its parameters and each topic's payload schema;
//! - [`asyncapi`]: an AsyncAPI 3.0 document with channels, messages, operations, the
//!   gateway as a server and its token security scheme;
//! - [`typescript`]: TypeScript declarations: payload types, a message union per channel,
//!   a name-building function per channel and the topic names as literal types; and
//!   [`typescript::bindings`], the same with a typed subscribe function per channel that
//!   uses the TypeScript client (`typed-realtime-client`).

use std::fmt;
use std::str::FromStr;

pub mod asyncapi;
pub(crate) mod deprecation;
pub mod json_schema;
pub mod typescript;

/// A format to export in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExportFormat {
    /// JSON Schema 2020-12: `channels.schema.json` and one `<channel>.schema.json` each.
    JsonSchema,
    /// AsyncAPI 3.0: `asyncapi.json`.
    AsyncApi,
    /// TypeScript declarations: `channels.ts`.
    TypeScript,
    /// TypeScript bindings to the TypeScript client: `client.ts`.
    Client,
}

impl ExportFormat {
    /// Every format.
    pub const ALL: [ExportFormat; 4] = [
        ExportFormat::JsonSchema,
        ExportFormat::AsyncApi,
        ExportFormat::TypeScript,
        ExportFormat::Client,
    ];

    /// The formats written when none is named: every format but [`ExportFormat::Client`],
    /// whose `client.ts` needs the TypeScript client package to compile, so it is written
    /// only when asked for.
    pub const DEFAULT: [ExportFormat; 3] = [
        ExportFormat::JsonSchema,
        ExportFormat::AsyncApi,
        ExportFormat::TypeScript,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            ExportFormat::JsonSchema => "jsonschema",
            ExportFormat::AsyncApi => "asyncapi",
            ExportFormat::TypeScript => "typescript",
            ExportFormat::Client => "client",
        }
    }
}

impl fmt::Display for ExportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A format name that is not one of `jsonschema`, `asyncapi`, `typescript`, `client`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown export format `{0}`: expected jsonschema, asyncapi, typescript or client")]
pub struct UnknownFormat(pub String);

impl FromStr for ExportFormat {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ExportFormat::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| UnknownFormat(s.to_owned()))
    }
}
