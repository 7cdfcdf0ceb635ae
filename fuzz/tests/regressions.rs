//! Replays every seed (`fuzz/seeds/<target>/`) and every input a fuzzer crashed
//! (`fuzz/regressions/<target>/`) through its target: none may panic. CI runs this with the
//! workspace's tests; `scripts/fuzz` adds the crashes it finds to `fuzz/regressions/`.

use std::fs;
use std::path::{Path, PathBuf};

use realtime_fuzz::TARGETS;

/// The files of `dir`, sorted, hidden ones (such as `.gitkeep`) left out.
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("reads the directory").path())
        .filter(|p| {
            p.is_file()
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    files.sort();
    files
}

/// Runs every input under `fuzz/<kind>/<target>/` through its target; fails listing each
/// input that panicked.
fn replay(kind: &str) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(kind);
    let mut count = 0;
    let mut panicked = Vec::new();
    for (name, target) in TARGETS {
        for file in inputs(&root.join(name)) {
            let bytes = fs::read(&file).expect("reads the input");
            if std::panic::catch_unwind(|| target(&bytes)).is_err() {
                panicked.push(format!("{name}: {}", file.display()));
            }
            count += 1;
        }
    }
    assert!(
        panicked.is_empty(),
        "targets panicked on:\n{}",
        panicked.join("\n")
    );
    count
}

#[test]
fn every_seed_passes_its_target() {
    let count = replay("seeds");
    assert!(count >= TARGETS.len(), "each target has seeds ({count} found)");
}

#[test]
fn every_regression_passes_its_target() {
    replay("regressions");
}

#[test]
fn every_target_has_seeds_and_a_regressions_directory() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (name, _) in TARGETS {
        assert!(
            !inputs(&root.join("seeds").join(name)).is_empty(),
            "no seeds for {name}"
        );
        assert!(
            root.join("regressions").join(name).is_dir(),
            "no fuzz/regressions/{name}/"
        );
    }
}
