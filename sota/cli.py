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

from db.connect import open_db, resolve_db_path, write_transaction

db_option = click.option(
    "--db", "db_path", type=click.Path(dir_okay=False), default=None,
    help="Database file (default: $SOTA_DB, else ./sota.db); also accepted before the command.",
)


def _db_path(db_path: str | None) -> Path:
    """The command's --db, else the group's --db, else $SOTA_DB, else ./sota.db."""
    root = click.get_current_context().find_root()
    path = resolve_db_path(db_path or (root.obj or {}).get("db"))
    # Children (crawler, Datasette, daemon) inherit the resolved absolute path.
    os.environ["SOTA_DB"] = str(path)
    return path


@click.group()
@click.version_option(package_name="sota-tracker")
@click.option("--db", "db_path", type=click.Path(dir_okay=False), default=None,
              help="Database file for every command (default: $SOTA_DB, else ./sota.db).")
@click.option("--rules", "rules_dir", type=click.Path(file_okay=False, exists=True), default=None,
              help="Rules override directory: files named like rules/*.toml extend or replace the "
                   "packaged ones (default: $SOTA_RULES).")
@click.pass_context
def cli(ctx, db_path, rules_dir):
    """sota-tracker: state-of-the-art results with provenance (ImageNet-1K first)."""
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    ctx.obj = {"db": db_path}
    if rules_dir:  # children (crawls, the daemon's runs) read the same rules
        os.environ["SOTA_RULES"] = str(Path(rules_dir).resolve())


@cli.command()
@db_option
def init(db_path):
    """Create or upgrade the database (idempotent)."""
    path = _db_path(db_path)
    from runs.prepare import prepare_db

    applied = prepare_db(path)
    click.echo(f"{path}: " + (f"applied {', '.join(applied)}" if applied else "up to date"))


@cli.command()
@click.argument("sources", nargs=-1)
@click.option("--replay", "replay_dir",
              help="Answer every request from this URL mirror directory (via a loopback server), "
                   "or from a running mirror server given as http://host:port.")
@click.option("--url", "urls", multiple=True,
              help="Replace the source's start URLs (repeatable; exactly one SOURCE).")
@click.option("--timeout", type=float, default=None, help="Seconds before a source's crawl is abandoned.")
@db_option
def crawl(sources, replay_dir, urls, timeout, db_path):
    """Crawl SOURCES (default: every default-enabled source) into the database."""
    from crawler.sources import default_sources, load_sources
    from runs.crawl import DEFAULT_TIMEOUT, crawl as run_crawl

    path = _db_path(db_path)
    names = list(sources) or default_sources()
    unknown = [n for n in names if n not in load_sources()]
    if unknown:
        raise click.UsageError(f"unknown source(s): {', '.join(unknown)} "
                               f"(known: {', '.join(load_sources())})")
    if urls and len(names) != 1:
        raise click.UsageError("--url needs exactly one SOURCE")
    if replay_dir and not replay_dir.startswith(("http://", "https://")) and not Path(replay_dir).is_dir():
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

    from runs.crawl import DEFAULT_TIMEOUT, crawl as run_crawl

    path = _db_path(db_path)
    end = (until.date() if until else date.today()).isoformat()
    outcomes = run_crawl(path, ["arxiv"], None, replay_dir, timeout or DEFAULT_TIMEOUT,
                         on_done=_progress(["arxiv"]), backfill=(since.date().isoformat(), end))
    if any(o.status != "ok" for o in outcomes):
        sys.exit(1)


@cli.command()
@click.argument("sources", nargs=-1)
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Only archived responses fetched on or after this date.")
@click.option("--stale", is_flag=True,
              help="Only sources with rows made by other code or rules than today's.")
@db_option
def reprocess(sources, since, stale, db_path):
    """Derive SOURCES' rows again (default: all) from the archive, offline, with today's code and rules."""
    from crawler.sources import load_sources
    from runs.reprocess import reprocess as run_reprocess

    path = _db_path(db_path)
    if not path.exists():
        raise click.ClickException(f"no database at {path}: nothing to reprocess")
    unknown = [n for n in sources if n not in load_sources()]
    if unknown:
        raise click.UsageError(f"unknown source(s): {', '.join(unknown)} (known: {', '.join(load_sources())})")
    outcomes = run_reprocess(path, list(sources) or None, since.date().isoformat() if since else None,
                             stale, on_page=_page_ticker(), on_done=_skipped_line(stale))
    if any(o.status != "ok" for o in outcomes):
        sys.exit(1)


def _page_ticker():
    """On a terminal, a spinner-like count of archived responses read (quiet when piped)."""
    if not sys.stderr.isatty():
        return None
    count = [0]

    def tick(page):
        count[0] += 1
        click.echo(f"\rreprocess: {count[0]} archived responses read", err=True, nl=False)
    return tick


def _skipped_line(stale: bool):
    def done(name, outcome):
        if sys.stderr.isatty():
            click.echo("", err=True)
        if outcome is None and stale:
            click.echo(f"{name}: nothing stale", err=True)
    return done


@cli.command("rules")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def rules_command(fmt):
    """List the rule files in effect (packaged and override) with their SHA-256."""
    from rules.files import in_effect, override_dir

    rows = [{"rule": f.name, "origin": f.origin, "sha256": f.sha256, "path": str(f.path)} for f in in_effect()]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    where = override_dir()
    click.echo(f"override directory: {where if where else '(none: set --rules DIR or $SOTA_RULES)'}")
    for r in rows:
        click.echo(f"{r['rule']:<9} {r['origin']:<9} {r['sha256'][:16]}  {r['path']}")


def _progress(names: list[str]):
    """A progress bar over sources on a terminal (the log prints each run's line either way)."""
    if not sys.stderr.isatty():
        return None
    bar = click.progressbar(length=len(names), label="crawling", file=sys.stderr)

    def done(outcome):
        bar.update(1)
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


def _settings() -> list[str]:
    from rules import settings

    return sorted(set(settings.names()) | set(settings.protocols()) | {settings.ALL})


def _open_existing(db_path: str | None):
    path = _db_path(db_path)
    if not path.exists():
        raise click.ClickException(f"no database at {path}: run `sota init` and `sota crawl` first")
    return open_db(path)


def _emit(rows: list[dict], keys: tuple[str, ...], fmt: str, table_line) -> None:
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    elif fmt == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=keys, extrasaction="ignore")
        writer.writeheader()
        writer.writerows({k: json.dumps(v) if isinstance(v, list) else v for k, v in r.items()}
                         for r in rows)
    else:
        for r in rows:
            click.echo(table_line(r))


def _number(value) -> str:
    return "-" if value is None else f"{value:.3f}"


def _params(count) -> str:
    return "-" if not count else f"{count / 1e6:,.0f}M"


@cli.command()
@click.option("--dataset", default="imagenet-1k", show_default=True)
@click.option("--metric", default="top1_acc", show_default=True)
@click.option("--setting", type=click.Choice(_settings()), default=None,
              help="Protocol to compare (default: end-to-end supervised/fine-tuned; 'all' mixes them).")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Only results published on or before this date (undated ones stay in).")
@click.option("--dated-only", is_flag=True, help="Leave out results with no date.")
@click.option("--top", type=int, default=20, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table")
@db_option
def leaderboard(dataset, metric, setting, as_of, dated_only, top, fmt, db_path):
    """One row per canonical model: best-attested reported value, measured value beside it."""
    from db.queries import LEADERBOARD_KEYS, leaderboard as query

    rows = query(_open_existing(db_path), dataset, metric, top, setting,
                 as_of.date().isoformat() if as_of else None, dated_only)
    _emit(rows, LEADERBOARD_KEYS, fmt, lambda r: (
        f"{r['rank']:>3}  {_number(r['value']):>7} {_number(r['measured']):>7}  {r['model'][:40]:<40} "
        f"{_params(r['params']):>8}  "
        f"{r['setting'] or '-':<12} {','.join(r['sources']):<16} {r['published'] or '':<10}"
        + (f"  [{', '.join(r['flags'])}]" if r["flags"] else "")))


@cli.command()
@click.option("--dataset", default="imagenet-1k", show_default=True)
@click.option("--metric", default="top1_acc", show_default=True)
@click.option("--setting", type=click.Choice(_settings()), default=None)
@click.option("--include-withdrawn", is_flag=True, help="Let flagged (withdrawn) results count.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table")
@db_option
def progression(dataset, metric, setting, include_withdrawn, fmt, db_path):
    """The record-breaking results in date order, from all sources."""
    from db.queries import PROGRESSION_KEYS, progression as query

    rows = query(_open_existing(db_path), dataset, metric, setting, include_withdrawn)
    _emit(rows, PROGRESSION_KEYS, fmt, lambda r: (
        f"{r['published']}  {_number(r['value']):>7}  {r['model'][:48]:<48} {r['source']}"))


@cli.command()
@click.option("--field", type=click.Choice(["value", "params"]), default=None)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table")
@db_option
def conflicts(field, fmt, db_path):
    """Where sources disagree on a model's value or parameter count, side by side."""
    from db.queries import conflicts as query

    rows = query(_open_existing(db_path), field)
    if not rows and fmt == "table":
        click.echo(f"no {field + ' ' if field else ''}conflicts: where two sources give the same "
                   "number, they agree within the precision they print", err=True)
    _emit(rows, tuple(rows[0]) if rows else ("model",), fmt,
          lambda r: f"{r['field']:<6} {r['model'][:32]:<32} {r['note']}")


@cli.command()
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Only changes on or after this date (UTC).")
@click.option("--source", default=None, help="Only changes to this source's results.")
@click.option("--limit", type=int, default=None, help="At most N changes, newest first.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table")
@db_option
def changes(since, source, limit, fmt, db_path):
    """What the runs changed, newest first: inserts, updates, flags raised and cleared, with why."""
    from db.queries import CHANGE_KEYS, changes as query

    rows = query(_open_existing(db_path), since.date().isoformat() if since else None, source, limit)
    def line(r):
        values = f"{r['new_value']:g}" if r["old_value"] is None else f"{r['old_value']:g} -> {r['new_value']:g}"
        return (f"{r['at']}  {r['change']:<6} {r['flag'] or '':<11} {r['source']:<6} "
                f"{r['model'][:36]:<36} {values:<16} {r['why']}")
    _emit(rows, CHANGE_KEYS, fmt, line)


@cli.command()
@click.argument("out", type=click.Path(dir_okay=False))
@db_option
def snapshot(out, db_path):
    """Write OUT: one immutable, self-contained SQLite file to share (plain sqlite3 and
    `datasette -i OUT` serve it, leaderboard, progression and conflicts included)."""
    from db.snapshot import SnapshotError, write_snapshot
    from runs.prepare import prepare_db

    path = _db_path(db_path)
    if path.exists():
        prepare_db(path)   # today's schema and views, so the snapshot carries them
    try:
        done = write_snapshot(path, Path(out).resolve())
    except (SnapshotError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    rows = ", ".join(f"{name} {n:,}" for name, n in done["rows"].items())
    click.echo(f"{done['path']}: {done['bytes']:,} bytes, taken {done['taken_at']} ({rows}); "
               f"serve it with `datasette -i {done['path']}`")


@cli.command()
@click.option("--accept", "accept", type=int, multiple=True, help="Merge review N (repeatable).")
@click.option("--reject", "reject", type=int, multiple=True, help="Keep review N apart (repeatable).")
@db_option
def review(accept, reject, db_path):
    """List uncertain model merges, or accept / reject them by number."""
    from ingest.reconcile import decide_reviews

    db = _open_existing(db_path)
    if accept or reject:
        with write_transaction(db):
            decided = decide_reviews(db, accept, reject)
        click.echo(f"decided {decided} review(s); model map updated")
        return
    rows = list(db.query("SELECT rowid AS n, * FROM merge_reviews WHERE status = 'pending' ORDER BY n"))
    if not rows:
        click.echo("nothing to review")
    for r in rows:
        click.echo(f"{r['n']:>4}  {r['source']}: '{r['model']}' -> {r['canonical_key']}  ({r['reason']})")


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
        from runs.prepare import prepare_db

        prepare_db(path)
    click.echo(f"Datasette: http://{host}:{port}/sota", err=True)
    os.execv(sys.executable, serve_command(path, host, port, no_sql))


def _schedule(schedule_file):
    from schedules.schedule import ScheduleError, load_schedule

    try:
        return load_schedule(schedule_file)
    except ScheduleError as exc:
        raise click.ClickException(str(exc)) from None


schedule_option = click.option("--schedule", "schedule_file", type=click.Path(dir_okay=False),
                               help="Schedule file (default: the packaged schedules/schedule.toml).")
replay_option = click.option("--replay", "replay_dir", type=click.Path(file_okay=False),
                             help="Answer every request from this URL mirror via a loopback server.")


@cli.command()
@schedule_option
@click.option("--interval", type=float, default=None, help="Run every source every N seconds (trials, tests).")
@replay_option
@click.option("--log-file", type=click.Path(dir_okay=False), help="Also log to this file (rotating).")
@db_option
def daemon(schedule_file, interval, replay_dir, log_file, db_path):
    """Crawl each source on its schedule until SIGTERM/SIGINT (runs in the foreground)."""
    from schedules.daemon import Daemon, setup_logging

    path = _db_path(db_path)
    entries = _schedule(schedule_file)
    setup_logging(log_file)
    sys.exit(Daemon(path, entries, interval, replay_dir).serve_forever())


@cli.command()
@schedule_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@db_option
def status(schedule_file, fmt, db_path):
    """Per source: the last run (status, counts, when, error) and the next scheduled run."""
    from datetime import datetime, timezone

    from db.runs import last_runs

    path = _db_path(db_path)
    runs = last_runs(open_db(path)) if path.exists() else {}
    now = datetime.now(timezone.utc)
    rows = []
    for entry in _schedule(schedule_file):
        run = runs.get(entry.source) or {}
        nxt = entry.trigger().get_next_fire_time(None, now)
        rows.append({"source": entry.source, "last_status": run.get("status"),
                     "last_started": run.get("started"), "last_finished": run.get("finished"),
                     "inserted": run.get("items_inserted"), "updated": run.get("items_updated"),
                     "unchanged": run.get("items_unchanged"), "rejected": run.get("items_rejected"),
                     "error": run.get("error"), "next_run": nxt.isoformat() if nxt else None})
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        last = f"{r['last_status']} {r['last_started']}" if r["last_started"] else "never run"
        click.echo(f"{r['source']:<9} {last:<40} next {r['next_run']}" + (f"  — {r['error']}" if r["error"] else ""))


@cli.group()
def baseline():
    """The bundled offline baseline (facts only) that seeds an empty database."""


@baseline.command("build")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Output file (default: ingest/baseline.json.gz in this checkout).")
@db_option
def baseline_build(out, db_path):
    """Write the baseline from a crawled database (e.g. after `sota crawl --replay`)."""
    from ingest import baseline as bl

    db = _open_existing(db_path)
    data = bl.build_baseline(db)
    target = Path(out) if out else Path(bl.__file__).with_name(bl.BASELINE_FILE)
    bl.write_baseline(data, target)
    click.echo(f"{target}: {len(data['results'])} results, {len(data['papers'])} papers, built {data['built']}")


@cli.command()
@replay_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8001, show_default=True)
@schedule_option
@click.option("--log-file", type=click.Path(dir_okay=False))
@db_option
def up(replay_dir, host, port, schedule_file, log_file, db_path):
    """The main job: init, seed from the baseline if empty, crawl now, serve Datasette, run the daemon."""
    from ingest.baseline import load_baseline, read_baseline
    from runs.prepare import prepare_db
    from runs.processes import end_process
    from schedules.daemon import Daemon, setup_logging

    path = _db_path(db_path)
    entries = _schedule(schedule_file)
    setup_logging(log_file)
    prepare_db(path)
    data = read_baseline()
    loaded = load_baseline(open_db(path), data)
    if loaded:
        click.echo(f"empty database: seeded {loaded} results from the bundled baseline "
                   f"(built {data['built']}); live crawls replace them as sources succeed", err=True)
    else:
        click.echo("database already has results: baseline not needed", err=True)
    server = subprocess.Popen(serve_command(path, host, port, False))
    click.echo(f"Datasette: http://{host}:{port}/sota", err=True)
    try:
        code = Daemon(path, entries, None, replay_dir, run_now=True).serve_forever()
    finally:
        end_process(server, grace=5)
    sys.exit(code)
