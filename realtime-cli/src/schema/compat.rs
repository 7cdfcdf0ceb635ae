//! `realtime schema lock` and `realtime schema check`: the channels' contract written to a
//! lock file, and the binary's channels checked against it before they are deployed.
//!
//! ```sh
//! realtime schema lock                          # writes channels.lock.json; commit it
//! realtime schema check                         # compares the channels with channels.lock.json
//! realtime schema check --mode backward --json  # in CI: a JSON report, exit code 1 on a refused change
//! realtime schema check --against channels.schema.json   # against a JSON Schema export instead
//! realtime schema check --rev origin/main       # against channels.lock.json as committed on main
//! realtime schema check --rename-topic Pipeline.status=progress   # a rename on purpose: one change
//! realtime serve --lock channels.lock.json    # the gateway refuses to start on a refused change
//! ```
//!
//! `check` lists every change, each with its channel, topic, JSON pointer, class and a
//! sentence, marking the ones the mode refuses, and fails (exit code 1) when there is one.
//! A topic deprecated (`#[topic(deprecated = "...")]`) is a safe change reported with its
//! note; removing a topic the lock marks deprecated keeps its class but no mode refuses
//! it (the JSON report says `"announced": true`).
//! The lock format, the rules and the modes are described in
//! [`realtime::core::compat`]: `full` (the default) refuses every change that breaks
//! subscribers or publishers built on the old contract, `backward` only those that break
//! publishers, `forward` only those that break subscribers.
//!
//! ```
//! use realtime::core::compat::{Lock, Mode};
//! use realtime::core::ChannelRegistry;
//! use realtime_cli::schema::compat::{check, CheckSource};
//!
//! let registry = ChannelRegistry::new();
//! let old = Lock::from_registry(&registry);
//! let source = CheckSource::Lock("channels.lock.json".into());
//! let outcome = check(&old, &registry, Mode::Full, &source, &[]);
//! assert!(outcome.passed());
//! ```

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::builder::PossibleValue;
use clap::{Args, Subcommand, ValueEnum};
use realtime::core::compat::{compare_with, Change, Compatibility, Lock, Mode, Report, TopicRename};
use realtime::core::ChannelRegistry;
use serde_json::{json, Value};

use super::SchemaError;

mod source;
pub use source::CheckSource;

/// The lock file `lock` writes and `check` reads when no path is given.
pub const DEFAULT_LOCK_FILE: &str = "channels.lock.json";

/// `realtime schema lock` and `realtime schema check`.
#[derive(Debug, Clone, Subcommand)]
pub enum CompatCommand {
    /// Write the channels' contract (patterns, parameters, topics, payload schemas) to a
    /// lock file, to commit and check later builds against.
    Lock(LockArgs),
    /// Compare the channels with a lock file (or a JSON Schema export) and fail on the
    /// changes the mode refuses.
    Check(CheckArgs),
}

/// Settings of `realtime schema lock`.
#[derive(Debug, Clone, Args)]
pub struct LockArgs {
    /// The lock file to write.
    #[arg(long, value_name = "FILE", default_value = DEFAULT_LOCK_FILE)]
    pub out: PathBuf,
}

/// Settings of `realtime schema check`.
#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// The lock file to compare with [default: channels.lock.json].
    #[arg(long, value_name = "FILE", conflicts_with = "against")]
    pub lock: Option<PathBuf>,
    /// A JSON Schema export to compare with instead (`channels.schema.json`, or one
    /// `<Channel>.schema.json`, of `realtime schema --format jsonschema`).
    #[arg(long, value_name = "EXPORT_FILE")]
    pub against: Option<PathBuf>,
    /// Compare with the lock file as committed at this git revision (a commit, branch or
    /// tag, e.g. origin/main) instead of the working copy; needs `git`.
    #[arg(long, value_name = "REV", conflicts_with = "against")]
    pub rev: Option<String>,
    /// Which changes fail: backward, forward or full.
    #[arg(long, value_name = "MODE", default_value = "full", value_parser = clap::builder::EnumValueParser::<ModeArg>::new())]
    pub mode: ModeArg,
    /// Print the report as JSON (for CI) instead of text.
    #[arg(long)]
    pub json: bool,
    /// A topic renamed on purpose, as CHANNEL.FROM=TO (repeat for several): one change,
    /// still refused, with its payload compared with the old topic's.
    #[arg(long = "rename-topic", value_name = "CHANNEL.FROM=TO")]
    pub renames: Vec<TopicRename>,
}

impl CheckArgs {
    /// What to compare with: `--against`, `--lock`, or `channels.lock.json`; with
    /// `--rev`, that lock file as committed at the revision.
    ///
    /// ```
    /// use clap::Parser;
    /// use realtime_cli::schema::compat::{CheckSource, CompatCommand};
    /// use realtime_cli::{Cli, Command};
    ///
    /// let cli = Cli::try_parse_from(["realtime", "schema", "check", "--against", "channels.schema.json"]).unwrap();
    /// let Command::Schema(args) = cli.command else { unreachable!() };
    /// let Some(CompatCommand::Check(check)) = args.compat else { unreachable!() };
    /// assert_eq!(check.source(), CheckSource::Export("channels.schema.json".into()));
    ///
    /// let cli = Cli::try_parse_from(["realtime", "schema", "check", "--rev", "main"]).unwrap();
    /// let Command::Schema(args) = cli.command else { unreachable!() };
    /// let Some(CompatCommand::Check(check)) = args.compat else { unreachable!() };
    /// let lock = "channels.lock.json".into();
    /// assert_eq!(check.source(), CheckSource::Rev { rev: "main".into(), lock });
    /// ```
    pub fn source(&self) -> CheckSource {
        let lock = self
            .lock
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_LOCK_FILE));
        match (&self.against, &self.rev) {
            (Some(export), _) => CheckSource::Export(export.clone()),
            (None, Some(rev)) => CheckSource::Rev {
                rev: rev.clone(),
                lock,
            },
            (None, None) => CheckSource::Lock(lock),
        }
    }
}

/// A [`Mode`] as a command-line value, with its help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModeArg(pub Mode);

impl ValueEnum for ModeArg {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            ModeArg(Mode::Backward),
            ModeArg(Mode::Forward),
            ModeArg(Mode::Full),
        ]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let help = match self.0 {
            Mode::Backward => "refuse what breaks publishers built on the lock",
            Mode::Forward => "refuse what breaks subscribers built on the lock",
            Mode::Full => "refuse what breaks either",
        };
        Some(PossibleValue::new(self.0.name()).help(help))
    }
}

/// The result of a check: the report, the mode, and what was compared with.
#[derive(Debug, Clone)]
pub struct CheckOutcome {
    /// Every change, safe ones included.
    pub report: Report,
    /// The mode that decides which changes fail.
    pub mode: Mode,
    /// What the channels were compared with.
    pub source: CheckSource,
}

impl CheckOutcome {
    /// How many changes the mode refuses.
    pub fn refused(&self) -> usize {
        self.report.failures(self.mode).count()
    }

    /// Whether the mode refuses none.
    pub fn passed(&self) -> bool {
        self.report.passes(self.mode)
    }

    /// The report as text: a summary line, then one line per change, `REFUSED` where the
    /// mode refuses it.
    ///
    /// ```
    /// use realtime::core::compat::{Lock, Mode};
    /// use realtime::core::ChannelRegistry;
    /// use realtime_cli::schema::compat::{check, CheckSource};
    /// let registry = ChannelRegistry::new();
    /// let source = CheckSource::Lock("channels.lock.json".into());
    /// let outcome = check(&Lock::from_registry(&registry), &registry, Mode::Full, &source, &[]);
    /// assert_eq!(outcome.text(), "channels.lock.json -> this binary's channels, mode full: 0 change(s), 0 refused\n");
    /// ```
    pub fn text(&self) -> String {
        let mut out = format!(
            "{} -> this binary's channels, mode {}: {} change(s), {} refused\n",
            self.source.label(),
            self.mode,
            self.report.changes.len(),
            self.refused()
        );
        for change in &self.report.changes {
            let mark = if change.refused_by(self.mode) {
                "REFUSED"
            } else {
                "ok     "
            };
            out.push_str(&format!("{mark} {change}\n"));
        }
        out
    }

    /// The report as JSON: `passed`, `mode`, `against`, `class` (of all changes together),
    /// `refused` (a count) and `changes`, each with `refused` (whether the mode refuses it).
    ///
    /// ```
    /// use realtime::core::compat::{Lock, Mode};
    /// use realtime::core::ChannelRegistry;
    /// use realtime_cli::schema::compat::{check, CheckSource};
    /// let registry = ChannelRegistry::new();
    /// let source = CheckSource::Lock("channels.lock.json".into());
    /// let report = check(&Lock::from_registry(&registry), &registry, Mode::Backward, &source, &[]).json();
    /// assert_eq!(report["passed"], true);
    /// assert_eq!(report["mode"], "backward");
    /// ```
    pub fn json(&self) -> Value {
        let changes: Vec<Value> = self.report.changes.iter().map(|c| self.change_json(c)).collect();
        json!({
            "passed": self.passed(),
            "mode": self.mode,
            "against": self.source.label(),
            "class": self.report.class(),
            "refused": self.refused(),
            "changes": changes,
        })
    }

    fn change_json(&self, change: &Change) -> Value {
        let mut value = serde_json::to_value(change).unwrap_or_default();
        value["refused"] = json!(change.refused_by(self.mode));
        value
    }
}

/// Compares the channels of `registry` (new) with `old` under `mode`, with the topics
/// `renames` declares renamed.
pub fn check(
    old: &Lock,
    registry: &ChannelRegistry,
    mode: Mode,
    source: &CheckSource,
    renames: &[TopicRename],
) -> CheckOutcome {
    CheckOutcome {
        report: compare_with(old, &Lock::from_registry(registry), renames),
        mode,
        source: source.clone(),
    }
}

/// The check `realtime serve --lock FILE` runs before it starts: the channels of
/// `registry` compared with the lock at `lock` under `mode`. A change the mode refuses is
/// [`SchemaError::Incompatible`], with the report written to `report` first.
///
/// ```
/// use realtime::core::compat::{Lock, Mode};
/// use realtime::core::ChannelRegistry;
/// use realtime_cli::schema::compat::check_before_serving;
///
/// let registry = ChannelRegistry::new();
/// let path = std::env::temp_dir().join(format!("serve-{}.lock.json", std::process::id()));
/// std::fs::write(&path, Lock::from_registry(&registry).to_json()).unwrap();
/// let mut report = Vec::new();
/// assert!(check_before_serving(&path, Mode::Full, &registry, &mut report).is_ok());
/// # std::fs::remove_file(path).unwrap();
/// ```
pub fn check_before_serving(
    lock: &Path,
    mode: Mode,
    registry: &ChannelRegistry,
    report: &mut dyn Write,
) -> Result<CheckOutcome, SchemaError> {
    let source = CheckSource::Lock(lock.to_owned());
    let outcome = check(&source.read()?, registry, mode, &source, &[]);
    if outcome.passed() {
        return Ok(outcome);
    }
    report
        .write_all(outcome.text().as_bytes())
        .map_err(SchemaError::Stdout)?;
    Err(SchemaError::Incompatible(Refused {
        count: outcome.refused(),
        mode,
        class: outcome.report.class(),
    }))
}

/// Runs `lock` or `check` over the channels of `registry`, printing to `stdout`; a check
/// with refused changes is [`SchemaError::Incompatible`], after the report is printed.
///
/// ```
/// use realtime::core::ChannelRegistry;
/// use realtime_cli::schema::compat::{run, CompatCommand, LockArgs};
///
/// let out = std::env::temp_dir().join(format!("doc-{}.lock.json", std::process::id()));
/// let mut printed = Vec::new();
/// run(&CompatCommand::Lock(LockArgs { out: out.clone() }), &ChannelRegistry::new(), &mut printed).unwrap();
/// assert!(std::fs::read_to_string(&out).unwrap().contains("\"lock_version\": 1"));
/// # std::fs::remove_file(out).unwrap();
/// ```
pub fn run(
    command: &CompatCommand,
    registry: &ChannelRegistry,
    stdout: &mut dyn Write,
) -> Result<(), SchemaError> {
    match command {
        CompatCommand::Lock(args) => {
            let lock = Lock::from_registry(registry);
            std::fs::write(&args.out, lock.to_json()).map_err(|source| SchemaError::WriteFile {
                path: args.out.clone(),
                source,
            })?;
            writeln!(stdout, "{}", args.out.display()).map_err(SchemaError::Stdout)?;
        }
        CompatCommand::Check(args) => {
            let source = args.source();
            let outcome = check(&source.read()?, registry, args.mode.0, &source, &args.renames);
            let text = if args.json {
                let mut text = serde_json::to_string_pretty(&outcome.json()).unwrap_or_default();
                text.push('\n');
                text
            } else {
                outcome.text()
            };
            stdout.write_all(text.as_bytes()).map_err(SchemaError::Stdout)?;
            stdout.flush().map_err(SchemaError::Stdout)?;
            if !outcome.passed() {
                return Err(SchemaError::Incompatible(Refused {
                    count: outcome.refused(),
                    mode: outcome.mode,
                    class: outcome.report.class(),
                }));
            }
        }
    }
    stdout.flush().map_err(SchemaError::Stdout)
}

/// Changes a check refused: how many, under which mode, and their class together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    /// How many changes the mode refuses.
    pub count: usize,
    /// The mode.
    pub mode: Mode,
    /// The class of all the changes together.
    pub class: Compatibility,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} change(s) refused in mode {} (all changes together: {}); see the report above",
            self.count, self.mode, self.class
        )
    }
}
