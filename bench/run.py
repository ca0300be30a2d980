"""`python -m bench [--quick] [--out DIR] [--only NAME] [--strict]`: every benchmark, side by side
in one run, one table.

Columns: benchmark, figure, baseline, ratio (figure / baseline), target (checked against the
ratio), pass/fail; then notes (how each figure was measured, where the query plans are) and a
last line `bench: N/M targets met`. Exit code 0 whether targets pass or not: the bench reports.
A benchmark that cannot run prints `error` in its rows (and its traceback on stderr).

Benchmarks: 1 extraction (bench.extraction.run), 1b tables (bench.tables.run), 2 ingest write
path (bench.write_path), 3 recrawl and reprocess (bench.recrawl), 4 query growth
(bench.query_growth), 5 arXiv pacing (bench.arxiv_pacing), 6 memory (bench.recrawl's crawl peak +
bench.memory's daemon growth).
--quick runs the same code on reduced sizes (CI).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import traceback
from pathlib import Path

from bench.common import Row, fmt

HEADER = ("benchmark", "figure", "baseline", "ratio", "target", "pass/fail")
# Row names each benchmark prints (tests/test_bench.py checks every one is there).
EXPECTED = {
    "extraction": [f"extraction: set {n}: {figure}" for n in (1, 2) for figure in (
        "precision (core claims)", "recall (core claims)", "F1 (core claims)", "setting accuracy",
        "role accuracy", "abstracts/s vs bare regex")],
    "tables": ["tables: precision (paper, table, value)", "tables: recall (paper, table, value)",
               "tables: role accuracy (matched)", "tables: look-alike cells",
               "tables: pages/s, labelled pages", "tables: pages/s, 1.5 MB pages"],
    "ingest": ["ingest: save_items rows/s vs sqlite3 executemany", "ingest: sota crawl timm vs sqlite-utils insert --csv (CSV rows/s)"],
    "recrawl": ["recrawl: unchanged second crawl vs first crawl (s)",
                "recrawl: result rows written by the unchanged crawl",
                "reprocess: full reprocess vs the replay crawl (s)",
                "reprocess: rows written by reprocess of unchanged data"],
    "query": ["query: leaderboard ms", "query: progression ms"],
    "arxiv": ["arxiv pacing: mean request spacing (s) vs floor", "arxiv pacing: min request spacing (s) vs floor"],
    "memory": ["memory: full replay crawl peak RSS, parent + child (MB)", "memory: daemon RSS after"],
}


def module_rows(name: str, label: str):
    """A benchmark module whose `run(quick)` returns dict rows (figure, value, baseline, ratio,
    target, pass): its rows under `label: `."""
    def call(out: Path, quick: bool, notes: list[str]) -> list[Row]:
        import importlib

        rows = [Row(f"{label}: {r['figure']}", r["value"], r["baseline"], r["ratio"], r["target"], r["pass"])
                for r in importlib.import_module(f"bench.{name}").run(quick)]
        notes.append(f"{label}: bench.{name}.run(quick={quick}), rows as that module reports them "
                     f"(python -m bench.{name} for its own notes)")
        return rows
    return call


def table(rows: list[Row]) -> str:
    lines = [HEADER] + [(r.benchmark, fmt(r.figure), fmt(r.baseline), fmt(r.ratio), r.target or "-",
                         fmt(r.passed)) for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEADER))]
    out = []
    for i, line in enumerate(lines):
        cells = [line[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(line[1:4], widths[1:4])] + \
                [line[4].ljust(widths[4]), line[5]]
        out.append("  ".join(cells).rstrip())
        if i == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="reduced sizes of the same code (CI)")
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "sota-bench",
                        help="scratch databases, logs and query_plans.txt (default: %(default)s)")
    parser.add_argument("--only", action="append", choices=list(EXPECTED),
                        help="run only these benchmarks (repeatable)")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 when a benchmark errored or a row it should print is missing "
                             "(CI: the benchmarks still run; targets are reported, not enforced)")
    args = parser.parse_args(argv)
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    notes: list[str] = []
    rows: list[Row] = []
    crawl_peak: list[int | None] = [None]
    timings = {}

    def recrawl(out, quick, notes):
        from bench import recrawl as rc

        found, crawl_peak[0] = rc.run(out, quick, notes)
        return found

    def memory(out, quick, notes):
        from bench import memory as mem

        if crawl_peak[0] is None:  # recrawl did not run (--only) or failed: measure one crawl here
            from bench.recrawl import crawl_pass
            from bench.common import remove_db

            db = out / "memory-crawl.db"
            remove_db(db)
            _, crawl_peak[0] = crawl_pass(db, out, "memory", quick)
            remove_db(db)
        notes.append("memory: crawl peak = peak RSS (VmHWM) of the `sota crawl` process + that of its "
                     "largest crawl child (VmHWM polled from /proc), the larger of the first crawl's two "
                     "commands (not getrusage: Linux carries the bench's own high-water mark into a "
                     "child across fork+exec, which read 2.5 GB after the 1M-row ingest)")
        return mem.run(out, quick, notes, crawl_peak[0])

    def module(name):
        def call(out, quick, notes):
            import importlib

            return importlib.import_module(f"bench.{name}").run(out, quick, notes)
        return call

    benches = {"extraction": module_rows("extraction", "extraction"), "tables": module_rows("tables", "tables"),
               "ingest": module("write_path"), "recrawl": recrawl,
               "query": module("query_growth"), "arxiv": module("arxiv_pacing"), "memory": memory}
    for name, bench in benches.items():
        if args.only and name not in args.only:
            continue
        print(f"bench: running {name} ...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        try:
            rows += bench(out, args.quick, notes)
        except Exception as exc:  # report and go on: one broken benchmark must not hide the rest
            traceback.print_exc()
            notes.append(f"{name}: ERROR {type(exc).__name__}: {exc}")
            rows += [Row(label, None, None, None, "error", False) for label in EXPECTED[name]]
        timings[name] = time.perf_counter() - t0
    elapsed = time.perf_counter() - started
    print(table(rows))
    print()
    for note in notes:
        print(f"* {note}")
    print("* seconds per benchmark: " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))
    (out / "results.json").write_text(json.dumps(
        {"quick": args.quick, "seconds": elapsed, "rows": [r.__dict__ for r in rows], "notes": notes},
        indent=1), encoding="utf-8")
    with_target = [r for r in rows if r.passed is not None]
    met = sum(1 for r in with_target if r.passed)
    print(f"bench: {met}/{len(with_target)} targets met ({'quick' if args.quick else 'full'} run, "
          f"{elapsed:.0f} s; output in {out})")
    missing = missing_rows(rows, args.only or list(EXPECTED))
    if missing:
        print("bench: missing or errored rows: " + "; ".join(missing), file=sys.stderr)
    return 1 if args.strict and missing else 0


def missing_rows(rows: list[Row], benches: list[str]) -> list[str]:
    """Expected rows of `benches` not printed, printed twice, or printed without a figure."""
    out = []
    for name in benches:
        for label in EXPECTED[name]:
            found = [r for r in rows if r.benchmark.startswith(label)]
            if len(found) != 1 or found[0].figure is None or found[0].target == "error":
                out.append(label)
    return out
