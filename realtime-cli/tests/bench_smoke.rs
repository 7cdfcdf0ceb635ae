//! `realtime bench --smoke --json` against the real binary: a few seconds in all (every
//! scenario and system measured at once), a
//! few hundred subscribers, and every system (the gateway, its same-run baseline, and the
//! Socket.IO peer when `realtime-cli/socketio-peer` is installed) must deliver every message exactly once.
//! And `realtime bench churn --smoke --json`: subscribers that keep dropping and resuming
//! get every message through the gateway, once, in order.

#[path = "../../tests/common/redis.rs"]
mod redis_support;

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The whole smoke run may take at most this long; it is killed after.
const LIMIT: Duration = Duration::from_secs(240);

/// Runs `realtime bench <args>` (killed after [`LIMIT`]); its exit status and stdout.
fn bench(args: &[&str]) -> (std::process::ExitStatus, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_realtime"))
        .arg("bench")
        .args(args)
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
            panic!("realtime bench {args:?} ran longer than {LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut out = String::new();
    child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    (status, out)
}

/// `realtime bench churn --smoke --json`: subscribers dropping every 0.2-0.6 s while
/// messages are published; through the gateway every one gets every message, once, in order,
/// resuming with `since`. The Socket.IO peer's figures are reported, not judged.
#[test]
fn churn_smoke_run_delivers_everything_exactly_once_across_reconnections() {
    let (status, out) = bench(&["churn", "--smoke", "--json"]);
    let report: serde_json::Value =
        serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("not JSON: {out}: {e}"));
    assert_eq!(report["scenario"], "churn");
    let realtime = &report["realtime"];
    assert!(realtime["error"].is_null(), "{realtime}");
    assert!(realtime["published"].as_u64().unwrap() > 0, "{realtime}");
    assert_eq!(realtime["delivered"], realtime["expected"], "{realtime}");
    assert_eq!(realtime["subscribers_missing"], 0, "{realtime}");
    assert_eq!(realtime["duplicates"], 0, "{realtime}");
    assert_eq!(realtime["reorderings"], 0, "{realtime}");
    assert!(
        realtime["reconnects"].as_u64().unwrap() >= realtime["subscribers"].as_u64().unwrap(),
        "every subscriber dropped at least once: {realtime}"
    );
    assert!(realtime["catch_up_p99_ms"].as_f64().is_some(), "{realtime}");
    if !report["peer"].is_null() {
        let peer = &report["peer"];
        assert!(peer["error"].is_null(), "{peer}");
        assert!(peer["published"].as_u64().unwrap() > 0, "{peer}");
        assert!(peer["reconnects"].as_u64().unwrap() > 0, "{peer}");
    }
    assert!(
        status.success(),
        "realtime bench churn --smoke failed: {status}\n{out}"
    );
}

#[test]
fn smoke_run_delivers_everything_exactly_once() {
    // The Redis the tests use (scripts/test starts one when none answers).
    let redis = redis_support::url();
    let (status, out) = bench(&["--smoke", "--json", "--redis", &redis]);
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
