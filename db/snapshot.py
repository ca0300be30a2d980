"""`sota snapshot OUT.db`: one immutable, self-contained SQLite file to share.

`VACUUM INTO` writes a consistent copy (even while the daemon writes) with every table and
view; the copy then gets the views of db/sql/ as they are today (leaderboard, progression,
conflicts_readable, changes, active_flags), a rollback journal instead of WAL (one file, no
-wal/-shm beside it), a `state` row saying when and from what it was taken, and read-only
file permissions. Plain `sqlite3` and `datasette -i OUT.db` (or `datasette publish` /
`datasette package`) serve it with no project code.

The snapshot never changes, so a view whose every row costs a full pass over the results (the
leaderboard of every dataset, metric and protocol: about a second per query on 26k results,
Datasette's whole time limit; the change log, a sorted union of every version and flag) is
computed once here: its rows are stored in `<view>_rows` and
the view `<view>` reads them, while `<view>_derived` keeps the SQL that derives them from the
snapshot's own results, for anyone who wants to check.
"""
from __future__ import annotations

import json
import os
import sqlite3
import stat
from pathlib import Path

from sqlite_utils import Database

from db.runs import now_iso
from db.views import ensure_views

# view -> the order its stored rows keep (a table's natural order is what clients show first)
STORED = {"leaderboard": "dataset, metric, protocol, rank", "changes": "at DESC"}


class SnapshotError(ValueError):
    """A snapshot that cannot be written (the one-line reason says why)."""


def write_snapshot(db_path: Path, out: Path) -> dict:
    """Write the snapshot of `db_path` to `out` (which must not exist); return what it holds."""
    if not db_path.exists():
        raise SnapshotError(f"no database at {db_path}")
    if out.exists():
        raise SnapshotError(f"{out} exists: a snapshot is never overwritten; choose another name")
    out.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        source.execute("VACUUM INTO ?", [str(out)])
    finally:
        source.close()
    conn = sqlite3.connect(out, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = DELETE")
        db = Database(conn)
        ensure_views(db)
        conn.execute("BEGIN")
        for view in STORED:
            _store(conn, view)
        taken = {"taken_at": now_iso(), "from": str(db_path)}
        conn.execute("INSERT INTO state (key, value) VALUES ('snapshot', ?) "
                     "ON CONFLICT (key) DO UPDATE SET value = excluded.value", [json.dumps(taken)])
        conn.execute("COMMIT")
        counts = {name: conn.execute(f"SELECT count(*) FROM [{name}]").fetchone()[0]
                  for name in ("results", "leaderboard", "progression", "conflicts_readable", "changes")}
    finally:
        conn.close()
    os.chmod(out, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    return {"path": str(out), "bytes": out.stat().st_size, **taken, "rows": counts}


def _store(conn: sqlite3.Connection, view: str) -> None:
    """Keep `view`'s SQL as `<view>_derived`, its rows in `<view>_rows`, and make `<view>` read them."""
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'view' AND name = ?", [view]).fetchone()[0]
    body = sql.split(" AS\n", 1)[1] if " AS\n" in sql else sql.split(" AS ", 1)[1]
    conn.execute(f"DROP VIEW [{view}]")
    conn.execute(f"CREATE VIEW [{view}_derived] AS\n{body}")
    order = f" ORDER BY {STORED[view]}" if STORED[view] else ""
    conn.execute(f"CREATE TABLE [{view}_rows] AS SELECT * FROM [{view}_derived]{order}")
    conn.execute(f"CREATE VIEW [{view}] AS SELECT * FROM [{view}_rows]")
