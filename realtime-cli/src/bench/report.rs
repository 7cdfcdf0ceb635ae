//! What a bench run prints: a plain table for people, or with `--json` one JSON object per
//! scenario (the gateway's figures at the top level, the baseline's under `baseline`, the
//! Socket.IO peer's under `peer`, and the ratios to each).

use serde::Serialize;

use super::measure::Measured;

/// A measured scenario.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioReport {
    /// The scenario's name.
    pub scenario: String,
    /// The gateway's figures.
    #[serde(flatten)]
    pub main: Measured,
    /// The same-run baseline's figures.
    pub baseline: Measured,
    /// The Socket.IO peer's figures, if compared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer: Option<Measured>,
    /// The gateway's figures divided by the baseline's.
    pub vs_baseline: Ratios,
    /// The gateway's figures divided by the peer's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vs_peer: Option<Ratios>,
}

/// The gateway's figures divided by another system's (above 1: the gateway's is larger).
#[derive(Debug, Clone, Serialize)]
pub struct Ratios {
    /// Deliveries per second.
    pub delivered_per_sec: f64,
    /// p50 latency.
    pub p50: f64,
    /// p99 latency.
    pub p99: f64,
    /// Resident memory per connection.
    pub rss_per_conn: f64,
    /// Server CPU seconds.
    pub server_cpu: f64,
}

impl Ratios {
    /// `main` over `other`.
    pub fn of(main: &Measured, other: &Measured) -> Self {
        let ratio = |a: f64, b: f64| if b > 0.0 { round(a / b, 3) } else { 0.0 };
        Ratios {
            delivered_per_sec: ratio(main.delivered_per_sec, other.delivered_per_sec),
            p50: ratio(main.p50_ms, other.p50_ms),
            p99: ratio(main.p99_ms, other.p99_ms),
            rss_per_conn: ratio(main.rss_per_conn_bytes, other.rss_per_conn_bytes),
            server_cpu: ratio(main.server_cpu_s, other.server_cpu_s),
        }
    }
}

impl ScenarioReport {
    /// Whether every system of the scenario delivered everything exactly once.
    pub fn clean(&self) -> bool {
        self.systems()
            .all(|m| m.lost == 0 && m.duplicated == 0 && m.delivered > 0 && m.error.is_none())
    }

    /// The gateway's run, the baseline's and the peer's.
    pub fn systems(&self) -> impl Iterator<Item = &Measured> {
        std::iter::once(&self.main)
            .chain(std::iter::once(&self.baseline))
            .chain(self.peer.as_ref())
    }
}

fn round(x: f64, places: i32) -> f64 {
    let scale = 10f64.powi(places);
    (x * scale).round() / scale
}

/// The table header.
pub fn header() -> String {
    format!(
        "{:<34} {:<16} {:<10} {:>6} {:>5} {:>11} {:>8} {:>8} {:>8} {:>5} {:>4} {:>9} {:>7} {:>7} {:>9}",
        "scenario",
        "system",
        "transport",
        "subs",
        "chans",
        "deliv/s",
        "p50 ms",
        "p99 ms",
        "max ms",
        "lost",
        "dup",
        "RSS/conn",
        "srv CPU",
        "load CPU",
        "x deliv/s"
    )
}

/// The table rows of one scenario: the gateway, then each comparison with its ratio.
pub fn rows(report: &ScenarioReport) -> Vec<String> {
    let row = |name: &str, m: &Measured, ratio: Option<f64>| {
        let mut line = format!(
            "{:<34} {:<16} {:<10} {:>6} {:>5} {:>11.0} {:>8.2} {:>8.2} {:>8.2} {:>5} {:>4} {:>9} {:>7.2} {:>7.2} {:>9}",
            name,
            m.system,
            m.transport,
            m.connected,
            m.channels,
            m.delivered_per_sec,
            m.p50_ms,
            m.p99_ms,
            m.max_ms,
            m.lost,
            m.duplicated,
            bytes(m.rss_per_conn_bytes),
            m.server_cpu_s,
            m.load_cpu_s,
            ratio.map(|r| format!("{r:.2}")).unwrap_or_default(),
        );
        if let Some(error) = &m.error {
            line.push_str(&format!("  ({error})"));
        }
        line
    };
    let mut lines = vec![row(&report.scenario, &report.main, None)];
    lines.push(row(
        "  baseline",
        &report.baseline,
        Some(report.vs_baseline.delivered_per_sec),
    ));
    if let (Some(peer), Some(ratios)) = (&report.peer, &report.vs_peer) {
        lines.push(row("  peer", peer, Some(ratios.delivered_per_sec)));
    }
    lines
}

fn bytes(n: f64) -> String {
    if n >= 1024.0 {
        format!("{:.1} KiB", n / 1024.0)
    } else {
        format!("{n:.0} B")
    }
}

/// A note under the table on what the columns mean.
pub const LEGEND: &str = "deliv/s: deliveries per second, first publish to last receipt; latency: publish \
(payload stamped) to receipt; lost/dup: over every subscriber, must be 0; RSS/conn: server resident memory \
added per idle connected subscriber; srv CPU: CPU seconds of the server process(es) while publishing and \
delivering; load CPU: the load generators'; x deliv/s: realtime's deliveries per second over this row's.";
