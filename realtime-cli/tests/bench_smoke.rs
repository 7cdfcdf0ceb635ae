//! `realtime bench --smoke --json` against the real binary: a few seconds in all (every
//! scenario and system measured at once), a
//! few hundred subscribers, and every system (the gateway, its same-run baseline, and the
//! Socket.IO peer when `realtime-cli/socketio-peer` is installed) must deliver every message exactly once.

#[path = "../../tests/common/redis.rs"]
mod redis_support;

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The whole smoke run may take at most this long; it is killed after.
const LIMIT: Duration = Duration::from_secs(240);

#[test]
fn smoke_run_delivers_everything_exactly_once() {
    // The Redis the tests use (scripts/test starts one when none answers).
    let redis = redis_support::url();
    let mut child = Command::new(env!("CARGO_BIN_EXE_realtime"))
        .args(["bench", "--smoke", "--json", "--redis", &redis])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start realtime bench");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for realtime bench") {
            break status;
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("realtime bench --smoke ran longer than {LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut out = String::new();
    child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    let reports: Vec<serde_json::Value> = out
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON: {line}: {e}")))
        .collect();
    assert!(reports.len() >= 3, "too few scenarios: {out}");
    for report in &reports {
        let name = report["scenario"].as_str().unwrap();
        let mut systems = vec![("realtime", report), ("baseline", &report["baseline"])];
        if !report["peer"].is_null() {
            systems.push(("peer", &report["peer"]));
        }
        for (which, figures) in systems {
            assert_eq!(figures["lost"], 0, "{name} {which} lost messages: {figures}");
            assert_eq!(
                figures["duplicated"], 0,
                "{name} {which} duplicated messages: {figures}"
            );
            assert!(
                figures["delivered"].as_u64().unwrap() > 0,
                "{name} {which} delivered nothing: {figures}"
            );
            assert!(
                figures["delivered_per_sec"].as_f64().unwrap() > 0.0,
                "{name} {which}: {figures}"
            );
            assert!(figures["p99_ms"].as_f64().is_some() && figures["rss_per_conn_bytes"].as_f64().is_some());
        }
    }
    assert!(status.success(), "realtime bench --smoke failed: {status}\n{out}");
}
