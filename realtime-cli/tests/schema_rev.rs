//! `realtime schema check --rev REV`: the binary's channels (the demo's) compared with the
//! lock file as committed at a revision of a real git repository made here, and the
//! errors when git, the repository, the revision or the file is missing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use realtime_cli::schema::compat::CheckSource;
use realtime_cli::schema::git::GitError;
use realtime_cli::schema::SchemaError;
use serde_json::Value;

/// A fresh, empty scratch directory for `name`.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("schema-rev-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the scratch directory");
    dir
}

/// Runs `program` in `dir`, away from any repository or identity of the environment: git
/// looks for a repository no higher than the scratch directories (which are inside this
/// project's own repository).
fn run(program: &str, dir: &Path, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("GIT_CEILING_DIRECTORIES", env!("CARGO_TARGET_TMPDIR"))
        .env_remove("RUST_LOG")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap_or_else(|e| panic!("run {program}: {e}"))
}

fn realtime(dir: &Path, args: &[&str]) -> Output {
    run(env!("CARGO_BIN_EXE_realtime"), dir, args)
}

fn git(dir: &Path, args: &[&str]) {
    let output = run("git", dir, args);
    assert!(output.status.success(), "git {args:?}: {}", text(&output.stderr));
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A repository whose first commit holds the demo's lock at `path` (from the root), and
/// whose second holds it with `percent` allowed up to 50 only: the binary's 100 breaks
/// subscribers built on that lock.
fn repository(name: &str, path: &str) -> PathBuf {
    let dir = scratch(name);
    git(&dir, &["init", "--quiet", "--initial-branch", "main"]);
    git(&dir, &["config", "user.name", "Schema Check"]);
    git(&dir, &["config", "user.email", "schema-check@example.com"]);
    git(&dir, &["config", "commit.gpgsign", "false"]);
    let lock = dir.join(path);
    std::fs::create_dir_all(lock.parent().unwrap()).unwrap();
    let written = realtime(&dir, &["schema", "lock", "--out", path]);
    assert!(written.status.success(), "{}", text(&written.stderr));
    git(&dir, &["add", path]);
    git(&dir, &["commit", "--quiet", "-m", "the lock"]);
    git(&dir, &["tag", "v1"]);

    let mut value: Value = serde_json::from_str(&std::fs::read_to_string(&lock).unwrap()).unwrap();
    value["channels"]["Demo"]["topics"]["status"]["schema"]["properties"]["percent"]["maximum"] = 50.into();
    std::fs::write(&lock, serde_json::to_string_pretty(&value).unwrap()).unwrap();
    git(&dir, &["commit", "--quiet", "-am", "percent up to 50"]);
    dir
}

#[test]
fn check_compares_with_the_lock_as_committed_at_the_revision() {
    let dir = repository("committed", "channels.lock.json");
    // The working copy is no lock at all: only the committed versions are read.
    std::fs::write(dir.join("channels.lock.json"), "not JSON").unwrap();

    let at_v1 = realtime(&dir, &["schema", "check", "--rev", "v1"]);
    assert!(at_v1.status.success(), "{}", text(&at_v1.stderr));
    assert_eq!(
        text(&at_v1.stdout),
        "channels.lock.json at v1 -> this binary's channels, mode full: 0 change(s), 0 refused\n"
    );

    let at_head = realtime(&dir, &["schema", "check", "--rev", "HEAD"]);
    assert_eq!(at_head.status.code(), Some(1), "{}", text(&at_head.stdout));
    let report = text(&at_head.stdout);
    assert!(
        report.starts_with(
            "channels.lock.json at HEAD -> this binary's channels, mode full: 1 change(s), 1 refused"
        ),
        "{report}"
    );
    assert!(
        report.contains("REFUSED Demo, topic status, at /properties/percent/maximum: breaks_subscribers"),
        "{report}"
    );

    let parent = realtime(&dir, &["schema", "check", "--rev", "HEAD~1", "--json"]);
    assert!(parent.status.success(), "{}", text(&parent.stderr));
    let json: Value = serde_json::from_slice(&parent.stdout).unwrap();
    assert_eq!(json["against"], "channels.lock.json at HEAD~1");
    assert_eq!(json["passed"], true);

    let backward = realtime(&dir, &["schema", "check", "--rev", "main", "--mode", "backward"]);
    assert!(
        backward.status.success(),
        "only subscribers break: {}",
        text(&backward.stdout)
    );
}

#[test]
fn the_lock_path_is_taken_from_the_current_directory() {
    let dir = repository("nested", "app/locks/channels.lock.json");
    let from_root = realtime(
        &dir,
        &[
            "schema",
            "check",
            "--rev",
            "v1",
            "--lock",
            "app/locks/channels.lock.json",
        ],
    );
    assert!(from_root.status.success(), "{}", text(&from_root.stderr));

    let app = dir.join("app");
    let from_app = realtime(
        &app,
        &[
            "schema",
            "check",
            "--rev",
            "v1",
            "--lock",
            "locks/channels.lock.json",
        ],
    );
    assert!(from_app.status.success(), "{}", text(&from_app.stderr));
    let absolute = dir.join("app/locks/channels.lock.json");
    let from_anywhere = realtime(
        &std::env::temp_dir(),
        &[
            "schema",
            "check",
            "--rev",
            "HEAD",
            "--lock",
            absolute.to_str().unwrap(),
        ],
    );
    assert_eq!(from_anywhere.status.code(), Some(1), "HEAD allows up to 50");
}

#[test]
fn an_unknown_revision_a_missing_file_or_no_repository_is_an_error() {
    let dir = repository("errors", "channels.lock.json");
    let unknown = realtime(&dir, &["schema", "check", "--rev", "no-such-branch"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        text(&unknown.stderr).contains("error: unknown revision `no-such-branch`"),
        "{}",
        text(&unknown.stderr)
    );
    let option = realtime(&dir, &["schema", "check", "--rev=--all"]);
    assert!(
        text(&option.stderr).contains("unknown revision `--all`"),
        "{}",
        text(&option.stderr)
    );

    let missing = realtime(
        &dir,
        &["schema", "check", "--rev", "v1", "--lock", "other.lock.json"],
    );
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        text(&missing.stderr).contains("error: other.lock.json is not in revision `v1`"),
        "{}",
        text(&missing.stderr)
    );

    std::fs::write(dir.join("notes.txt"), "not a lock").unwrap();
    git(&dir, &["add", "notes.txt"]);
    git(&dir, &["commit", "--quiet", "-m", "notes"]);
    let not_a_lock = realtime(&dir, &["schema", "check", "--rev", "HEAD", "--lock", "notes.txt"]);
    assert!(
        text(&not_a_lock.stderr).contains("error: HEAD:notes.txt: not a lock file"),
        "{}",
        text(&not_a_lock.stderr)
    );

    let outside = scratch("outside");
    let no_repository = realtime(&outside, &["schema", "check", "--rev", "HEAD"]);
    assert_eq!(no_repository.status.code(), Some(1));
    assert!(
        text(&no_repository.stderr).contains(". is not in a git repository"),
        "{}",
        text(&no_repository.stderr)
    );
}

#[test]
fn without_git_on_the_path_rev_says_so() {
    let dir = repository("no-git", "channels.lock.json");
    let empty = scratch("empty-path");
    let output = Command::new(env!("CARGO_BIN_EXE_realtime"))
        .args(["schema", "check", "--rev", "HEAD"])
        .current_dir(&dir)
        .env("PATH", &empty)
        .output()
        .expect("run the realtime binary");
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains("cannot run git")
            && text(&output.stderr).contains("needs the `git` command"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn the_errors_are_typed() {
    let dir = repository("typed", "channels.lock.json");
    let read = |rev: &str, lock: &str| {
        CheckSource::Rev {
            rev: rev.into(),
            lock: dir.join(lock),
        }
        .read()
    };
    assert_eq!(read("v1", "channels.lock.json").unwrap().channels.len(), 1);
    assert!(matches!(
        read("nope", "channels.lock.json"),
        Err(SchemaError::Git(GitError::UnknownRevision { .. }))
    ));
    let Err(SchemaError::Git(GitError::NotInRevision { path, .. })) = read("v1", "sub/x.json") else {
        panic!("a file not in the revision")
    };
    assert_eq!(path, "sub/x.json");
    // This test's own process has no ceiling: a directory outside the project's repository.
    let elsewhere = std::env::temp_dir().join(format!("schema-rev-typed-{}", std::process::id()));
    std::fs::create_dir_all(&elsewhere).unwrap();
    let outside = CheckSource::Rev {
        rev: "HEAD".into(),
        lock: elsewhere.join("channels.lock.json"),
    };
    assert!(matches!(
        outside.read(),
        Err(SchemaError::Git(GitError::NotARepository { .. }))
    ));
    std::fs::remove_dir_all(elsewhere).unwrap();
}

#[test]
fn rev_is_a_usage_error_beside_against() {
    let dir = scratch("usage");
    let both = realtime(&dir, &["schema", "check", "--rev", "HEAD", "--against", "a.json"]);
    assert_eq!(both.status.code(), Some(2));
}
