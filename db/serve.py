"""Serve the database with Datasette, read-only, under the name `sota`.

Run as `python -m db.serve DB_PATH --host H --port P`: Datasette opens a
mutable file with `mode=ro` for every query (never `immutable`, since the
daemon writes concurrently), and `add_database(name="sota")` fixes the URL
whatever the file is called.
"""
from __future__ import annotations

import argparse
import asyncio
import json
from importlib import resources
from pathlib import Path

SQL_TIME_LIMIT_MS = 3000


def metadata() -> dict:
    return json.loads(resources.files("db").joinpath("metadata.json").read_text("utf-8"))


def build_app(db_path: Path, allow_sql: bool = True):
    from datasette.app import Datasette
    from datasette.database import Database

    meta = metadata()
    if not allow_sql:
        meta["allow_sql"] = False
    ds = Datasette(
        metadata=meta,
        settings={"sql_time_limit_ms": SQL_TIME_LIMIT_MS, "allow_download": False},
    )
    ds.add_database(Database(ds, path=str(db_path), is_mutable=True), name="sota")
    return ds


def main(argv: list[str] | None = None) -> int:
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m db.serve")
    parser.add_argument("db", type=Path)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--no-sql", action="store_true")
    args = parser.parse_args(argv)
    ds = build_app(args.db, allow_sql=not args.no_sql)
    # As `datasette serve` does: plugins' startup hooks run before the first request.
    asyncio.new_event_loop().run_until_complete(ds.invoke_startup())
    uvicorn.run(ds.app(), host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
