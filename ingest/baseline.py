"""The bundled baseline: a compact file of facts that seeds an empty database offline.

`build_baseline(db)` takes ImageNet-1K results (model, dataset, metric, value,
setting, extra data, params, dates, key) with their citation — the source URL, the
capture they were read from (`archive_url`), the locator of the record inside it (a
page's table row, a CSV line, an abstract's character span) and the paper version —
and their papers' ids, titles, URLs, dates and has-code marks from a crawled database:
facts only, never evidence text or abstracts. `load_baseline(db)` inserts it into an
empty database with `results.baseline` set to the file's date, as one run of kind
`baseline` (the change log's "which run"), and derives the flags; a live crawl later
replaces each row (its evidence differs), keeping the baseline version in
`results_history`.
"""
from __future__ import annotations

import gzip
import json
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path

from sqlite_utils import Database

from db.connect import write_transaction
from db.runs import now_iso
from ingest.after_load import derive_after_load

BASELINE_FILE = "baseline.json.gz"
RESULT_FIELDS = ("key", "model", "dataset", "metric", "value", "raw_value", "setting",
                 "extra_data", "extra_data_corpus", "params", "resolution", "paper_id",
                 "published", "date_precision", "flags", "source", "source_url", "fetched_at", "kind",
                 "archive_url", "locator", "paper_version", "role")
PAPER_FIELDS = ("id", "arxiv_id", "title", "url", "published", "version", "has_code")


def build_baseline(db: Database, dataset: str = "imagenet-1k") -> dict:
    cols = ", ".join(RESULT_FIELDS)
    results = [list(r) for r in db.execute(
        f"SELECT {cols} FROM results WHERE dataset = ? AND baseline IS NULL ORDER BY source, key", [dataset])]
    paper_ids = sorted({r[RESULT_FIELDS.index("paper_id")] for r in results} - {None})
    papers = []
    for i in range(0, len(paper_ids), 500):
        chunk = paper_ids[i:i + 500]
        papers += [list(r) for r in db.execute(
            f"SELECT {', '.join(PAPER_FIELDS)} FROM papers WHERE id IN ({', '.join('?' * len(chunk))})", chunk)]
    names = sorted({r[RESULT_FIELDS.index("source")] for r in results})
    sources = [dict(r) for r in db.query(
        f"SELECT * FROM sources WHERE name IN ({', '.join('?' * len(names))})", names)] if names else []
    return {"built": datetime.now(timezone.utc).date().isoformat(), "dataset": dataset,
            "result_fields": RESULT_FIELDS, "paper_fields": PAPER_FIELDS,
            "sources": sources, "results": results, "papers": papers}


def write_baseline(data: dict, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=9) as fh:
        json.dump(data, fh, separators=(",", ":"), ensure_ascii=False)
    tmp.replace(path)


def read_baseline(path: Path | None = None) -> dict:
    if path is None:
        raw = resources.files("ingest").joinpath(BASELINE_FILE).read_bytes()
        return json.loads(gzip.decompress(raw))
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return json.load(fh)


def load_baseline(db: Database, data: dict) -> int:
    """Seed an empty database (no results yet); return the rows loaded (0 if not empty)."""
    if db.execute("SELECT count(*) FROM results").fetchone()[0]:
        return 0
    fields, pfields = data["result_fields"], data["paper_fields"]
    with write_transaction(db):
        db["sources"].insert_all(data.get("sources", []), pk="name", ignore=True, alter=True)
        db["papers"].insert_all((dict(zip(pfields, p)) for p in data["papers"]), pk="id", ignore=True)
        run_id = db["crawl_runs"].insert({
            "source": None, "kind": "baseline", "status": "ok", "started": now_iso(),
            "finished": now_iso(), "items_seen": len(data["results"]),
            "items_inserted": len(data["results"]), "items_updated": 0, "items_unchanged": 0,
            "items_rejected": 0, "urls": json.dumps(sorted({r[fields.index("source_url")]
                                                           for r in data["results"]}))}).last_pk
        # No crawl_run: no archive of ours holds these bytes; archive_url + locator cite them.
        rows = [{**dict(zip(fields, r)), "baseline": data["built"], "inserted_run": run_id}
                for r in data["results"]]
        db["models"].insert_all(({"name": m, "first_source": s} for m, s in
                                 {(r["model"], r["source"]) for r in rows}), pk="name", ignore=True)
        db["results"].insert_all(rows, batch_size=2000)
        derive_after_load(db, run_id, changed=True)
    return len(rows)
