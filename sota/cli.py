"""The `sota` command line: each command parses options and calls fetch/save/query functions."""
from __future__ import annotations

import csv
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import click

from db.connect import open_db, resolve_db_path

db_option = click.option(
    "--db", "db_path", type=click.Path(dir_okay=False), default=None,
    help="Database file (default: $SOTA_DB, else ./sota.db).",
)


def _db_path(db_path: str | None) -> Path:
    path = resolve_db_path(db_path)
    # Children (crawler, Datasette, daemon) inherit the resolved absolute path.
    os.environ["SOTA_DB"] = str(path)
    return path


def _init(path: Path) -> list[str]:
    from crawler.sources import load_sources
    from db.migrations import ensure_db_shape
    from db.runs import sync_sources

    db = open_db(path)
    applied = ensure_db_shape(db)
    with db.atomic():
        sync_sources(db, load_sources())
    db.close()
    return applied


@click.group()
@click.version_option(package_name="sota-tracker")
def cli():
    """sota-tracker: state-of-the-art results with provenance (ImageNet-1K first)."""
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)


@cli.command()
@db_option
def init(db_path):
    """Create or upgrade the database (idempotent)."""
    path = _db_path(db_path)
    applied = _init(path)
    click.echo(f"{path}: " + (f"applied {', '.join(applied)}" if applied else "up to date"))


@cli.command()
@click.argument("sources", nargs=-1)
@click.option("--replay", "replay_dir", type=click.Path(file_okay=False),
              help="Answer every request from this URL mirror via a loopback server.")
@click.option("--url", "urls", multiple=True,
              help="Replace the source's start URLs (repeatable; exactly one SOURCE).")
@click.option("--timeout", type=float, default=None, help="Seconds before a source's crawl is abandoned.")
@db_option
def crawl(sources, replay_dir, urls, timeout, db_path):
    """Crawl SOURCES (default: every default-enabled source) into the database."""
    from crawler.sources import default_sources, load_sources
    from ingest.crawl import DEFAULT_TIMEOUT, crawl as run_crawl

    path = _db_path(db_path)
    names = list(sources) or default_sources()
    unknown = [n for n in names if n not in load_sources()]
    if unknown:
        raise click.UsageError(f"unknown source(s): {', '.join(unknown)} "
                               f"(known: {', '.join(load_sources())})")
    if urls and len(names) != 1:
        raise click.UsageError("--url needs exactly one SOURCE")
    if replay_dir and not Path(replay_dir).is_dir():
        raise click.UsageError(f"replay directory not found: {replay_dir}")
    outcomes = run_crawl(path, names, list(urls) or None, replay_dir,
                         timeout or DEFAULT_TIMEOUT, on_done=_progress(names))
    failed = [o.source for o in outcomes if o.status != "ok"]
    if failed:
        click.echo(f"failed: {', '.join(failed)}", err=True)
        sys.exit(1)


@cli.command()
@click.option("--since", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Oldest submission date to fetch.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Newest (default: today).")
@click.option("--replay", "replay_dir", type=click.Path(file_okay=False))
@click.option("--timeout", type=float, default=None)
@db_option
def backfill(since, until, replay_dir, timeout, db_path):
    """Walk older arXiv windows (date windows keep paging shallow); the cursor stays put."""
    from datetime import date

    from ingest.crawl import DEFAULT_TIMEOUT, crawl as run_crawl

    path = _db_path(db_path)
    end = (until.date() if until else date.today()).isoformat()
    outcomes = run_crawl(path, ["arxiv"], None, replay_dir, timeout or DEFAULT_TIMEOUT,
                         on_done=_progress(["arxiv"]), backfill=(since.date().isoformat(), end))
    if any(o.status != "ok" for o in outcomes):
        sys.exit(1)


def _progress(names: list[str]):
    """A progress bar over sources on a terminal; plain log lines otherwise."""
    if not sys.stderr.isatty():
        return lambda outcome: click.echo(outcome.line(), err=True)
    bar = click.progressbar(length=len(names), label="crawling", file=sys.stderr)
    bar.render_progress()

    def done(outcome):
        bar.update(1)
        click.echo("\n" + outcome.line(), err=True)
        if bar.pos >= bar.length:
            bar.render_finish()
    return done


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@db_option
def sources(fmt, db_path):
    """List the sources with their URL, licence and last run."""
    from crawler.sources import load_sources
    from db.runs import last_runs

    path = _db_path(db_path)
    runs = last_runs(open_db(path)) if path.exists() else {}
    rows = []
    for name, conf in load_sources().items():
        run = runs.get(name) or {}
        rows.append({"name": name, "url": conf.get("url"), "licence": conf.get("licence"),
                     "default": bool(conf.get("default")), "last_run": run.get("started"),
                     "last_status": run.get("status"), "last_error": run.get("error")})
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        last = f"{r['last_status']} at {r['last_run']}" if r["last_run"] else "never run"
        click.echo(f"{r['name']:<8} {r['licence']:<13} {last:<40} {r['url']}")


@cli.command()
@click.option("--dataset", default="imagenet-1k", show_default=True)
@click.option("--metric", default="top1_acc", show_default=True)
@click.option("--setting", default=None, help="Only this protocol (finetuned, zero_shot, ...).")
@click.option("--top", type=int, default=20, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table")
@db_option
def leaderboard(dataset, metric, setting, top, fmt, db_path):
    """The best result per model for a dataset and metric, ranked."""
    from db.queries import LEADERBOARD_KEYS, leaderboard as query

    path = _db_path(db_path)
    if not path.exists():
        raise click.ClickException(f"no database at {path}: run `sota init` and `sota crawl` first")
    rows = query(open_db(path), dataset, metric, top, setting)
    rows = [{k: r.get(k) for k in LEADERBOARD_KEYS} for r in rows]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    elif fmt == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=LEADERBOARD_KEYS)
        writer.writeheader()
        writer.writerows(rows)
    else:
        for r in rows:
            params = f"{r['params'] / 1e6:,.0f}M" if r["params"] else "-"
            click.echo(f"{r['rank']:>3}  {r['value']:>7.3f}  {r['model'][:48]:<48} "
                       f"{params:>8}  {r['setting'] or '-':<12} {r['source']:<6} {r['published'] or ''}")


@cli.command()
@click.argument("table", required=False)
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv")
@click.option("--sql", "as_sql", is_flag=True, help="Dump the whole database as SQL.")
@db_option
def export(table, fmt, as_sql, db_path):
    """Export TABLE as CSV or JSON, or the whole database with --sql."""
    from db.queries import table_names

    path = _db_path(db_path)
    if not path.exists():
        raise click.ClickException(f"no database at {path}")
    db = open_db(path)
    if as_sql:
        from db.dump import iter_dump

        for statement in iter_dump(db.conn):
            click.echo(statement)
        return
    if not table:
        raise click.UsageError("name a TABLE, or pass --sql")
    if table not in table_names(db):
        raise click.ClickException(f"no table {table!r} (have: {', '.join(table_names(db))})")
    rows = db[table].rows if table in db.table_names() else db.query(f'SELECT * FROM "{table}"')
    if fmt == "json":
        click.echo("[", nl=False)
        for i, row in enumerate(rows):
            click.echo(("," if i else "") + "\n" + json.dumps(row, ensure_ascii=False), nl=False)
        click.echo("\n]")
    else:
        columns = [c.name for c in db[table].columns]
        writer = csv.DictWriter(sys.stdout, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


@cli.command()
def extract():
    """Read JSON lines {"id","title","abstract"} on stdin; write one JSON line per claim."""
    from ingest.extract_jsonl import extract_stream

    bad = extract_stream(sys.stdin, sys.stdout, sys.stderr)
    if bad:
        sys.exit(1)


def serve_command(path: Path, host: str, port: int, no_sql: bool) -> list[str]:
    return [sys.executable, "-m", "db.serve", str(path), "--host", host, "--port", str(port)] + (
        ["--no-sql"] if no_sql else [])


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8001, show_default=True)
@click.option("--no-sql", is_flag=True, help="Refuse arbitrary SQL (for a public deployment).")
@db_option
def serve(host, port, no_sql, db_path):
    """Serve the database with Datasette (read-only) as `sota`."""
    path = _db_path(db_path)
    if not path.exists():
        _init(path)
    click.echo(f"Datasette: http://{host}:{port}/sota", err=True)
    os.execv(sys.executable, serve_command(path, host, port, no_sql))


@cli.command()
@click.option("--replay", "replay_dir", type=click.Path(file_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8001, show_default=True)
@db_option
def up(replay_dir, host, port, db_path):
    """Init, crawl the default sources, then serve the database."""
    from crawler.sources import default_sources
    from ingest.crawl import crawl as run_crawl

    path = _db_path(db_path)
    _init(path)
    run_crawl(path, default_sources(), None, replay_dir, on_done=_progress(default_sources()))
    click.echo(f"Datasette: http://{host}:{port}/sota", err=True)
    proc = subprocess.Popen(serve_command(path, host, port, False))
    try:
        sys.exit(proc.wait())
    except KeyboardInterrupt:
        proc.terminate()
        proc.wait(timeout=10)
