"""`sota snapshot OUT.db`: one immutable, self-contained SQLite file to share.

`VACUUM INTO` writes a consistent copy (even while the daemon writes) with every table and
view; the copy then gets the views of db/sql/ as they are today (conflicts_readable,
active_flags, ...) and stored `leaderboard`, `progression` and `changes`, a rollback journal instead of WAL (one file, no
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
from db.views import bind, ensure_views, query_sql, strip_comments, view_sql

# name in the snapshot -> (the SQL deriving its rows, the order its stored rows keep: a table's
# natural order is what clients show first). The live database has no `leaderboard` view (every
# leaderboard at once is too slow for a page; the canned query ranks one): the snapshot stores them.
LEADERBOARD_DEFAULTS = {"as_of": "NULL", "dated_only": "0", "extra_data": "NULL",
                        "include_flagged": "0", "include_delisted": "0"}


def _stored() -> dict[str, tuple[str, str]]:
    def body(view: str) -> str:
        return view_sql(view).split(" AS\n", 1)[1]
    return {
        "leaderboard": (strip_comments(bind(query_sql("leaderboard.sql"), LEADERBOARD_DEFAULTS)),
                        "dataset, metric, protocol, rank"),
        "progression": (body("progression_all"), ""),
        "changes": (body("changes_all"), "at DESC"),
    }


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
        for name, (sql, order) in _stored().items():
            _store(conn, name, sql, order)
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


def _store(conn: sqlite3.Connection, name: str, sql: str, order: str) -> None:
    """Keep `sql` as the view `<name>_derived`, its rows in `<name>_rows`, and make `<name>` read them."""
    conn.execute(f"DROP VIEW IF EXISTS [{name}]")
    conn.execute(f"CREATE VIEW [{name}_derived] AS\n{sql}")
    by = f" ORDER BY {order}" if order else ""
    conn.execute(f"CREATE TABLE [{name}_rows] AS SELECT * FROM [{name}_derived]{by}")
    conn.execute(f"CREATE VIEW [{name}] AS SELECT * FROM [{name}_rows]")
