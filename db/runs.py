"""Bookkeeping of sources and crawl runs."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from sqlite_utils import Database

from db.connect import write_transaction


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def sync_sources(db: Database, registry: dict[str, dict]) -> None:
    """Mirror the source registry (crawler/sources.toml) into `sources`."""
    db["sources"].upsert_all(
        ({"name": name, "url": conf.get("url"), "kind": conf.get("kind"),
          "licence": conf.get("licence"), "attribution": conf.get("attribution"),
          "description": conf.get("description"), "default_enabled": int(bool(conf.get("default"))),
          "tier": conf.get("tier")}
         for name, conf in registry.items()),
        pk="name",
    )


def start_run(db: Database, source: str, urls: list[str] | None, replay: str | None,
              kind: str = "crawl") -> int:
    """Record a run as `running`; `kind` is crawl, backfill or reprocess."""
    with write_transaction(db):
        return db["crawl_runs"].insert({
            "source": source, "started": now_iso(), "status": "running", "kind": kind,
            "urls": json.dumps(urls) if urls else None, "replay": replay,
        }).last_pk


def finish_run(db: Database, run_id: int, status: str, counts=None,
               error: str | None = None, archive_path: str | None = None) -> None:
    """Close a run; call inside the transaction that loaded its data."""
    row = {"finished": now_iso(), "status": status, "error": error, "archive_path": archive_path}
    if counts is not None:
        row.update(items_seen=counts.seen, items_inserted=counts.inserted,
                   items_updated=counts.updated, items_unchanged=counts.unchanged,
                   items_rejected=counts.rejected)
    db["crawl_runs"].update(run_id, row)


def mark_interrupted(db: Database, sources: list[str]) -> int:
    """Runs of `sources` left `running` by a process that ended without recording them (killed,
    or unable to write: disk full) are `interrupted`. Only for sources whose run lock
    (db.locks) nobody holds: that proves their process is gone."""
    marks = ", ".join("?" * len(sources))
    with write_transaction(db):
        cursor = db.execute(
            "UPDATE crawl_runs SET status = 'interrupted', finished = ?, "
            "error = coalesce(error, 'process ended before the run finished') "
            f"WHERE status = 'running' AND source IN ({marks})", [now_iso(), *sources])
        return cursor.rowcount


def last_runs(db: Database) -> dict[str, dict]:
    """The newest crawl (or backfill) run of each source."""
    rows = db.query(
        "SELECT * FROM crawl_runs WHERE id IN (SELECT max(id) FROM crawl_runs "
        "WHERE kind != 'reprocess' GROUP BY source)")
    return {r["source"]: r for r in rows}


def get_state(db: Database, key: str) -> str | None:
    row = db.execute("SELECT value FROM state WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def set_state(db: Database, key: str, value: str) -> None:
    """Remember a small fact between runs (call inside a write transaction)."""
    db.execute("INSERT INTO state (key, value) VALUES (?, ?) "
               "ON CONFLICT (key) DO UPDATE SET value = excluded.value", [key, value])


def get_cursor(db: Database, source: str, query: str | None) -> str | None:
    """The newest submission time seen for this source's query (None: never run)."""
    if query is None:
        return None
    row = db.execute("SELECT newest_submitted FROM cursors WHERE source = ? AND query = ?",
                     [source, query]).fetchone()
    return row[0] if row else None


def advance_cursor(db: Database, source: str, query: str, newest: str) -> None:
    """Move the cursor forward only (a backfill of older windows never moves it back)."""
    db.execute(
        "INSERT INTO cursors (source, query, newest_submitted, updated_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (source, query) DO UPDATE SET "
        "newest_submitted = max(newest_submitted, excluded.newest_submitted), "
        "updated_at = excluded.updated_at", [source, query, newest, now_iso()])


def failure_streak(db: Database, source: str) -> tuple[int, str | None]:
    """(failed runs in a row, when the newest ended) of `source` (db/sql/failure_streaks.sql)."""
    if "failure_streaks" not in db.view_names():   # a database older than the view
        return 0, None
    row = db.execute("SELECT failures_in_a_row, last_failure FROM failure_streaks WHERE source = ?",
                     [source]).fetchone()
    return (row[0], row[1]) if row else (0, None)


def read_jobs(db: Database) -> dict[str, dict]:
    """source → what the daemon last said it will do next (`daemon_jobs`)."""
    if "daemon_jobs" not in db.table_names():
        return {}
    return {r["source"]: r for r in db.query("SELECT * FROM daemon_jobs")}


def write_jobs(db: Database, jobs: list[dict]) -> None:
    """Replace what the daemon says it will do next (`daemon_jobs`: source, next_run,
    period_seconds, failures_in_a_row, backoff_until); [] when it stops."""
    now = now_iso()
    with write_transaction(db):
        db.execute("DELETE FROM daemon_jobs")
        if jobs:
            db["daemon_jobs"].insert_all([{**job, "updated_at": now} for job in jobs], pk="source")
