"""Benchmark 2, ingest: the real database write path against the plain tools.

a) rows/s of `ingest.load.save_items` (inside `db.connect.write_transaction`, on a database
   made by `db.migrations.ensure_db_shape`) for n synthetic results — 80 % timm-like
   (measured, CSV evidence), 20 % PWC-like (reported, dated, with paper references and JSON
   evidence), one run per source in one transaction — against raw `sqlite3` `executemany` of
   the same rows into the same schema's `results` table in one transaction. Fresh database
   files each time; PAIRS pairs of runs, alternating which goes first (baseline/ours, then
   ours/baseline, ...) so drift hits both alike; the ratio is the median of the pairs' ratios.
b) `sota crawl timm --replay` end to end (fresh database, process start-up, child crawl,
   parse, load, reconcile) against `sqlite-utils insert DB results FILE --csv` of the 8 timm
   results CSVs from ../shared/data/timm (8 processes); both as CSV data rows per second.
"""
from __future__ import annotations

import gc
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from bench.common import REPLAY, TIMM_DATA, Row, guarded, median, meets, remove_db, run_timed, sota_cmd
from bench.synth import pwc_items, timm_items

SAVE_TARGET = ">= 0.8"   # issue 12, item 6: ingest >= 0.8x raw executemany
PAIRS = 3                 # issue 12: every ratio is the median of at least three alternating runs


def _fresh_db(path: Path):
    from crawler.sources import load_sources
    from db.connect import open_db, write_transaction
    from db.migrations import ensure_db_shape
    from db.runs import start_run, sync_sources

    remove_db(path)
    db = open_db(path)
    ensure_db_shape(db)
    with write_transaction(db):
        sync_sources(db, load_sources())
    runs = {source: start_run(db, source, None, None) for source in ("timm", "pwc")}
    return db, runs


def _ours(path: Path, batches: dict[str, list[dict]]) -> float:
    from db.connect import write_transaction
    from ingest.load import save_items

    db, runs = _fresh_db(path)
    gc.collect()
    started = time.perf_counter()
    with write_transaction(db):
        inserted = sum(save_items(db, runs[source], items).inserted for source, items in batches.items())
    spent = time.perf_counter() - started
    expected = sum(map(len, batches.values()))
    if inserted != expected:
        raise AssertionError(f"save_items inserted {inserted} of {expected} rows")
    db.close()
    remove_db(path)
    return spent


def _baseline(path: Path, columns: list[str], rows: list[tuple]) -> float:
    db, _ = _fresh_db(path)
    db.close()
    conn = sqlite3.connect(path, isolation_level=None)
    sql = f"INSERT INTO results ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    gc.collect()
    started = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany(sql, rows)
    conn.execute("COMMIT")
    spent = time.perf_counter() - started
    count = conn.execute("SELECT count(*) FROM results").fetchone()[0]
    conn.close()
    remove_db(path)
    if count != len(rows):
        raise AssertionError(f"executemany left {count} of {len(rows)} rows")
    return spent


def save_items_vs_executemany(out: Path, n: int, notes: list[str]) -> Row:
    from db.connect import WRITE_CACHE_KIB
    from ingest.load import result_row

    n_timm = n * 4 // 5
    batches = {"timm": list(timm_items(n_timm)), "pwc": list(pwc_items(n - n_timm))}
    # Run ids are 1 (timm) and 2 (pwc) in every fresh database.
    run_ids = {"timm": 1, "pwc": 2}
    first = result_row(batches["timm"][0], 1)
    columns = list(first)
    rows = [tuple(result_row(item, run_ids[source]).values())
            for source, items in batches.items() for item in items]
    path = out / "ingest.db"
    ours, base = [], []
    for i in range(PAIRS):
        for step in (("base", "ours") if i % 2 == 0 else ("ours", "base")):
            if step == "ours":
                ours.append(_ours(path, batches))
            else:
                base.append(_baseline(path, columns, rows))
    del batches, rows
    gc.collect()
    # Same n on both sides, so a pair's rows/s ratio is baseline seconds / our seconds.
    ratio = median([b / o for o, b in zip(ours, base)])
    notes.append(f"ingest: {n:,} synthetic results (80% timm-like, 20% PWC-like), {PAIRS} pairs of runs "
                 f"alternating which goes first (baseline/ours, ours/baseline, ...), ratio = median of the "
                 f"pairs' ratios: save_items {', '.join(f'{t:.2f}' for t in ours)} s, "
                 f"executemany {', '.join(f'{t:.2f}' for t in base)} s (baseline: plain sqlite3 "
                 "connection, sqlite3 defaults, i.e. foreign keys off and a 2 MiB page cache, the "
                 "file in WAL mode; ours: open_db's pragmas, i.e. WAL, busy timeout, foreign keys on, "
                 f"a {WRITE_CACHE_KIB // 1024} MiB page cache, plus models/papers rows)")
    return Row(f"ingest: save_items rows/s vs sqlite3 executemany ({n // 1000:,}k results)",
               n / median(ours), n / median(base), ratio, SAVE_TARGET, meets(ratio, SAVE_TARGET))


def _sqlite_utils_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("sqlite-utils")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "sqlite_utils"]


def timm_crawl_vs_sqlite_utils(out: Path, repeats: int, notes: list[str]) -> Row:
    csvs = sorted(TIMM_DATA.glob("results-*.csv"))
    if len(csvs) != 8:
        raise FileNotFoundError(f"expected the 8 timm results CSVs in {TIMM_DATA}, found {len(csvs)}")
    csv_rows = sum(max(0, sum(1 for line in p.open(encoding="utf-8") if line.strip()) - 1) for p in csvs)
    ours_db, theirs_db, log = out / "timm-crawl.db", out / "timm-sqlite-utils.db", out / "timm.log"
    ours, theirs = [], []
    for i in range(repeats):
        for step in (("ours", "theirs") if i % 2 == 0 else ("theirs", "ours")):
            if step == "ours":
                remove_db(ours_db)
                spent, code = run_timed(sota_cmd("crawl", "timm", "--replay", str(REPLAY), "--db", str(ours_db)), log)
                if code != 0:
                    raise RuntimeError(f"sota crawl timm exited {code}; see {log}")
                ours.append(spent)
            else:
                remove_db(theirs_db)
                started = time.perf_counter()
                for csv in csvs:
                    # --alter: the files' columns differ (imagenet-a/-r/v2 add rank_diff etc.), so
                    # the plain command stops at the second file and says to add it.
                    subprocess.run(_sqlite_utils_cmd() + ["insert", str(theirs_db), "results", str(csv), "--csv", "--alter"],
                                   check=True, stdout=subprocess.DEVNULL)
                theirs.append(time.perf_counter() - started)
    n_results = sqlite3.connect(ours_db).execute("SELECT count(*) FROM results").fetchone()[0]
    n_rows = sqlite3.connect(theirs_db).execute("SELECT count(*) FROM results").fetchone()[0]
    remove_db(theirs_db)
    remove_db(ours_db)
    notes.append(f"timm end to end: {csv_rows:,} CSV rows; sota crawl timm (wrote {n_results:,} results) "
                 f"{', '.join(f'{t:.2f}' for t in ours)} s vs 8x sqlite-utils insert --csv "
                 f"(wrote {n_rows:,} rows) {', '.join(f'{t:.2f}' for t in theirs)} s; both include "
                 "process start-up; sqlite-utils needs --alter, as the 8 files' columns differ")
    return Row.compare("ingest: sota crawl timm vs sqlite-utils insert --csv (CSV rows/s)",
                       csv_rows / (sum(ours) / len(ours)), csv_rows / (sum(theirs) / len(theirs)))


def run(out: Path, quick: bool, notes: list[str]) -> list[Row]:
    n = 50_000 if quick else 1_000_000
    return [guarded(f"ingest: save_items rows/s vs sqlite3 executemany ({n // 1000:,}k results)", notes,
                    save_items_vs_executemany, out, n, notes),
            guarded("ingest: sota crawl timm vs sqlite-utils insert --csv (CSV rows/s)", notes,
                    timm_crawl_vs_sqlite_utils, out, 1 if quick else 3, notes)]
