"""Benchmark 3, recrawl (and the crawl half of benchmark 6, memory).

A full replay crawl is `sota crawl timm eff arxiv --replay ../shared/replay` (every default
source the mirror holds; pwcco and pwc's production URLs have no mirror files, so crawling them
would time 404 handling, not a recrawl) followed by `sota crawl pwc --replay ../shared/replay
--url <the 3 captures>`, on a fresh database. The
second, unchanged crawl is the same two commands again. Figures are wall-clock seconds of the
two commands, process start-up included (the CLI process and every per-source crawl child).
Both commands run through `bench.probe`, which is the same click entry point plus a report of
the process's peak RSS (VmHWM) and its largest child's (VmHWM polled from /proc): the memory
figure is the larger of the two commands' parent + child peaks during the first crawl.
"""
from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

from bench.common import PWC_CAPTURES, REPLAY, Row, remove_db, run_timed

TARGET = "<= 0.1"


def _commands(db: Path) -> list[list[str]]:
    pwc = ["crawl", "pwc", "--replay", str(REPLAY)] + sum((["--url", u] for u in PWC_CAPTURES), [])
    return [["crawl", "timm", "eff", "arxiv", "--replay", str(REPLAY), "--db", str(db)], pwc + ["--db", str(db)]]


def crawl_pass(db: Path, out: Path, tag: str) -> tuple[float, int]:
    """(seconds, peak parent + child RSS in bytes) of one full replay crawl."""
    total, peak = 0.0, 0
    for i, args in enumerate(_commands(db)):
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
    settled by the parent's conditional requests (ingest.crawl: preflight)."""
    from runs.crawl import archive_root

    root = archive_root(db)
    return sum((root / source / f"run-{run_id:06d}" / "crawler.log").exists() for run_id, source in runs)


def run(out: Path, quick: bool, notes: list[str]) -> tuple[list[Row], int]:
    """Rows for the recrawl benchmark, and the crawl's peak memory (bytes) for benchmark 6."""
    firsts, seconds, peaks, written, failed, children = [], [], [], 0, set(), (0, 0)
    for i in range(1 if quick else 2):
        db = out / f"recrawl-{i}.db"
        remove_db(db)
        spent, peak = crawl_pass(db, out, f"first{i}")
        firsts.append(spent)
        peaks.append(peak)
        last_run, results_before, history_before = _counts(db)
        spent, _ = crawl_pass(db, out, f"second{i}")
        seconds.append(spent)
        runs = _runs_since(db, last_run)
        _, results_after, history_after = _counts(db)
        # Rows the runs say they wrote, cross-checked with the tables' row counts.
        written += max(sum(r[2] + r[3] for r in runs),
                       (results_after - results_before) + (history_after - history_before))
        failed |= {r[0] for r in runs if r[1] != "ok"}
        children = (_children_started(db, [(r[4], r[0]) for r in runs]), len(runs))
        remove_db(db)
    first, second = sum(firsts) / len(firsts), sum(seconds) / len(seconds)
    notes.append(f"recrawl: wall seconds of `sota crawl timm eff arxiv --replay` + `sota crawl pwc --replay "
                 f"--url x3`, INCLUDING process start-up (2 CLI processes and every crawl child); first "
                 f"{', '.join(f'{t:.2f}' for t in firsts)} s, unchanged second {', '.join(f'{t:.2f}' for t in seconds)} s. "
                 f"In the unchanged crawl {children[0]} of {children[1]} runs started a crawl child (arXiv's cursor "
                 f"query always does); the others were settled by the parent's conditional requests. "
                 f"Sources failing in both crawls: {', '.join(sorted(failed)) or 'none'}")
    rows = [Row.compare("recrawl: unchanged second crawl vs first crawl (s)", second, first, TARGET),
            Row("recrawl: result rows written by the unchanged crawl", float(written), None, None, "== 0",
                written == 0)]
    return rows, max(peaks)
