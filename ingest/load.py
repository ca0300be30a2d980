"""Loading a crawl's output into the database: the only code that writes results.

`save_items(db, run_id, items)` takes the JSON-lines records a crawl run wrote
and, inside the caller's transaction, inserts new results, updates changed ones
(keeping the old version in `results_history`), and records papers and
rejects; `save_responses` records the archived responses. Re-loading the same
data writes nothing to `results`.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Iterable, Iterator

from sqlite_utils import Database
from sqlite_utils.db import jsonify_if_needed

from db.runs import now_iso

# Columns whose change makes a new version of a result (fetched_at alone does not).
VERSIONED = ("model", "value", "raw_value", "setting", "extra_data", "extra_data_corpus",
             "params", "resolution", "published", "paper_id", "source_url", "evidence",
             "confidence", "evidence_start", "evidence_end", "date_precision", "flags", "baseline")


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


def result_row(item: dict, run_id: int) -> dict:
    paper = item.get("paper") or None
    extra = item.get("extra_data")
    return {
        "key": item["key"], "model": item["model"], "dataset": item["dataset"],
        "metric": item["metric"], "value": float(item["value"]), "raw_value": item.get("raw_value"),
        "setting": item.get("setting"), "extra_data": None if extra is None else int(bool(extra)),
        "extra_data_corpus": item.get("extra_data_corpus"), "params": item.get("params"),
        "resolution": item.get("resolution"), "paper_id": paper["id"] if paper else None,
        "published": item.get("published"), "source": item["source"],
        "source_url": item["source_url"], "fetched_at": item["fetched_at"],
        "crawl_run": run_id, "evidence": item.get("evidence"), "kind": item["kind"],
        "confidence": item.get("confidence"), "evidence_start": item.get("evidence_start"),
        "evidence_end": item.get("evidence_end"),
        "date_precision": item.get("date_precision") or ("day" if item.get("published") else None),
        "flags": item.get("flags"),
        "baseline": None,   # live data: replaces a baseline row with the same key
    }


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
            "reason": item.get("reason"), "crawl_run": run_id, "seen_at": seen_at}


def save_items(db: Database, run_id: int, items: Iterable[dict]) -> LoadCounts:
    """Upsert results and rejects from `items`; call inside a transaction."""
    counts = LoadCounts()
    seen_at = now_iso()
    existing: dict[str, dict] | None = None
    inserts, updates, history, rejects = [], [], [], []
    papers: dict[str, dict] = {}   # full paper records (arXiv): replace what is stored
    refs: dict[str, dict] = {}     # a result's paper reference: only fills gaps
    models: set[str] = set()
    for item in items:
        counts.seen += 1
        if item.get("record") == "reject":
            rejects.append(reject_row(item, run_id, seen_at))
            continue
        if item.get("record") == "paper":
            papers[item["id"]] = paper_row(item)
            continue
        if existing is None:
            existing = _existing(db, item["source"])
        row = result_row(item, run_id)
        if item.get("paper") and item["paper"]["id"] not in papers:
            refs[item["paper"]["id"]] = paper_row(item["paper"])
        models.add(row["model"])
        old = existing.get(row["key"])
        if old is None:
            inserts.append(row)
            existing[row["key"]] = row
            counts.inserted += 1
        elif any(old.get(c) != row[c] for c in VERSIONED):
            history.append({"result_id": old["id"], "key": old["key"], "value": old["value"],
                            "raw_value": old["raw_value"], "params": old["params"],
                            "evidence": old["evidence"], "source_url": old["source_url"],
                            "fetched_at": old["fetched_at"], "crawl_run": old["crawl_run"],
                            "replaced_at": seen_at, "replaced_by_run": run_id})
            updates.append({**row, "id": old["id"]})
            existing[row["key"]] = {**row, "id": old["id"]}
            counts.updated += 1
        else:
            counts.unchanged += 1
    changed_papers = _changed(db, papers, refs)
    if changed_papers:
        db["papers"].upsert_all(changed_papers, pk="id", alter=True)
    if models:
        source = next(iter(inserts or updates), {}).get("source")
        _insert_rows(db, "models", [{"name": m, "first_source": source} for m in models], ignore=True)
    if inserts:
        _insert_rows(db, "results", inserts)
    if history:
        _insert_rows(db, "results_history", history)
    for row in updates:
        db["results"].update(row["id"], row)
    if rejects:
        # The same bad row seen again is not stored twice (unique key), but it
        # still counts as rejected by this run.
        db["rejects"].insert_all(rejects, ignore=True, batch_size=2000)
        counts.rejected = len(rejects)
    return counts


# Values sqlite3 binds as they are; anything else goes through sqlite-utils' conversion
# (lists and dicts to JSON, dates to ISO text), exactly as `Table.insert_all` would.
_PLAIN = frozenset({str, int, float, bool, bytes, type(None)})


def _insert_rows(db: Database, table: str, rows: list[dict], ignore: bool = False) -> None:
    """`db[table].insert_all(rows, ignore=ignore)` for rows sharing one set of keys, as one
    `executemany` of a single-row INSERT: the same rows, without sqlite-utils building a
    999-variable multi-row statement (and converting every value) per 38 rows, which cost more
    than the SQL itself: save_items went from 0.39x to 0.64x the rows/s of a bare sqlite3
    executemany at 1M results (python -m bench --only ingest)."""
    columns = list(rows[0])
    sql = (f"INSERT{' OR IGNORE' if ignore else ''} INTO [{table}] "
           f"({', '.join(f'[{c}]' for c in columns)}) VALUES ({', '.join('?' * len(columns))})")

    get = itemgetter(*columns) if len(columns) > 1 else (lambda row: (row[columns[0]],))

    def values():
        for row in rows:
            vals = get(row)
            if not _PLAIN.issuperset(map(type, vals)):
                vals = tuple(map(jsonify_if_needed, vals))
            yield vals

    with db.atomic():  # a savepoint inside the caller's transaction, as insert_all's
        db.conn.executemany(sql, values())


def _existing(db: Database, source: str) -> dict[str, dict]:
    cols = ", ".join(("id", "key", "crawl_run", "fetched_at") + VERSIONED)
    cursor = db.execute(f"SELECT {cols} FROM results WHERE source = ?", [source])
    names = [d[0] for d in cursor.description]
    return {row[1]: dict(zip(names, row)) for row in cursor}


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
