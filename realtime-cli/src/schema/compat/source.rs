//! What `realtime schema check` compares with: a lock file, a JSON Schema export, or a
//! lock file as committed at a git revision.

use std::path::{Path, PathBuf};

use realtime::core::compat::Lock;
use serde_json::Value;

use crate::schema::{git, SchemaError};

/// The old contract of a check: a lock file, a JSON Schema export, or a lock file as
/// committed at a git revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckSource {
    /// A lock file written by `realtime schema lock`.
    Lock(PathBuf),
    /// A JSON Schema export of `realtime schema --format jsonschema`.
    Export(PathBuf),
    /// The lock file at `lock` (a path from the current directory) as committed at `rev`.
    Rev {
        /// The git revision, as given.
        rev: String,
        /// The lock file's path in the working copy.
        lock: PathBuf,
    },
}

impl CheckSource {
    /// The file.
    ///
    /// ```
    /// use realtime_cli::schema::compat::CheckSource;
    /// assert_eq!(CheckSource::Lock("a.json".into()).path(), std::path::Path::new("a.json"));
    /// ```
    pub fn path(&self) -> &Path {
        match self {
            CheckSource::Lock(path) | CheckSource::Export(path) => path,
            CheckSource::Rev { lock, .. } => lock,
        }
    }

    /// What the report names: the file, or the file at the revision.
    ///
    /// ```
    /// use realtime_cli::schema::compat::CheckSource;
    /// assert_eq!(CheckSource::Lock("a.json".into()).label(), "a.json");
    /// let at_main = CheckSource::Rev { rev: "main".into(), lock: "a.json".into() };
    /// assert_eq!(at_main.label(), "a.json at main");
    /// ```
    pub fn label(&self) -> String {
        match self {
            CheckSource::Lock(path) | CheckSource::Export(path) => path.display().to_string(),
            CheckSource::Rev { rev, lock } => format!("{} at {rev}", lock.display()),
        }
    }

    /// Reads the contract the file holds.
    ///
    /// ```
    /// use realtime_cli::schema::compat::CheckSource;
    /// use realtime_cli::schema::SchemaError;
    /// let err = CheckSource::Lock("no/such/channels.lock.json".into()).read().unwrap_err();
    /// assert!(matches!(err, SchemaError::NoLock { .. }));
    /// assert!(err.to_string().contains("realtime schema lock"));
    /// let err = CheckSource::Export("no/such/channels.schema.json".into()).read().unwrap_err();
    /// assert!(matches!(err, SchemaError::ReadFile { .. }));
    /// ```
    pub fn read(&self) -> Result<Lock, SchemaError> {
        if let CheckSource::Rev { rev, lock } = self {
            let committed = git::show(rev, lock).map_err(SchemaError::Git)?;
            return Lock::parse(&committed.text).map_err(|source| SchemaError::Contract {
                path: format!("{}:{}", committed.rev, committed.path).into(),
                source,
            });
        }
        let path = self.path();
        let text = std::fs::read_to_string(path).map_err(|source| match (self, source.kind()) {
            (CheckSource::Lock(_), std::io::ErrorKind::NotFound) => SchemaError::NoLock {
                path: path.to_owned(),
            },
            _ => SchemaError::ReadFile {
                path: path.to_owned(),
                source,
            },
        })?;
        let contract = match self {
            CheckSource::Export(_) => serde_json::from_str::<Value>(&text)
                .map_err(Into::into)
                .and_then(|doc| Lock::from_export(&doc)),
            CheckSource::Lock(_) | CheckSource::Rev { .. } => Lock::parse(&text),
        };
        contract.map_err(|source| SchemaError::Contract {
            path: path.to_owned(),
            source,
        })
    }
}
