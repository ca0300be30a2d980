"""Benchmark 4, query growth: `db.queries.leaderboard` and `db.queries.progression` on a small
and a large database of synthetic results.

Both databases hold the same ImageNet-1K slice, shaped like the real crawl (timm-like measured
top-1/top-5 for 1,500 checkpoints, 1,100 PWC-like dated reported results with papers, EFF-like
top-5/top-1 error rows, arXiv-like claims incl. top-5 error); the rest of each database, up to
its size, is results for other datasets (timm's ImageNet variants and other benchmarks), other
ImageNet-1K metrics (calibration) and other sources (pwcco, hf, ...). Every (source, model) has
a `model_map` row and a canonical model. A query that reads its (dataset, metric) slice through
an index costs the same on both; one that scans grows with the table. Timings are the median of
interleaved small/large calls after a warm-up; `EXPLAIN QUERY PLAN` of the exact statements
(captured from the db.queries calls) is written to `<out>/query_plans.txt`.
"""
from __future__ import annotations

import re
import sqlite3
import time
import zlib
from pathlib import Path

from bench.common import Row, median, remove_db
from bench.synth import pwc_items, timm_items

TARGET = "<= 2"
AS_OF = "2022-12-31"
FULL_SCAN = re.compile(r"^SCAN (r|results|model_map|m)( |$)")  # every row of a growing table
TIMM_OTHER = ("imagenet-real", "imagenet-v2", "imagenet-sketch", "imagenet-r", "imagenet-r-clean",
              "imagenet-a", "imagenet-a-clean", "imagenet-c", "objectnet", "cifar-10", "cifar-100",
              "inaturalist-2018", "places365", "food-101", "oxford-pets", "stanford-cars")
REPORTED_OTHER = (("cifar-10", ("top1_acc",)), ("cifar-100", ("top1_acc", "top1_err")),
                  ("imagenet-v2", ("top1_acc", "top5_acc")), ("inaturalist-2018", ("top1_acc",)),
                  ("places365", ("top1_acc", "top5_acc")), ("imagenet-a", ("top1_acc",)),
                  ("imagenet-1k", ("ece", "nll")), ("objectnet", ("top1_acc", "top5_err")))
REPORTED_SOURCES = ("pwc", "pwcco", "hf", "arxiv", "eff")


def slice_items() -> list[tuple[str, dict]]:
    """(source, item) of the ImageNet-1K slice both databases share."""
    out = [("timm", it) for it in timm_items(3_000, seed=11, datasets=("imagenet-1k",))]
    out += [("pwc", it) for it in pwc_items(1_100, seed=12)]
    out += [("eff", it) for it in pwc_items(60, seed=13, source="eff", metrics=("top5_err", "top1_err"),
                                            start_year=2010, years=8)]
    out += [("arxiv", it) for it in pwc_items(40, seed=14, source="arxiv", metrics=("top1_acc", "top5_err"),
                                              start_year=2019, years=7)]
    return out


def filler_items(n: int) -> list[tuple[str, dict]]:
    """n results that are not in the queried slices, spread over datasets, metrics, sources."""
    n_timm = n // 2
    out = [("timm", it) for it in timm_items(n_timm, seed=21, datasets=TIMM_OTHER)]
    rest, k = n - n_timm, 0
    parts = [(s, d, m) for s in REPORTED_SOURCES for d, m in REPORTED_OTHER]
    for j, (source, dataset, metrics) in enumerate(parts):
        count = rest // len(parts) + (1 if j < rest % len(parts) else 0)
        out += [(source, it) for it in pwc_items(count, seed=100 + j, dataset=dataset, source=source,
                                                 metrics=metrics, first_row=1_000_000 + k)]
        k += count
    return out


def canonical_key(source: str, model: str) -> str:
    """Several checkpoints per canonical model, and some shared across sources."""
    base = model.split(".", 1)[0] if source == "timm" else model
    return f"c{zlib.crc32(base.encode()) % 5000}"


def build(path: Path, total: int) -> int:
    """A database of `total` results (the shared slice + filler); returns the results count."""
    from db.connect import open_db
    from db.runs import start_run
    from ingest.load import paper_row, result_row
    from runs.prepare import prepare_db

    remove_db(path)
    prepare_db(path)   # as every run does: schema, sources, and the rules the views join
    db = open_db(path)
    runs = {s: start_run(db, s, None, None) for s in ("timm",) + REPORTED_SOURCES}
    db.close()
    items = slice_items()
    items += filler_items(total - len(items))
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    columns = list(result_row(items[0][1], 1))
    conn.executemany(f"INSERT INTO results ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                     (tuple(result_row(it, runs[s]).values()) for s, it in items))
    pairs = {(s, it["model"]) for s, it in items}
    conn.executemany("INSERT OR IGNORE INTO models (name, first_source) VALUES (?, ?)",
                     ((m, s) for s, m in pairs))
    keys = {}
    for s, m in sorted(pairs):
        keys.setdefault(canonical_key(s, m), m)
    conn.executemany("INSERT INTO canonical_models (key, name) VALUES (?, ?)", keys.items())
    conn.executemany("INSERT INTO model_map (source, model, canonical_key) VALUES (?, ?, ?)",
                     ((s, m, canonical_key(s, m)) for s, m in pairs))
    papers = {it["paper"]["id"]: paper_row(it["paper"]) for _, it in items if it.get("paper")}
    conn.executemany("INSERT OR IGNORE INTO papers (id, arxiv_id, title, url, published) VALUES (?, ?, ?, ?, ?)",
                     ((p["id"], p["arxiv_id"], p["title"], p["url"], p["published"]) for p in papers.values()))
    conn.execute("COMMIT")
    count = conn.execute("SELECT count(*) FROM results").fetchone()[0]
    conn.close()
    return count


CALLS = {
    "leaderboard": lambda q, db: q.leaderboard(db, "imagenet-1k", "top1_acc", top=20, as_of=AS_OF),
    "progression": lambda q, db: q.progression(db, "imagenet-1k", "top5_err"),
}


def _captured(db, name: str) -> list[tuple[str, object]]:
    """The (sql, params) statements a db.queries call runs (sqlite-utils' tracer)."""
    from db import queries

    seen: list[tuple[str, object]] = []
    with db.tracer(lambda sql, params: seen.append((sql, params))):
        CALLS[name](queries, db)
    return seen


def plan_text(db, sql: str, params) -> list[str]:
    rows = db.execute("EXPLAIN QUERY PLAN " + sql, params or {}).fetchall()
    depth = {0: -1}
    lines = []
    for node, parent, _, detail in rows:
        depth[node] = depth.get(parent, -1) + 1
        lines.append("  " * depth[node] + detail)
    return lines


def run(out: Path, quick: bool, notes: list[str]) -> list[Row]:
    from db import queries
    from db.connect import open_db

    sizes = {"small": 10_000, "large": 200_000 if quick else 1_000_000}
    paths = {k: out / f"query-{k}.db" for k in sizes}
    counts = {k: build(paths[k], n) for k, n in sizes.items()}
    dbs = {k: open_db(p) for k, p in paths.items()}
    plans_file = out / "query_plans.txt"
    scans = []
    with open(plans_file, "w", encoding="utf-8") as fh:
        for name in CALLS:
            for size, db in dbs.items():
                for sql, params in _captured(db, name):
                    lines = plan_text(db, sql, params)
                    fh.write(f"=== {name} on {size} ({counts[size]:,} results)\n-- params: {params}\n{sql}\n\n")
                    fh.write("\n".join(lines) + "\n\n")
                    scans += [f"{name}/{size}: {line.strip()}" for line in lines
                              if FULL_SCAN.match(line.strip())]
    rows = []
    repeats = 7 if quick else 15
    for name, call in CALLS.items():
        times = {k: [] for k in dbs}
        lengths = {}
        for size, db in dbs.items():  # warm-up (page cache, statement cache)
            lengths[size] = len(call(queries, db))
            if not lengths[size]:   # timing a query that finds nothing would say nothing
                raise AssertionError(f"query {name} returned no rows on the {size} database")
        for _ in range(repeats):
            for size, db in dbs.items():
                started = time.perf_counter()
                call(queries, db)
                times[size].append(time.perf_counter() - started)
        small, large = median(times["small"]) * 1000, median(times["large"]) * 1000
        rows.append(Row.compare(f"query: {name} ms, {counts['large'] // 1000:,}k vs {counts['small'] // 1000:,}k results",
                                large, small, TARGET))
        notes.append(f"query {name}: median of {repeats}, small {small:.2f} ms / large {large:.2f} ms "
                     f"({lengths['small']} / {lengths['large']} rows returned)")
    for db in dbs.values():
        db.close()
    for p in paths.values():
        remove_db(p)
    notes.append(f"query plans (EXPLAIN QUERY PLAN of the exact statements): {plans_file}"
                 + (f"; full scans of results: {'; '.join(scans)}" if scans else "; no full scan of results"))
    return rows
