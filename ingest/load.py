"""Loading a crawl's output into the database: the only code that writes results.

`save_items(db, run_id, items)` takes the records a run derived (a crawl's JSON lines, or
`reprocess`'s items) and, inside the caller's transaction, checks each result (a bad one
becomes a reject: the one reject path), inserts new results, updates changed ones (keeping
the old version in `results_history`), refreshes what derived a row without a history entry
when only that changed, and records papers and rejects; `save_responses` records the
archived responses. Re-loading the same data writes nothing.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Iterable, Iterator

from sqlite_utils import Database
from sqlite_utils.db import jsonify_if_needed

from db.runs import now_iso
from rules.metrics import check_value, value_check

# Columns whose change makes a new version of a result (fetched_at alone does not).
VERSIONED = ("model", "value", "raw_value", "setting", "extra_data", "extra_data_corpus",
             "params", "resolution", "published", "paper_id", "source_url", "evidence",
             "confidence", "evidence_start", "evidence_end", "date_precision", "flags", "baseline",
             "role", "paper_version")
# Columns that say where a row came from and what derived it: refreshed silently (a row
# re-derived by newer code from the same bytes is not a new version of the number).
DERIVATION = ("derived_by", "archive_url", "locator", "crawl_run", "fetched_at")
# What results_history keeps of the version it replaces.
HISTORY = ("key", "value", "raw_value", "params", "evidence", "source_url", "fetched_at", "crawl_run",
           "model", "setting", "extra_data", "extra_data_corpus", "resolution", "published",
           "paper_id", "flags", "role", "derived_by", "paper_version", "locator", "archive_url")
REQUIRED = ("source", "key", "model", "dataset", "metric", "source_url", "fetched_at", "kind")
KINDS = ("measured", "reported")


@dataclass
class Seen:
    """What one load saw: result keys and reject keys (what `reprocess` compares with)."""

    results: set = field(default_factory=set)
    rejects: set = field(default_factory=set)


@dataclass
class LoadCounts:
    seen: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0

    @property
    def results(self) -> int:
        return self.inserted + self.updated + self.unchanged


def read_jsonl(path: Path) -> Iterator[dict]:
    """Records of a JSON-lines file; a torn last line (a killed crawl) is skipped."""
    if not path.exists():
        return
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                continue


def check_result(item: dict, checked_metrics: dict | None = None) -> None:
    """ValueError with a short reason when a result item cannot be stored. `checked_metrics`
    (metric → its value check) saves reading the metric rules once per row."""
    for name in REQUIRED:
        if not item.get(name):
            raise ValueError(f"missing {name}")
    if item.get("value") is None:
        raise ValueError(f"no {item['metric']} value")
    if item["kind"] not in KINDS:
        raise ValueError(f"unknown kind {item['kind']!r}")
    metric = item["metric"]
    if checked_metrics is None:
        check_value(metric, float(item["value"]))
        return
    check = checked_metrics.get(metric)
    if check is None:
        check = checked_metrics[metric] = value_check(metric)
    check(float(item["value"]))


# The results columns save_items writes, in the order of `result_values`.
COLUMNS = ("key", "model", "dataset", "metric", "value", "raw_value", "setting", "extra_data",
           "extra_data_corpus", "params", "resolution", "paper_id", "published", "source",
           "source_url", "fetched_at", "crawl_run", "evidence", "kind", "confidence",
           "evidence_start", "evidence_end", "date_precision", "flags", "role", "derived_by",
           "archive_url", "locator", "baseline", "paper_version", "inserted_run")


def result_values(item: dict, run_id: int) -> tuple:
    """The results row of a checked result item: its values in `COLUMNS` order (a tuple, so a
    load of a million rows builds no dict per row)."""
    get = item.get
    paper = get("paper") or None
    extra = get("extra_data")
    published = get("published")
    return (
        item["key"], item["model"], item["dataset"], item["metric"], float(item["value"]),
        get("raw_value"), get("setting"), None if extra is None else int(bool(extra)),
        get("extra_data_corpus"), get("params"), get("resolution"), paper["id"] if paper else None,
        published, item["source"], item["source_url"], item["fetched_at"],
        # The run whose archive holds the bytes: this run, or (reprocess) the one that fetched them.
        get("origin_run") or run_id, get("evidence"), item["kind"], get("confidence"),
        get("evidence_start"), get("evidence_end"),
        get("date_precision") or ("day" if published else None),
        get("flags"), get("role"), get("derived_by"), get("archive_url") or item["source_url"],
        get("locator"),
        None,   # baseline: live data replaces a baseline row with the same key
        # Which version of the paper said it (arXiv vN), when the source knows.
        paper.get("version") if paper else None,
        run_id,   # inserted_run: an update keeps the row's first run (save_items)
    )


def result_row(item: dict, run_id: int) -> dict:
    """`result_values` as a dict keyed by column."""
    return dict(zip(COLUMNS, result_values(item, run_id)))


def paper_row(item: dict) -> dict:
    """A paper record (from a result's `paper` or a paper item), lists as JSON text."""
    row = {k: v for k, v in item.items() if k != "record"}
    for key in ("authors", "categories", "links"):
        if isinstance(row.get(key), list):
            row[key] = json.dumps(row[key], ensure_ascii=False)
    return row


def reject_row(item: dict, run_id: int, seen_at: str) -> dict:
    raw = str(item.get("raw") or "")
    key = hashlib.sha256("\x1f".join(
        [item.get("source") or "", item.get("url") or "", raw, item.get("reason") or ""]
    ).encode("utf-8", "replace")).hexdigest()
    return {"key": key, "source": item.get("source"), "url": item.get("url"), "raw": raw,
            "reason": item.get("reason"), "crawl_run": run_id, "seen_at": seen_at,
            "locator": item.get("locator")}


# Positions in a `result_values` tuple, for comparing a new row with the stored one.
_AT = {c: i for i, c in enumerate(COLUMNS)}
_KEY, _MODEL, _SOURCE, _INSERTED_RUN = _AT["key"], _AT["model"], _AT["source"], _AT["inserted_run"]
_versioned = itemgetter(*(_AT[c] for c in VERSIONED))
_history = itemgetter(*(_AT[c] for c in HISTORY))
_derivation = itemgetter(*(_AT[c] for c in DERIVATION))
# derived_by, archive_url, locator: a new value of one of these alone is a quiet refresh.
_QUIET = tuple(_AT[c] for c in DERIVATION[:3])


def save_items(db: Database, run_id: int, items: Iterable[dict], seen: Seen | None = None) -> LoadCounts:
    """Upsert results and rejects from `items`; call inside a transaction. The keys of the
    results and rejects read are added to `seen` when given. Rows are tuples in `COLUMNS`
    order from reading to writing (one prepared INSERT per table, run by `executemany`)."""
    counts = LoadCounts()
    seen_at = now_iso()
    existing: dict[str, tuple] | None = None   # key -> (id or None if new in this load, row)
    inserts, updates, quiet, history, rejects = [], [], [], [], []
    checked: dict = {}             # metric -> its value check, read from the rules once per load
    papers: dict[str, dict] = {}   # full paper records (arXiv): replace what is stored
    refs: dict[str, dict] = {}     # a result's paper reference: only fills gaps
    models: set[str] = set()
    for item in items:
        counts.seen += 1
        record = item.get("record")
        if record == "reject":
            rejects.append(reject_row(item, run_id, seen_at))
            continue
        if record == "paper":
            row = paper_row(item)
            row["crawl_run"] = row.pop("origin_run", None) or run_id
            papers[item["id"]] = row
            continue
        try:
            check_result(item, checked)
        except (ValueError, TypeError) as exc:
            rejects.append(reject_row({"source": item.get("source"), "url": item.get("source_url"),
                                       "raw": item.get("evidence"), "reason": str(exc),
                                       "locator": item.get("locator")}, run_id, seen_at))
            continue
        if existing is None:
            existing = _existing(db, item["source"])
        row = result_values(item, run_id)
        key = row[_KEY]
        if seen is not None:
            seen.results.add(key)
        paper = item.get("paper")
        if paper and paper["id"] not in papers:
            refs[paper["id"]] = paper_row(paper)
        models.add(row[_MODEL])
        stored = existing.get(key)
        if stored is None:
            inserts.append(row)
            existing[key] = (None, row)
            counts.inserted += 1
            continue
        old_id, old = stored
        changed = _versioned(old) != _versioned(row)
        refreshed = not changed and any(row[i] is not None and old[i] != row[i] for i in _QUIET)
        if old_id is None and (changed or refreshed):
            # Inserted earlier in this load, so there is no stored version to keep: the first
            # row stands and the second is a reject with its evidence, never a failed load.
            rejects.append(reject_row({"source": item.get("source"), "url": item.get("source_url"),
                                       "raw": item.get("evidence"), "locator": item.get("locator"),
                                       "reason": f"result {key} appears twice in one load with different "
                                                 "values; the first is kept"}, run_id, seen_at))
            continue
        if changed:
            history.append((old_id, *_history(old), seen_at, run_id))
            kept = row[:_INSERTED_RUN] + (old[_INSERTED_RUN],) + row[_INSERTED_RUN + 1:]
            updates.append((*kept, old_id))
            existing[key] = (old_id, kept)
            counts.updated += 1
        else:
            if refreshed:
                quiet.append((*_derivation(row), old_id))
            counts.unchanged += 1
    changed_papers = _changed(db, papers, refs)
    if changed_papers:
        _upsert_papers(db, changed_papers)
    if models:
        first = inserts[0] if inserts else updates[0] if updates else None
        source = first[_SOURCE] if first else None
        _insert_rows(db, "models", ("name", "first_source"), [(m, source) for m in models],
                     ignore=True, plain=True)
    if inserts:
        _insert_rows(db, "results", COLUMNS, inserts, plain=True)
    if history:
        _insert_rows(db, "results_history", ("result_id",) + HISTORY + ("replaced_at", "replaced_by_run"),
                     history)
    if updates:
        _update_rows(db, COLUMNS, updates)
    if quiet:
        _update_rows(db, DERIVATION, quiet)
    if rejects:
        # The same bad row seen again is not stored twice (unique key), but it
        # still counts as rejected by this run.
        db["rejects"].insert_all(rejects, ignore=True, batch_size=2000)
        counts.rejected = len(rejects)
        if seen is not None:
            seen.rejects.update(r["key"] for r in rejects)
    return counts


def settle_rejects(db: Database, source: str, run_id: int, seen: Seen, urls: set[str]) -> int:
    """After a complete re-derivation of `urls`: their rejects not produced again are resolved
    by this run (the current code reads them); produced ones are open again. Returns how many
    were resolved."""
    resolved = 0
    for row in db.query("SELECT id, key, url, resolved_run FROM rejects WHERE source = ?", [source]):
        if row["url"] not in urls:
            continue
        if row["key"] in seen.rejects and row["resolved_run"] is not None:
            db.execute("UPDATE rejects SET resolved_run = NULL WHERE id = ?", [row["id"]])
        elif row["key"] not in seen.rejects and row["resolved_run"] is None:
            db.execute("UPDATE rejects SET resolved_run = ? WHERE id = ?", [run_id, row["id"]])
            resolved += 1
    return resolved


# Values sqlite3 binds as they are; anything else goes through sqlite-utils' conversion
# (lists and dicts to JSON, dates to ISO text), exactly as `Table.insert_all` would.
_PLAIN = frozenset({str, int, float, bool, bytes, type(None)})


def _bindable(rows: Iterable[tuple]) -> Iterator[tuple]:
    """`rows` with every value sqlite3 cannot bind converted as sqlite-utils converts it."""
    for vals in rows:
        if not _PLAIN.issuperset(map(type, vals)):
            vals = tuple(map(jsonify_if_needed, vals))
        yield vals


def _insert_rows(db: Database, table: str, columns: tuple[str, ...], rows: list[tuple],
                 ignore: bool = False, plain: bool = False) -> None:
    """`db[table].insert_all(...)` of `rows` (value tuples in `columns` order) as one
    `executemany` of a single-row INSERT: the same rows, without sqlite-utils building a
    999-variable multi-row statement (and converting every value) per 38 rows, which cost more
    than the SQL itself: save_items went from 0.39x to 0.64x the rows/s of a bare sqlite3
    executemany at 1M results (python -m bench --only ingest). `plain`: the caller built
    every value as a str, number or None (result_values does), so no value needs converting."""
    sql = (f"INSERT{' OR IGNORE' if ignore else ''} INTO [{table}] "
           f"({', '.join(f'[{c}]' for c in columns)}) VALUES ({', '.join('?' * len(columns))})")
    with db.atomic():  # a savepoint inside the caller's transaction, as insert_all's
        db.conn.executemany(sql, rows if plain else _bindable(rows))


# Rows per INSERT statement for papers. papers_fts is kept by a trigger, and FTS5 writes its
# pending terms to disk at every statement that fires it (a statement savepoint), so one
# statement per paper made a tiny index segment per paper: 10k papers took ~1 s, and 0.15 s
# at 500 a statement.
_PAPERS_PER_STATEMENT = 500


def _upsert_papers(db: Database, rows: list[dict]) -> None:
    """Insert or update paper rows (grouped by their set of columns) with multi-row
    INSERT ... ON CONFLICT(id) DO UPDATE statements of up to _PAPERS_PER_STATEMENT rows."""
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(row), []).append(row)
    limit = db.conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    for columns, group in groups.items():
        names = ", ".join(f"[{c}]" for c in columns)
        updates = ", ".join(f"[{c}] = excluded.[{c}]" for c in columns if c != "id")
        marks = f"({', '.join('?' * len(columns))})"
        per = max(1, min(_PAPERS_PER_STATEMENT, limit // len(columns)))
        for i in range(0, len(group), per):
            chunk = group[i:i + per]
            sql = (f"INSERT INTO papers ({names}) VALUES {', '.join([marks] * len(chunk))} "
                   f"ON CONFLICT (id) DO UPDATE SET {updates}")
            db.execute(sql, [jsonify_if_needed(r[c]) for r in chunk for c in columns])


def _update_rows(db: Database, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """UPDATE results by id, `rows` being tuples of `columns`' values then the id, as one
    `executemany`."""
    sql = f"UPDATE results SET {', '.join(f'[{c}] = ?' for c in columns)} WHERE id = ?"
    db.conn.executemany(sql, _bindable(rows))


def _existing(db: Database, source: str) -> dict[str, tuple]:
    """The stored results of `source`: key -> (id, its values in `COLUMNS` order)."""
    cursor = db.conn.execute(f"SELECT id, {', '.join(COLUMNS)} FROM results WHERE source = ?", [source])
    return {row[1 + _KEY]: (row[0], row[1:]) for row in cursor}


def _changed(db: Database, papers: dict[str, dict], refs: dict[str, dict]) -> list[dict]:
    """Paper rows to write: new ones, full records that differ, references that fill a gap.

    A leaderboard's reference to a paper (title, URL) never overwrites what the
    paper's own record (arXiv) says; unchanged papers cost no write.
    """
    wanted = {**{k: (v, False) for k, v in refs.items() if k not in papers},
              **{k: (v, True) for k, v in papers.items()}}
    changed = []
    ids = list(wanted)
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        marks = ", ".join("?" * len(chunk))
        stored = {r["id"]: r for r in db.query(f"SELECT * FROM papers WHERE id IN ({marks})", chunk)}
        for pid in chunk:
            (new, authoritative), old = wanted[pid], stored.get(pid)
            if old is not None and not authoritative:
                new = {k: v if old.get(k) is None else old[k] for k, v in new.items()}
            if old is None or any(old.get(k) != v for k, v in new.items()):
                changed.append(new)
    return changed


def save_responses(db: Database, run_id: int, out_dir: Path) -> int:
    rows = [{**r, "crawl_run": run_id} for r in read_jsonl(out_dir / "responses.jsonl")]
    if rows:
        db["responses"].insert_all(rows)
    return len(rows)
