//! `realtime schema`: exports the channels of a binary as JSON Schema, AsyncAPI or
//! TypeScript, to stdout or to files.
//!
//! Without `--out`, the one `--format` given is printed: the JSON Schema bundle
//! (`jsonschema`), the AsyncAPI document (`asyncapi`), the TypeScript declarations
//! (`typescript`) or the TypeScript client bindings (`client`). With `--out DIR`, the
//! directory is created and every format given (all but `client` when none is) is written
//! to it, and the paths written are printed:
//!
//! | format | files |
//! | --- | --- |
//! | `jsonschema` | `channels.schema.json` (the bundle) and `<Channel>.schema.json` per channel |
//! | `asyncapi` | `asyncapi.json` |
//! | `typescript` | `channels.ts` |
//! | `client` | `client.ts` (the declarations, and a typed subscribe per channel using `typed-realtime-client`, or the module `--client-import` names) |
//!
//! `realtime schema lock` and `realtime schema check` write the channels' contract to a
//! lock file and check the binary's channels against it: see [`compat`].
//!
//! A channel's file is named by its key in the bundle (see
//! [`json_schema`]): the Rust type's name, or its path
//! with `::` written `.` when two channel types share a name. JSON is pretty-printed and
//! every file ends with a newline.
//!
//! ```
//! use realtime::core::export::ExportFormat;
//! use realtime::core::ChannelRegistry;
//! use realtime_cli::schema::{files, ExportOptions};
//!
//! #[derive(serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
//! struct Status {
//!     percent: u8,
//! }
//!
//! #[realtime::channel(name = "demo:<run_id>")]
//! struct Demo {
//!     run_id: String,
//!     #[topic]
//!     status: Status,
//! }
//!
//! let mut registry = ChannelRegistry::new();
//! registry.register::<Demo>();
//! let written = files(&registry, ExportFormat::JsonSchema, &ExportOptions::default());
//! let names: Vec<&str> = written.iter().map(|f| f.name.as_str()).collect();
//! assert_eq!(names, ["channels.schema.json", "Demo.schema.json"]);
//! ```

use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::builder::{EnumValueParser, PossibleValue, TypedValueParser};
use clap::{Args, ValueEnum};
use realtime::core::compat::LockError;
use realtime::core::export::asyncapi::{self, AsyncApiOptions};
use realtime::core::export::typescript::{ClientOptions, DEFAULT_CLIENT_IMPORT};
use realtime::core::export::{json_schema, typescript, ExportFormat};
use realtime::core::{ChannelDescriptor, ChannelRegistry};
use serde_json::Value;

use self::compat::{CompatCommand, Refused};

pub mod compat;
pub mod git;

/// Settings of `realtime schema`.
#[derive(Debug, Clone, Args)]
#[command(subcommand_negates_reqs = true, args_conflicts_with_subcommands = true)]
pub struct SchemaArgs {
    /// `lock` or `check` the channels' contract; without one, export the schemas.
    #[command(subcommand)]
    pub compat: Option<CompatCommand>,
    /// The format: jsonschema, asyncapi, typescript or client. Repeat it to write several
    /// with --out; without --format, --out writes all but client.
    #[arg(
        long = "format",
        value_name = "FORMAT",
        required_unless_present = "out",
        value_parser = EnumValueParser::<FormatArg>::new().map(ExportFormat::from),
    )]
    pub formats: Vec<ExportFormat>,
    /// Write files to this directory (created if missing) instead of printing to stdout.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// The gateway's host and port, as clients reach it (AsyncAPI `servers`).
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8288")]
    pub host: String,
    /// The title of the AsyncAPI document.
    #[arg(long, default_value = "Realtime channels")]
    pub title: String,
    /// The gateway is served over TLS: `wss` and `https` in the AsyncAPI `servers`.
    #[arg(long)]
    pub secure: bool,
    /// The module the client bindings (`--format client`) import the TypeScript client
    /// from.
    #[arg(long, value_name = "SPECIFIER", default_value = DEFAULT_CLIENT_IMPORT)]
    pub client_import: String,
}

impl SchemaArgs {
    /// The formats to export: the ones given, without repeats, or
    /// [`ExportFormat::DEFAULT`] (all but `client`).
    pub fn formats(&self) -> Vec<ExportFormat> {
        if self.formats.is_empty() {
            return ExportFormat::DEFAULT.to_vec();
        }
        let mut formats = Vec::new();
        for format in &self.formats {
            if !formats.contains(format) {
                formats.push(*format);
            }
        }
        formats
    }

    /// The export settings these arguments describe.
    pub fn options(&self) -> ExportOptions {
        ExportOptions {
            asyncapi: AsyncApiOptions {
                title: self.title.clone(),
                host: self.host.clone(),
                secure: self.secure,
                ..AsyncApiOptions::default()
            },
            client: ClientOptions {
                import: self.client_import.clone(),
            },
        }
    }
}

/// An [`ExportFormat`] as a command-line value, with its help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormatArg(pub ExportFormat);

impl From<FormatArg> for ExportFormat {
    fn from(arg: FormatArg) -> Self {
        arg.0
    }
}

impl ValueEnum for FormatArg {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            FormatArg(ExportFormat::JsonSchema),
            FormatArg(ExportFormat::AsyncApi),
            FormatArg(ExportFormat::TypeScript),
            FormatArg(ExportFormat::Client),
        ]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let help = match self.0 {
            ExportFormat::JsonSchema => "JSON Schema 2020-12: a bundle, and a document per channel",
            ExportFormat::AsyncApi => "AsyncAPI 3.0",
            ExportFormat::TypeScript => "TypeScript declarations",
            ExportFormat::Client => {
                "TypeScript declarations and typed subscriptions with typed-realtime-client"
            }
        };
        Some(PossibleValue::new(self.0.name()).help(help))
    }
}

/// What an export says beyond the channels.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportOptions {
    /// The AsyncAPI document's title, version, description and server.
    pub asyncapi: AsyncApiOptions,
    /// The client bindings' import of the TypeScript client.
    pub client: ClientOptions,
}

/// One file of an export: its name and contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFile {
    /// The file name, e.g. `channels.ts`.
    pub name: String,
    /// What the file holds, ending with a newline.
    pub contents: String,
}

/// Why `realtime schema` failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum SchemaError {
    /// Several formats, and no `--out` to write them to.
    SeveralFormatsToStdout(Vec<ExportFormat>),
    /// The output directory could not be created.
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// A file could not be written.
    WriteFile {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// Stdout could not be written.
    Stdout(io::Error),
    /// `check` found no lock file.
    NoLock {
        /// Where it looked.
        path: PathBuf,
    },
    /// A lock file or export could not be read.
    ReadFile {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// A lock file or export does not hold a contract.
    Contract {
        /// The file.
        path: PathBuf,
        /// Why.
        source: LockError,
    },
    /// `check --rev` could not read the lock at the revision.
    Git(git::GitError),
    /// `check` found changes its mode refuses.
    Incompatible(Refused),
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SchemaError::SeveralFormatsToStdout(formats) => {
                let names: Vec<&str> = formats.iter().map(|f| f.name()).collect();
                write!(
                    f,
                    "{} formats given ({}) but only one can be printed: give one --format, or write them \
                     all with --out DIR",
                    formats.len(),
                    names.join(", ")
                )
            }
            SchemaError::CreateDir { path, source } => {
                write!(f, "cannot create the directory {}: {source}", path.display())
            }
            SchemaError::WriteFile { path, source } => write!(f, "cannot write {}: {source}", path.display()),
            SchemaError::Stdout(source) => write!(f, "cannot write to stdout: {source}"),
            SchemaError::NoLock { path } => write!(
                f,
                "no lock file at {}: write one with `realtime schema lock` and commit it, or give --lock FILE",
                path.display()
            ),
            SchemaError::ReadFile { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            SchemaError::Contract { path, source } => write!(f, "{}: {source}", path.display()),
            SchemaError::Git(source) => source.fmt(f),
            SchemaError::Incompatible(refused) => refused.fmt(f),
        }
    }
}

impl std::error::Error for SchemaError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SchemaError::SeveralFormatsToStdout(_)
            | SchemaError::NoLock { .. }
            | SchemaError::Incompatible(_) => None,
            SchemaError::CreateDir { source, .. }
            | SchemaError::WriteFile { source, .. }
            | SchemaError::ReadFile { source, .. }
            | SchemaError::Stdout(source) => Some(source),
            SchemaError::Contract { source, .. } => Some(source),
            SchemaError::Git(source) => source.source(),
        }
    }
}

/// Pretty JSON with a final newline.
fn pretty(value: &Value) -> String {
    // Serializing a `Value` to a string cannot fail: its keys are strings.
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

fn with_newline(mut text: String) -> String {
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// A channel key as a file name: characters other than letters, digits, `_`, `-` and
/// `.` (none in a Rust type name or path written with `.`) become `_`.
fn file_stem(key: &str) -> String {
    key.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The channels of `bundle` (from [`json_schema::bundle`] of `registry`) with their keys.
fn keyed_channels<'a>(registry: &'a ChannelRegistry, bundle: &Value) -> Vec<(String, &'a ChannelDescriptor)> {
    let entries = bundle
        .pointer("/x-realtime/channels")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    entries
        .iter()
        .filter_map(|entry| {
            let key = entry["name"].as_str()?;
            let doc = &bundle["$defs"][key]["x-realtime"];
            let (type_name, pattern) = (doc["type"].as_str()?, doc["pattern"].as_str()?);
            let channel = registry
                .iter()
                .find(|d| d.type_name == type_name && d.pattern == pattern)?;
            Some((key.to_owned(), channel))
        })
        .collect()
}

/// The document printed for `format`: the JSON Schema bundle, the AsyncAPI document, the
/// TypeScript declarations or the client bindings, ending with a newline.
///
/// ```
/// use realtime::core::export::ExportFormat;
/// use realtime::core::ChannelRegistry;
/// use realtime_cli::schema::{document, ExportOptions};
///
/// #[derive(serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
/// struct Log {
///     line: String,
/// }
///
/// #[realtime::channel(name = "demo:<run_id>")]
/// struct Demo {
///     run_id: String,
///     #[topic]
///     log: Log,
/// }
///
/// let mut registry = ChannelRegistry::new();
/// registry.register::<Demo>();
/// let ts = document(&registry, ExportFormat::TypeScript, &ExportOptions::default());
/// assert!(ts.contains("export type DemoTopic = \"log\";"));
/// ```
pub fn document(registry: &ChannelRegistry, format: ExportFormat, options: &ExportOptions) -> String {
    match format {
        ExportFormat::JsonSchema => pretty(&json_schema::bundle(registry)),
        ExportFormat::AsyncApi => pretty(&asyncapi::document(registry, &options.asyncapi)),
        ExportFormat::TypeScript => with_newline(typescript::declarations(registry)),
        ExportFormat::Client => with_newline(typescript::bindings(registry, &options.client)),
    }
}

/// The files of `format`: `channels.schema.json` and one `<Channel>.schema.json` per
/// channel (sorted by key), `asyncapi.json`, `channels.ts` or `client.ts`.
pub fn files(registry: &ChannelRegistry, format: ExportFormat, options: &ExportOptions) -> Vec<ExportFile> {
    match format {
        ExportFormat::JsonSchema => {
            let bundle = json_schema::bundle(registry);
            let mut out = vec![ExportFile {
                name: "channels.schema.json".to_owned(),
                contents: pretty(&bundle),
            }];
            for (key, channel) in keyed_channels(registry, &bundle) {
                out.push(ExportFile {
                    name: format!("{}.schema.json", file_stem(&key)),
                    contents: pretty(&json_schema::channel_document(channel)),
                });
            }
            out
        }
        ExportFormat::AsyncApi => vec![ExportFile {
            name: "asyncapi.json".to_owned(),
            contents: document(registry, format, options),
        }],
        ExportFormat::TypeScript => vec![ExportFile {
            name: "channels.ts".to_owned(),
            contents: document(registry, format, options),
        }],
        ExportFormat::Client => vec![ExportFile {
            name: "client.ts".to_owned(),
            contents: document(registry, format, options),
        }],
    }
}

/// Creates `dir` and writes the files of every format of `formats` to it; the paths
/// written, in order.
pub fn write_files(
    registry: &ChannelRegistry,
    formats: &[ExportFormat],
    options: &ExportOptions,
    dir: &Path,
) -> Result<Vec<PathBuf>, SchemaError> {
    std::fs::create_dir_all(dir).map_err(|source| SchemaError::CreateDir {
        path: dir.to_owned(),
        source,
    })?;
    let mut written = Vec::new();
    for format in formats {
        for file in files(registry, *format, options) {
            let path = dir.join(&file.name);
            std::fs::write(&path, file.contents).map_err(|source| SchemaError::WriteFile {
                path: path.clone(),
                source,
            })?;
            written.push(path);
        }
    }
    Ok(written)
}

/// Runs `realtime schema` over the channels of `registry`: prints the document of the one
/// format to `stdout`, or with `--out` writes the files and prints their paths; or runs
/// `lock` or `check` ([`compat::run`]).
pub fn run(args: &SchemaArgs, registry: &ChannelRegistry, stdout: &mut dyn Write) -> Result<(), SchemaError> {
    if let Some(command) = &args.compat {
        return compat::run(command, registry, stdout);
    }
    let formats = args.formats();
    let options = args.options();
    match &args.out {
        Some(dir) => {
            for path in write_files(registry, &formats, &options, dir)? {
                writeln!(stdout, "{}", path.display()).map_err(SchemaError::Stdout)?;
            }
        }
        None => {
            let [format] = formats.as_slice() else {
                return Err(SchemaError::SeveralFormatsToStdout(formats));
            };
            stdout
                .write_all(document(registry, *format, &options).as_bytes())
                .map_err(SchemaError::Stdout)?;
        }
    }
    stdout.flush().map_err(SchemaError::Stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_stems_keep_type_names_and_paths() {
        assert_eq!(file_stem("Demo"), "Demo");
        assert_eq!(file_stem("my_app.chat.Room"), "my_app.chat.Room");
        assert_eq!(file_stem("Wrapper<u8>"), "Wrapper_u8_");
    }
}
