"""A full SQL dump that a plain `sqlite3` connection can load back.

Python's `iterdump()` writes virtual tables (FTS5) as raw `sqlite_master`
inserts under `writable_schema`, which fail to load in one script; here each
virtual table is created with its own `CREATE VIRTUAL TABLE`, its shadow
tables are left out, and its index is rebuilt from the content table.
"""
from __future__ import annotations

import re
import sqlite3
from typing import Iterator


def iter_dump(conn: sqlite3.Connection) -> Iterator[str]:
    virtual = dict(conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%'").fetchall())
    shadow = re.compile(r"""^(?:CREATE TABLE|INSERT INTO) ['"]?(?:%s)_""" %
                        "|".join(re.escape(n) for n in virtual)) if virtual else None
    for stmt in conn.iterdump():
        if stmt.startswith("PRAGMA writable_schema"):
            continue
        if stmt.startswith("INSERT INTO sqlite_master"):
            name = re.search(r"VALUES\('table','([^']+)'", stmt)
            if name and name.group(1) in virtual:
                yield virtual[name.group(1)] + ";"
            continue
        if shadow and shadow.match(stmt):
            continue
        if stmt == "COMMIT;":
            for name in virtual:
                yield f"INSERT INTO \"{name}\"(\"{name}\") VALUES('rebuild');"
        yield stmt
