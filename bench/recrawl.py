"""Benchmark 3, recrawl and reprocess (and the crawl half of benchmark 6, memory).

A full replay crawl is `sota crawl timm eff arxiv --replay ../shared/replay` (every default
source the mirror holds; pwcco and pwc's production URLs have no mirror files, so crawling them
would time 404 handling, not a recrawl) followed by `sota crawl pwc --replay ../shared/replay
--url <the 3 captures>`, on a fresh database. Then `sota reprocess` (offline: the archive,
every source) re-derives the same data, and a second, unchanged crawl repeats the two crawl
commands. Each repeat gives two ratios, reprocess/first and second/first; the figures are the
medians over 3 repeats (so a target does not flip on noise), each repeat a fresh database.
Figures are wall-clock seconds, process start-up included (every CLI process and crawl child).
The crawls run through `bench.probe`, the same click entry point plus a report of the process's
peak RSS (VmHWM) and its largest child's: the memory figure is the largest parent + child peak
of a first crawl. --quick: the same 3 repeats with one PWC capture instead of three. timm stays
in: without it the first crawl is a few seconds, and the ratio would measure process start-up
(two CLI processes with nothing to do) rather than what a recrawl costs against a crawl.
"""
from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

from bench.common import PWC_CAPTURES, REPLAY, Row, median, remove_db, run_timed, sota_cmd

TARGET = "<= 0.1"
REPROCESS_TARGET = "<= 0.5"
REPEATS = 3


def _commands(db: Path, quick: bool = False) -> list[list[str]]:
    captures = PWC_CAPTURES[:1] if quick else PWC_CAPTURES
    pwc = ["crawl", "pwc", "--replay", str(REPLAY)] + sum((["--url", u] for u in captures), [])
    return [["crawl", "timm", "eff", "arxiv", "--replay", str(REPLAY), "--db", str(db)], pwc + ["--db", str(db)]]


def crawl_pass(db: Path, out: Path, tag: str, quick: bool = False) -> tuple[float, int]:
    """(seconds, peak parent + child RSS in bytes) of one replay crawl."""
    total, peak = 0.0, 0
    for i, args in enumerate(_commands(db, quick)):
        report = out / f"probe-{tag}-{i}.json"
        spent, _ = run_timed([sys.executable, "-m", "bench.probe", str(report), *args], out / "crawl.log")
        data = json.loads(report.read_text())
        total += spent
        peak = max(peak, data["peak_self"] + data["peak_child"])
    return total, peak


def _runs_since(db: Path, after: int) -> list[tuple]:
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT source, status, coalesce(items_inserted, 0), coalesce(items_updated, 0), id "
                        "FROM crawl_runs WHERE id > ? ORDER BY id", [after]).fetchall()
    conn.close()
    return rows


def _counts(db: Path) -> tuple[int, int, int]:
    conn = sqlite3.connect(db)
    out = tuple(conn.execute(f"SELECT {x}").fetchone()[0] for x in (
        "coalesce(max(id), 0) FROM crawl_runs", "count(*) FROM results", "count(*) FROM results_history"))
    conn.close()
    return out  # type: ignore[return-value]


def _children_started(db: Path, runs: list[tuple]) -> int:
    """How many of these runs started a crawl child (its log file exists); the rest were
    settled by the parent's conditional requests (runs.crawl: preflight)."""
    from runs.crawl import archive_root

    root = archive_root(db)
    return sum((root / source / f"run-{run_id:06d}" / "crawler.log").exists() for run_id, source in runs)


def run(out: Path, quick: bool, notes: list[str]) -> tuple[list[Row], int]:
    """Rows for the recrawl and reprocess benchmarks, and the crawl's peak memory (bytes)."""
    firsts, seconds, reprocs, peaks, written, rewritten, failed = [], [], [], [], 0, 0, set()
    children = (0, 0)
    for i in range(REPEATS):
        db = out / f"recrawl-{i}.db"
        remove_db(db)
        spent, peak = crawl_pass(db, out, f"first{i}", quick)
        firsts.append(spent)
        peaks.append(peak)
        last_run, results_before, history_before = _counts(db)
        spent, code = run_timed(sota_cmd("reprocess", "--db", str(db)), out / "reprocess.log")
        if code != 0:
            raise RuntimeError(f"sota reprocess exited {code}; see {out / 'reprocess.log'}")
        reprocs.append(spent)
        after_reprocess, results_mid, history_mid = _counts(db)
        rewritten += (results_mid - results_before) + (history_mid - history_before)
        spent, _ = crawl_pass(db, out, f"second{i}", quick)
        seconds.append(spent)
        runs = _runs_since(db, after_reprocess)
        _, results_after, history_after = _counts(db)
        # Rows the runs say they wrote, cross-checked with the tables' row counts.
        written += max(sum(r[2] + r[3] for r in runs),
                       (results_after - results_mid) + (history_after - history_mid))
        failed |= {r[0] for r in runs if r[1] != "ok"}
        children = (_children_started(db, [(r[4], r[0]) for r in runs]), len(runs))
        remove_db(db)
    second_ratio = median([b / a for a, b in zip(firsts, seconds)])
    reprocess_ratio = median([b / a for a, b in zip(firsts, reprocs)])
    what = "timm + eff + arxiv + 1 PWC capture (--quick)" if quick else "timm + eff + arxiv + 3 PWC captures"
    notes.append(f"recrawl: {what}; wall seconds INCLUDING process start-up; first crawl "
                 f"{', '.join(f'{t:.2f}' for t in firsts)} s; `sota reprocess` (offline, from the archive) "
                 f"{', '.join(f'{t:.2f}' for t in reprocs)} s; unchanged second crawl "
                 f"{', '.join(f'{t:.2f}' for t in seconds)} s; ratios are medians over {REPEATS} repeats. "
                 f"In the unchanged crawl {children[0]} of {children[1]} runs started a crawl child; the "
                 f"others were settled by the parent's conditional requests. Sources failing in both crawls: "
                 f"{', '.join(sorted(failed)) or 'none'}. Rows the reprocess wrote: {rewritten}")
    rows = [Row("recrawl: unchanged second crawl vs first crawl (s)", median(seconds), median(firsts),
                second_ratio, TARGET, second_ratio <= 0.1),
            Row("recrawl: result rows written by the unchanged crawl", float(written), None, None, "== 0",
                written == 0),
            Row("reprocess: full reprocess vs the replay crawl (s)", median(reprocs), median(firsts),
                reprocess_ratio, REPROCESS_TARGET, reprocess_ratio <= 0.5),
            Row("reprocess: rows written by reprocess of unchanged data", float(rewritten), None, None, "== 0",
                rewritten == 0)]
    return rows, max(peaks)
