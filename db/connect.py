"""Opening the database: one place that sets the pragmas every connection needs."""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

BUSY_TIMEOUT_MS = 30_000


def resolve_db_path(db: str | os.PathLike | None) -> Path:
    """`--db` > `SOTA_DB` > `./sota.db`, always returned absolute."""
    chosen = db or os.environ.get("SOTA_DB") or "sota.db"
    return Path(chosen).expanduser().resolve()


def open_db(path: str | os.PathLike, *, readonly: bool = False) -> sqlite_utils.Database:
    """Open `path` with WAL, foreign keys and a busy timeout.

    WAL lets Datasette read while the crawler writes; the busy timeout turns a
    momentary lock into a wait instead of a "database is locked" error.
    """
    path = Path(path)
    if readonly:
        import sqlite3

        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        db = sqlite_utils.Database(conn)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite_utils.Database(path)
        db.enable_wal()
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA foreign_keys = ON")
    return db


@contextmanager
def write_transaction(db: sqlite_utils.Database):
    """`BEGIN IMMEDIATE` … COMMIT (ROLLBACK on any error).

    A deferred transaction that reads first and writes later cannot wait for
    another writer in WAL mode: SQLite answers "database is locked" at once.
    Taking the write lock up front makes it wait (busy timeout) instead.
    """
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    else:
        db.conn.execute("COMMIT")
