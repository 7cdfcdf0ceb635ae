//! A file as committed at a git revision: what `realtime schema check --rev REV` compares
//! with. It runs the `git` command (`git show REV:<path from the repository's root>`), so
//! it reads any revision git can name: a commit, a branch, a tag, `HEAD~1`, `origin/main`.
//!
//! ```no_run
//! use std::path::Path;
//! use realtime_cli::schema::git::show;
//!
//! // channels.lock.json of the current directory, as committed in the last commit of main.
//! let committed = show("main", Path::new("channels.lock.json")).unwrap();
//! println!("{}:{} holds {} bytes", committed.rev, committed.path, committed.text.len());
//! ```

use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A file's text at a revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommittedFile {
    /// The revision, as given.
    pub rev: String,
    /// The file's path from the repository's root, with `/` separators.
    pub path: String,
    /// What the file held at the revision.
    pub text: String,
}

/// Why a file could not be read at a revision.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GitError {
    /// The `git` command could not be run.
    #[error("cannot run git ({source}): --rev needs the `git` command on the PATH")]
    Missing {
        /// Why it could not be started.
        source: io::Error,
    },
    /// The file's directory is not in a git repository (or does not exist).
    #[error("{} is not in a git repository: {message}", dir.display())]
    NotARepository {
        /// The directory git was run in.
        dir: PathBuf,
        /// What git said.
        message: String,
    },
    /// Git knows no commit by that name.
    #[error("unknown revision `{rev}`: git knows no commit by that name")]
    UnknownRevision {
        /// The revision, as given.
        rev: String,
    },
    /// The revision has no file at that path.
    #[error("{path} is not in revision `{rev}`: {message}")]
    NotInRevision {
        /// The revision, as given.
        rev: String,
        /// The path from the repository's root.
        path: String,
        /// What git said.
        message: String,
    },
}

/// The text of `file` (a path from the current directory, as on the command line) as
/// committed at `rev` in the repository that holds it.
pub fn show(rev: &str, file: &Path) -> Result<CommittedFile, GitError> {
    // Git runs in the nearest directory of the path that exists: the file, or its
    // directories, may be gone from the working copy and still be in the revision.
    let mut dir = file;
    let mut below = Vec::new();
    while let (Some(parent), Some(name)) = (dir.parent(), dir.file_name()) {
        below.push(name.to_string_lossy().into_owned());
        dir = parent;
        if dir.as_os_str().is_empty() || dir.is_dir() {
            break;
        }
    }
    below.reverse();
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let prefix = git(dir, &["rev-parse", "--show-prefix"])?;
    if !prefix.status.success() {
        return Err(GitError::NotARepository {
            dir: dir.to_owned(),
            message: said(&prefix),
        });
    }
    // A revision that looks like an option is refused before git reads it as one.
    let commit = format!("{rev}^{{commit}}");
    if rev.is_empty()
        || rev.starts_with('-')
        || !git(dir, &["rev-parse", "--verify", "--quiet", &commit])?
            .status
            .success()
    {
        return Err(GitError::UnknownRevision { rev: rev.to_owned() });
    }
    let path = format!(
        "{}{}",
        String::from_utf8_lossy(&prefix.stdout).trim_end_matches(['\n', '\r']),
        below.join("/")
    );
    let shown = git(dir, &["show", &format!("{rev}:{path}")])?;
    if !shown.status.success() {
        return Err(GitError::NotInRevision {
            rev: rev.to_owned(),
            path,
            message: said(&shown),
        });
    }
    Ok(CommittedFile {
        rev: rev.to_owned(),
        path,
        text: String::from_utf8_lossy(&shown.stdout).into_owned(),
    })
}

/// Runs git in `dir`; only a git that cannot be started is an error here.
fn git(dir: &Path, args: &[&str]) -> Result<Output, GitError> {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|source| GitError::Missing { source })
}

/// Git's message on stderr, on one line.
fn said(output: &Output) -> String {
    let text = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    lines.join("; ")
}
