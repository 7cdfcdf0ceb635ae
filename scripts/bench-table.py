#!/usr/bin/env python3
"""Prints the delivery benchmark's results as Markdown tables.

Reads criterion's output (target/criterion/<group>/<function>/<value>/new/) after
`cargo bench --bench delivery` and/or `cargo bench --bench redis` and prints:

- `redis`: the Redis transport's deliveries per second and its ratio to raw Redis
  `PUBLISH` measured in the same run;

- `fanout`: deliveries per second of each case per subscriber count, and its ratio to
  the raw tokio broadcast baseline measured in the same run; where the run has the
  `broadcast_decode` reference (raw broadcast plus each subscriber's typed decode), also
  the realtime cases' ratio to it;
- `fanout_one_thread`: the same tables for the fan-out on a current-thread runtime;
- `parts`: the time of each step measured alone.

Usage: python3 scripts/bench-table.py [CRITERION_DIR...]
CRITERION_DIR defaults to $CARGO_TARGET_DIR/criterion, else target/criterion at the
repository root. Given several directories (runs saved with CRITERION_HOME=<dir> cargo
bench --bench delivery), it prints the tables of the first and then each run's ratios side
by side, to show how much they move from run to run. Figures are criterion's typical estimates (the mean per iteration, or the
slope for linearly sampled benchmarks), as it prints them, with 95% confidence intervals.
"""

import datetime
import json
import os
import sys
from pathlib import Path

BASELINE = "broadcast"
# Raw broadcast of the JSON payload, each subscriber decoding it: the typed-decode floor.
DECODE_FLOOR = "broadcast_decode"
# The same fan-out on a current-thread runtime (no cross-thread wake-ups).
ONE_THREAD = "fanout_one_thread"
CASES = ["broadcast", DECODE_FLOOR, "realtime_validated", "realtime_unvalidated", "realtime_shared"]
# Results written further apart than this probably come from separate runs.
SAME_RUN_SECONDS = 30 * 60


def criterion_dirs():
    if len(sys.argv) > 1:
        return [Path(arg) for arg in sys.argv[1:]]
    target = os.environ.get("CARGO_TARGET_DIR")
    if target:
        return [Path(target) / "criterion"]
    return [Path(__file__).resolve().parent.parent / "target" / "criterion"]


def load(root):
    """Every benchmark's id, throughput and typical estimate, keyed by (group, function, value)."""
    results = {}
    for bench_file in sorted(root.glob("**/new/benchmark.json")):
        estimates_file = bench_file.with_name("estimates.json")
        if not estimates_file.exists():
            continue
        bench = json.loads(bench_file.read_text())
        estimates = json.loads(estimates_file.read_text())
        # What criterion prints: the slope of linear sampling, else the mean.
        typical = estimates.get("slope") or estimates["mean"]
        key = (bench["group_id"], bench["function_id"], bench["value_str"])
        results[key] = {
            "elements": (bench.get("throughput") or {}).get("Elements"),
            "ns": typical["point_estimate"],
            "ns_low": typical["confidence_interval"]["lower_bound"],
            "ns_high": typical["confidence_interval"]["upper_bound"],
            "written": estimates_file.stat().st_mtime,
        }
    return results


def duration(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def rate(per_second):
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if per_second >= scale:
            return f"{per_second / scale:.3g} {unit}"
    return f"{per_second:.3g}"


def per_second(result, ns):
    return result["elements"] * 1e9 / ns


def fanout_tables(results, group="fanout"):
    fanout = {(f, v): r for (g, f, v), r in results.items() if g == group}
    counts = sorted({int(v) for (_, v) in fanout})
    lines = [
        "| subscribers | case | time / iteration (100 messages) | deliveries/s (95% CI) "
        "| throughput ÷ broadcast | time × broadcast |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    ratios = {}
    for count in counts:
        base = fanout.get((BASELINE, str(count)))
        for case in CASES:
            r = fanout.get((case, str(count)))
            if r is None:
                continue
            thrpt = per_second(r, r["ns"])
            ci = f"{rate(per_second(r, r['ns_high']))} – {rate(per_second(r, r['ns_low']))}"
            if base is None:
                share, slowdown = "n/a", "n/a"
            else:
                share_value = base["ns"] / r["ns"]
                ratios[(count, case)] = share_value
                share, slowdown = f"{share_value:.3f}", f"{r['ns'] / base['ns']:.2f}×"
            lines.append(
                f"| {count:,} | `{case}` | {duration(r['ns'])} | {rate(thrpt)}/s ({ci}) "
                f"| {share} | {slowdown} |"
            )
    others = [c for c in CASES if c != BASELINE and any((n, c) in ratios for n in counts)]
    # Against the decode floor: how much the realtime path adds to the typed decode itself.
    floored = [c for c in others if c != DECODE_FLOOR] if DECODE_FLOOR in others else []
    compact = [
        "| subscribers | "
        + " | ".join([f"`{c}` ÷ `{BASELINE}`" for c in others] + [f"`{c}` ÷ `{DECODE_FLOOR}`" for c in floored])
        + " |",
        "|---:|" + "---:|" * (len(others) + len(floored)),
    ]
    for count in counts:
        cells = [
            f"{ratios[(count, c)]:.3f} (1 / {1 / ratios[(count, c)]:.1f})" if (count, c) in ratios else "n/a"
            for c in others
        ]
        for c in floored:
            floor, r = fanout.get((DECODE_FLOOR, str(count))), fanout.get((c, str(count)))
            cells.append(f"{floor['ns'] / r['ns']:.3f}" if floor and r else "n/a")
        compact.append(f"| {count:,} | " + " | ".join(cells) + " |")
    return lines, compact, ratios


def parts_table(results):
    parts = sorted((f, v, r) for (g, f, v), r in results.items() if g == "parts")
    lines = ["| step | time (95% CI) |", "|---|---:|"]
    for function, value, r in parts:
        name = function if not value else f"{function}/{value}"
        lines.append(f"| `{name}` | {duration(r['ns'])} ({duration(r['ns_low'])} – {duration(r['ns_high'])}) |")
    return lines


def spread_table(runs, group="fanout"):
    """Each run's throughput ratio to its own broadcast baseline, side by side."""
    per_run = [fanout_tables(results, group)[2] for _, results in runs]
    keys = sorted(
        {key for ratios in per_run for key in ratios if key[1] != BASELINE},
        key=lambda key: (key[0], CASES.index(key[1])),
    )
    lines = [
        "| subscribers | case | " + " | ".join(f"run {i + 1}" for i in range(len(runs))) + " | min – max |",
        "|---:|---|" + "---:|" * (len(runs) + 1),
    ]
    for count, case in keys:
        values = [ratios.get((count, case)) for ratios in per_run]
        present = [v for v in values if v is not None]
        cells = [f"{v:.3f}" if v is not None else "n/a" for v in values]
        lines.append(
            f"| {count:,} | `{case}` | " + " | ".join(cells) + f" | {min(present):.3f} – {max(present):.3f} |"
        )
    return lines


def redis_table(results):
    """The Redis transport against raw Redis PUBLISH, per publishing mode, same run."""
    redis = {(f, v): r for (g, f, v), r in results.items() if g == "redis"}
    lines = [
        "| mode | case | time / iteration (100 messages) | deliveries/s (95% CI) | throughput ÷ raw PUBLISH |",
        "|---|---|---:|---:|---:|",
    ]
    for mode in ("sequential", "pipelined"):
        base = redis.get(("raw_publish", mode))
        for case in ("raw_publish", "transport", "transport_100_subscribers"):
            r = redis.get((case, mode))
            if r is None:
                continue
            ci = f"{rate(per_second(r, r['ns_high']))} – {rate(per_second(r, r['ns_low']))}"
            ratio = "n/a" if base is None else f"{per_second(r, r['ns']) / per_second(base, base['ns']):.3f}"
            lines.append(
                f"| {mode} | `{case}` | {duration(r['ns'])} | {rate(per_second(r, r['ns']))}/s ({ci}) | {ratio} |"
            )
    return lines


def load_run(root):
    results = load(root)
    if not any(g in ("fanout", "redis") for (g, _, _) in results):
        sys.exit(f"no results under {root}; run `cargo bench --bench delivery` or `--bench redis` first")
    return results


def describe_run(label, root, results):
    written = [r["written"] for r in results.values()]
    first, last = (
        datetime.datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M:%S") for t in (min(written), max(written))
    )
    print(f"{label}: results written {first} – {last} (from {root}).")
    if max(written) - min(written) > SAME_RUN_SECONDS:
        print(
            "\n**Warning**: results written more than 30 minutes apart may come from separate runs; "
            "ratios are only meaningful within one run."
        )


def main():
    runs = [(root, load_run(root)) for root in criterion_dirs()]
    for i, (root, results) in enumerate(runs):
        describe_run(f"Run {i + 1}" if len(runs) > 1 else "Run", root, results)
    root, results = runs[0]
    if any(g == "redis" for (g, _, _) in results):
        print("\n### Redis: the transport against raw PUBLISH" + (" (run 1)" if len(runs) > 1 else "") + "\n")
        print("\n".join(redis_table(results)))
    if not any(g == "fanout" for (g, _, _) in results):
        return
    one_thread = any(g == ONE_THREAD for (g, _, _) in results)
    for group, title in (("fanout", ""), (ONE_THREAD, ", on one thread")):
        if group == ONE_THREAD and not one_thread:
            continue
        full, compact, _ = fanout_tables(results, group)
        print(f"\n### Fan-out{title}: deliveries per second" + (" (run 1)" if len(runs) > 1 else "") + "\n")
        print("\n".join(full))
        print(f"\n### Ratio realtime / broadcast{title} (throughput; 1 / x is the slowdown)\n")
        print("\n".join(compact))
    if any(g == "parts" for (g, _, _) in results):
        print("\n### Parts of the realtime path, alone\n")
        print("\n".join(parts_table(results)))
    if len(runs) > 1:
        for group, title in (("fanout", ""), (ONE_THREAD, ", on one thread")):
            if group == ONE_THREAD and not one_thread:
                continue
            print(f"\n### Throughput ratio realtime / broadcast{title}, run by run\n")
            print("\n".join(spread_table(runs, group)))

if __name__ == "__main__":
    main()
