//! The latency-versus-subscribers plot, as a small hand-written SVG: p50 and p99 of each
//! system against the number of subscribers of one channel, log-scaled on both axes.

use std::fmt::Write;

use super::measure::Measured;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 420.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 170.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 60.0;

/// One line of the plot.
pub struct Series {
    /// The legend text.
    pub label: String,
    /// The colour.
    pub color: &'static str,
    /// Whether it is dashed (p50) or solid (p99).
    pub dashed: bool,
    /// `(subscribers, latency in ms)`.
    pub points: Vec<(f64, f64)>,
}

/// The p50 and p99 series of `runs` (one system's runs, by subscriber count).
pub fn series_of(label: &str, color: &'static str, runs: &[&Measured]) -> [Series; 2] {
    let points = |f: fn(&Measured) -> f64| -> Vec<(f64, f64)> {
        runs.iter()
            .filter(|m| m.error.is_none())
            .map(|m| (m.connected as f64, f(m)))
            .collect()
    };
    [
        Series {
            label: format!("{label} p99"),
            color,
            dashed: false,
            points: points(|m| m.p99_ms),
        },
        Series {
            label: format!("{label} p50"),
            color,
            dashed: true,
            points: points(|m| m.p50_ms),
        },
    ]
}

/// The SVG document.
pub fn svg(title: &str, series: &[Series]) -> String {
    let all: Vec<(f64, f64)> = series.iter().flat_map(|s| s.points.iter().copied()).collect();
    let (x_min, x_max) = decades(all.iter().map(|p| p.0));
    let (y_min, y_max) = decades(all.iter().map(|p| p.1.max(0.01)));
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x = |v: f64| LEFT + (v.log10() - x_min) / (x_max - x_min) * plot_w;
    let y = |v: f64| TOP + plot_h - (v.max(0.01).log10() - y_min) / (y_max - y_min) * plot_h;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(out, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        out,
        r#"<text x="{}" y="22" font-size="14" text-anchor="middle">{title}</text>"#,
        LEFT + plot_w / 2.0
    );
    for d in (x_min as i32)..=(x_max as i32) {
        let v = 10f64.powi(d);
        let _ = writeln!(
            out,
            r##"<line x1="{0:.1}" y1="{TOP}" x2="{0:.1}" y2="{1:.1}" stroke="#ddd"/><text x="{0:.1}" y="{2:.1}" text-anchor="middle">{3}</text>"##,
            x(v),
            TOP + plot_h,
            TOP + plot_h + 18.0,
            v
        );
    }
    for d in (y_min as i32)..=(y_max as i32) {
        let v = 10f64.powi(d);
        let _ = writeln!(
            out,
            r##"<line x1="{LEFT}" y1="{0:.1}" x2="{1:.1}" y2="{0:.1}" stroke="#ddd"/><text x="{2:.1}" y="{3:.1}" text-anchor="end">{4}</text>"##,
            y(v),
            LEFT + plot_w,
            LEFT - 6.0,
            y(v) + 4.0,
            v
        );
    }
    let _ = writeln!(
        out,
        r#"<text x="{}" y="{}" text-anchor="middle">subscribers on one channel</text>"#,
        LEFT + plot_w / 2.0,
        HEIGHT - 15.0
    );
    let _ = writeln!(
        out,
        r#"<text x="18" y="{}" text-anchor="middle" transform="rotate(-90 18 {})">publish-to-receive latency, ms</text>"#,
        TOP + plot_h / 2.0,
        TOP + plot_h / 2.0
    );
    for (i, s) in series.iter().enumerate() {
        let dash = if s.dashed {
            r#" stroke-dasharray="5,4""#
        } else {
            ""
        };
        let path: Vec<String> = s
            .points
            .iter()
            .map(|&(px, py)| format!("{:.1},{:.1}", x(px), y(py)))
            .collect();
        let _ = writeln!(
            out,
            r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="2"{dash}/>"#,
            path.join(" "),
            s.color
        );
        for &(px, py) in &s.points {
            let _ = writeln!(
                out,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{}"/>"#,
                x(px),
                y(py),
                s.color
            );
        }
        let ly = TOP + 10.0 + i as f64 * 18.0;
        let lx = WIDTH - RIGHT + 12.0;
        let _ = writeln!(
            out,
            r#"<line x1="{lx}" y1="{ly}" x2="{}" y2="{ly}" stroke="{}" stroke-width="2"{dash}/><text x="{}" y="{}">{}</text>"#,
            lx + 24.0,
            s.color,
            lx + 30.0,
            ly + 4.0,
            s.label
        );
    }
    out.push_str("</svg>\n");
    out
}

/// The whole decades (as log10) around `values`.
fn decades(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::MAX, f64::MIN);
    for v in values.filter(|v| *v > 0.0) {
        lo = lo.min(v.log10().floor());
        hi = hi.max(v.log10().ceil());
    }
    if lo > hi {
        return (0.0, 1.0);
    }
    (lo, if hi > lo { hi } else { lo + 1.0 })
}
