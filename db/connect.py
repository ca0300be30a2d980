"""Opening the database: one place that sets the pragmas every connection needs, and one
place that says in a line what went wrong with it."""
from __future__ import annotations

import errno
import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:   # imported where a database is opened: the crawl child only needs `explain`
    import sqlite_utils


BUSY_TIMEOUT_MS = 30_000
# Page cache of a connection that writes, in KiB (SQLite's default is 2 MiB). A load writes
# all its rows in one transaction; with 2 MiB the pages of the results indexes it keeps
# changing are spilled to the WAL mid-transaction and read back, which made save_items of
# 200k results ~30 % slower. The cache is filled only as pages are used, and freed on close.
WRITE_CACHE_KIB = 256 * 1024


def busy_timeout_ms() -> int:
    """How long a connection waits for another writer: BUSY_TIMEOUT_MS, or $SOTA_BUSY_TIMEOUT_MS
    (tests and benchmarks shorten it)."""
    return int(os.environ.get("SOTA_BUSY_TIMEOUT_MS") or BUSY_TIMEOUT_MS)


def resolve_db_path(db: str | os.PathLike | None) -> Path:
    """`--db` > `SOTA_DB` > `./sota.db`, always returned absolute."""
    chosen = db or os.environ.get("SOTA_DB") or "sota.db"
    return Path(chosen).expanduser().resolve()


def open_db(path: str | os.PathLike, *, readonly: bool = False, create: bool = True) -> sqlite_utils.Database:
    """Open `path` with WAL, foreign keys and a busy timeout.

    WAL lets Datasette read while the crawler writes; the busy timeout turns a
    momentary lock into a wait instead of a "database is locked" error. `create=False`
    opens an existing database only (a run must not start a new, empty one because the
    old one's folder was removed under it): sqlite3.OperationalError otherwise.
    """
    import sqlite_utils

    path = Path(path)
    timeout = busy_timeout_ms() / 1000
    if readonly or not create:
        if not readonly and not path.exists():
            raise sqlite3.OperationalError(f"unable to open database file {path} (it is gone)")
        conn = sqlite3.connect(f"file:{quote(str(path))}?mode={'ro' if readonly else 'rw'}", uri=True,
                               timeout=timeout)
        db = sqlite_utils.Database(conn)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite_utils.Database(sqlite3.connect(str(path), timeout=timeout))
    if not readonly:
        db.enable_wal()
        db.execute(f"PRAGMA cache_size = -{WRITE_CACHE_KIB}")
    db.execute(f"PRAGMA busy_timeout = {busy_timeout_ms()}")
    db.execute("PRAGMA foreign_keys = ON")
    return db


def explain(exc: BaseException, path: str | os.PathLike | None = None) -> str:
    """One line for a user: what a database or file-system error means, and what happens next."""
    text = " ".join(str(exc).split())
    where = f" {path}" if path else ""
    if isinstance(exc, sqlite3.Error):
        low = text.lower()
        if path and not Path(path).exists():
            return f"the database{where} is gone (deleted, or its folder removed)"
        if path and not (os.access(path, os.W_OK) and os.access(Path(path).parent, os.W_OK)):
            return f"the database{where} is read-only ({text})"
        if "locked" in low or "busy" in low:
            return (f"database{where} busy: another process held its write lock for more than "
                    f"{busy_timeout_ms() / 1000:g} s; the next run retries")
        if "full" in low:
            return f"disk full: the database{where} could not grow ({text})"
        if "readonly" in low or "read-only" in low:
            return f"the database{where} is read-only ({text})"
        if "unable to open" in low:
            return f"cannot open the database{where} (its folder is gone or unreadable: {text})"
        if "disk i/o" in low:
            return f"the database{where} could not be written ({text}: disk full, a file-size limit, or a failing disk)"
        return f"database error{(' in' + where) if where else ''}: {text}"
    if isinstance(exc, OSError):
        name = f": {exc.filename}" if exc.filename else ""
        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            return f"disk full: {exc.strerror}{name}"
        if exc.errno == errno.EROFS:
            return f"read-only file system{name}"
        return f"{exc.strerror or type(exc).__name__}{name}"
    return f"{type(exc).__name__}: {text}"


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
