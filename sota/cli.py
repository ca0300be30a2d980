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
from sota import checks
from sota.output import Col, emit, format_option, params, when

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


class OneLineErrors(click.Group):
    """Usage errors of a command (a bad option value, a missing argument) as one line naming
    the command's --help, like the commands' own errors (sota/checks.py)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            if exc.ctx is not None:
                exc.message = f"{exc.message} (see '{exc.ctx.command_path} --help')"
                exc.ctx = None
            raise


@click.group(cls=OneLineErrors)
@click.version_option(package_name="sota-tracker")
@click.option("--db", "db_path", type=click.Path(dir_okay=False), default=None,
              help="Database file for every command (default: $SOTA_DB, else ./sota.db).")
@click.option("--rules", "rules_dir", type=click.Path(file_okay=False, exists=True), default=None,
              help="Rules override directory: files named like rules/*.toml extend or replace the "
                   "packaged ones (default: $SOTA_RULES).")
@click.pass_context
def cli(ctx, db_path, rules_dir):
    """sota-tracker: state-of-the-art results with provenance (ImageNet-1K first)."""
    from db.logs import ConsoleFormatter

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(ConsoleFormatter())
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    ctx.obj = {"db": db_path}
    if rules_dir:  # children (crawls, the daemon's runs) read the same rules
        os.environ["SOTA_RULES"] = str(Path(rules_dir).resolve())


@cli.command()
@db_option
def init(db_path):
    """Create or upgrade the database file (idempotent; its directory must exist)."""
    path = checks.creatable_db(_db_path(db_path))
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
@click.option("--timeout", type=float, default=None,
              help="Wall-clock budget of each source's run, in seconds (default: the source's own, "
                   "crawler/sources.toml); a run still going at its end fails.")
@db_option
def crawl(sources, replay_dir, urls, timeout, db_path):
    """Crawl SOURCES (default: every default-enabled source) into the database."""
    from crawler.sources import default_sources, load_sources
    from runs.crawl import crawl as run_crawl

    path = checks.creatable_db(_db_path(db_path))
    names = list(sources) or default_sources()
    _known_sources(names)
    if urls and len(names) != 1:
        raise checks.BadInput("--url needs exactly one SOURCE")
    if replay_dir and not replay_dir.startswith(("http://", "https://")) and not Path(replay_dir).is_dir():
        raise checks.BadInput(f"replay directory not found: {replay_dir}")
    outcomes = _db_errors_in_a_line(path, run_crawl, path, names, list(urls) or None, replay_dir,
                                    timeout, on_done=_progress(names))
    failed = [o.source for o in outcomes if o.status != "ok"]
    if failed:
        click.echo(f"failed: {', '.join(failed)}", err=True)
        sys.exit(1)


def _known_sources(names) -> None:
    from crawler.sources import load_sources

    for name in names:
        checks.one_of("source", name, load_sources())


@cli.command()
@click.option("--since", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Oldest submission date to fetch.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Newest (default: today).")
@click.option("--replay", "replay_dir", type=click.Path(file_okay=False))
@click.option("--timeout", type=float, default=None)
@db_option
def backfill(since, until, replay_dir, timeout, db_path):
    """Walk older arXiv windows (date windows keep paging shallow); the cursor stays put."""
    from datetime import date

    from runs.crawl import crawl as run_crawl

    path = checks.creatable_db(_db_path(db_path))
    end = (until.date() if until else date.today()).isoformat()
    outcomes = _db_errors_in_a_line(path, run_crawl, path, ["arxiv"], None, replay_dir, timeout,
                                    on_done=_progress(["arxiv"]), backfill=(since.date().isoformat(), end))
    if any(o.status != "ok" for o in outcomes):
        sys.exit(1)


def _db_errors_in_a_line(path: Path, fn, *args, **kwargs):
    """fn(*args, **kwargs), a database or disk error as one line (not a traceback)."""
    import sqlite3

    from db.connect import explain

    try:
        return fn(*args, **kwargs)
    except (sqlite3.Error, OSError) as exc:
        raise click.ClickException(explain(exc, path)) from None


@cli.command()
@click.argument("sources", nargs=-1)
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Only archived responses fetched on or after this date.")
@click.option("--stale", is_flag=True,
              help="Only sources with rows made by other code or rules than today's.")
@db_option
def reprocess(sources, since, stale, db_path):
    """Derive SOURCES' rows again (default: all) from the archive, offline, with today's code and rules."""
    from runs.reprocess import reprocess as run_reprocess, reprocessable

    path = checks.existing_db(_db_path(db_path))
    _known_sources(sources)
    names = list(sources) or reprocessable(path)
    bar = _bar(len(names), "reprocessing")
    pages = [0]

    def on_page(page):
        pages[0] += 1
        if bar and pages[0] % 50 == 0:
            bar.label = f"reprocessing: {pages[0]} archived responses read"
            bar.render_progress()

    def on_done(name, outcome):
        if bar:
            bar.update(1)
        if outcome is None and stale:
            click.echo(f"{name}: nothing stale", err=True)

    outcomes = run_reprocess(path, names, since.date().isoformat() if since else None,
                             stale, on_page=on_page, on_done=on_done)
    if bar:
        bar.render_finish()
    if any(o.status != "ok" for o in outcomes):
        sys.exit(1)


def _bar(length: int, label: str):
    """A progress bar on stderr when it is a terminal; None (quiet) when piped."""
    if not sys.stderr.isatty() or length < 1:
        return None
    return click.progressbar(length=length, label=label, file=sys.stderr)


@cli.command("rules")
@format_option()
def rules_command(fmt):
    """List the rule files in effect (packaged and override) with their SHA-256."""
    from rules.files import in_effect, override_dir

    rows = [{"rule": f.name, "origin": f.origin, "sha256": f.sha256, "path": str(f.path)} for f in in_effect()]
    if fmt == "table":
        where = override_dir()
        click.echo(f"override directory: {where if where else '(none: set --rules DIR or $SOTA_RULES)'}", err=True)
    emit(rows, [Col("rule"), Col("origin"), Col("sha256", show=lambda v: v[:16]), Col("path")], fmt)


def _progress(names: list[str]):
    """A progress bar over sources on a terminal (the log prints each run's line either way)."""
    bar = _bar(len(names), "crawling")
    if bar is None:
        return None

    def done(outcome):
        bar.update(1)
        if bar.pos >= bar.length:
            bar.render_finish()
    return done


@cli.command()
@format_option()
@db_option
def sources(fmt, db_path):
    """List the sources with their URL, licence and last run."""
    from crawler.sources import load_sources
    from db.runs import last_runs

    runs = last_runs(_open_existing(db_path))
    rows = []
    for name, conf in load_sources().items():
        run = runs.get(name) or {}
        rows.append({"name": name, "url": conf.get("url"), "licence": conf.get("licence"),
                     "default": bool(conf.get("default")), "last_run": run.get("started"),
                     "last_status": run.get("status"), "last_error": run.get("error")})
    emit(rows, [Col("name", "source"), Col("licence"), Col("default", "scheduled"),
                Col("last_status", "last run"), Col("last_run", "started (UTC)", when), Col("url")], fmt)


def _open_existing(db_path: str | None):
    return open_db(checks.existing_db(_db_path(db_path)))


def _check_scope(db, dataset: str | None, metric: str | None, setting: str | None) -> None:
    """Unknown dataset, metric or setting: one line with the known ones, before any query."""
    checks.one_of("dataset", dataset, checks.known_datasets(db))
    checks.one_of("metric", metric, checks.known_metrics(db))
    checks.one_of("setting", setting, checks.known_settings())


SETTING_HELP = ("Protocol to compare: a setting or protocol of rules/settings.toml (default: "
                "end-to-end supervised/fine-tuned; 'all' mixes them).")


@cli.command()
@click.option("--dataset", default="imagenet-1k", show_default=True)
@click.option("--metric", default="top1_acc", show_default=True)
@click.option("--setting", default=None, help=SETTING_HELP)
@click.option("--extra-data", "extra_data", type=click.Choice(["yes", "no"]), default=None,
              help="Only results trained with (yes) or without (no) extra data (default: both).")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Only results published on or before this date (undated ones stay in).")
@click.option("--dated-only", is_flag=True, help="Leave out results with no date.")
@click.option("--include-delisted", is_flag=True, help="Let rows their source no longer lists count.")
@click.option("--include-flagged", is_flag=True,
              help="Let withdrawn and flagged-off results count (their flags are shown).")
@click.option("--top", type=click.IntRange(min=1), default=20, show_default=True)
@format_option()
@db_option
def leaderboard(dataset, metric, setting, extra_data, as_of, dated_only, include_delisted, include_flagged,
                top, fmt, db_path):
    """One row per canonical model: best-attested reported value, measured value beside it."""
    from db.queries import LEADERBOARD_KEYS, leaderboard as query

    db = _open_existing(db_path)
    _check_scope(db, dataset, metric, setting)
    rows = query(db, dataset, metric, top, setting, as_of.date().isoformat() if as_of else None,
                 dated_only, None if extra_data is None else extra_data == "yes", include_flagged,
                 include_delisted)
    emit(rows, [Col("rank", "#", right=True), Col("model", width=40),
                Col("value", "reported", right=True), Col("measured", right=True),
                Col("setting", width=14), Col("extra_data", "extra data", of_row=_extra, width=16),
                Col("params", show=params, right=True), Col("published", "date"),
                Col("sources", width=24), Col("confirmed", show=lambda v: "yes" if v else ""),
                Col("flags", width=16)],
         fmt, LEADERBOARD_KEYS, empty=f"no {metric} results for {dataset} with these filters")


def _extra(row: dict):
    """Extra training data as the table shows it: the corpus when known, else yes / no."""
    if row["extra_data"] is None:
        return None
    return (row.get("extra_data_corpus") or "yes") if row["extra_data"] else "no"


@cli.command()
@click.option("--dataset", default="imagenet-1k", show_default=True)
@click.option("--metric", default="top1_acc", show_default=True)
@click.option("--setting", default=None, help=SETTING_HELP)
@click.option("--include-withdrawn", is_flag=True, help="Let flagged (withdrawn) results count.")
@click.option("--include-delisted", is_flag=True, help="Let rows their source no longer lists count.")
@format_option()
@db_option
def progression(dataset, metric, setting, include_withdrawn, include_delisted, fmt, db_path):
    """The record-breaking results in date order, from all sources."""
    from db.queries import PROGRESSION_KEYS, progression as query

    db = _open_existing(db_path)
    _check_scope(db, dataset, metric, setting)
    rows = query(db, dataset, metric, setting, include_withdrawn, include_delisted)
    emit(rows, [Col("published", "date"), Col("value", right=True), Col("model", width=48),
                Col("setting", width=14), Col("source")],
         fmt, PROGRESSION_KEYS, empty=f"no dated {metric} results for {dataset}")


@cli.command()
@click.option("--field", type=click.Choice(["value", "params"]), default=None)
@click.option("--dataset", default=None, help="Only this dataset (default: all).")
@format_option()
@db_option
def conflicts(field, dataset, fmt, db_path):
    """Where sources disagree on a model's value or parameter count, side by side."""
    from db.queries import conflicts as query

    db = _open_existing(db_path)
    _check_scope(db, dataset, None, None)
    rows = query(db, field, dataset)
    keys = tuple(rows[0]) if rows else ("model", "field", "note")
    emit(rows, [Col("field"), Col("model", width=32), Col("dataset"), Col("metric"), Col("source_a"),
                Col("shown_a", "value_a", right=True), Col("source_b"),
                Col("shown_b", "value_b", right=True), Col("note", width=70)],
         fmt, keys, empty=f"no {field + ' ' if field else ''}conflicts: where two sources give the "
                          "same number, they agree within the precision they print")


@cli.command()
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Only changes on or after this date (UTC).")
@click.option("--source", default=None, help="Only changes to this source's results.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most N changes, newest first.")
@format_option()
@db_option
def changes(since, source, limit, fmt, db_path):
    """What the runs changed, newest first: inserts, updates, flags raised and cleared, with why."""
    from db.queries import CHANGE_KEYS, changes as query

    db = _open_existing(db_path)
    if source:
        _known_sources([source])
    rows = query(db, since.date().isoformat() if since else None, source, limit)
    emit(rows, [Col("at", "at (UTC)", when), Col("change"), Col("flag"), Col("source"),
                Col("model", width=36), Col("old_value", "old", right=True),
                Col("new_value", "new", right=True), Col("why", width=60)],
         fmt, CHANGE_KEYS, empty="no changes" + (f" since {since.date()}" if since else ""))


@cli.command()
@click.argument("out", type=click.Path(dir_okay=False))
@db_option
def snapshot(out, db_path):
    """Write OUT: one immutable, self-contained SQLite file to share (plain sqlite3 and
    `datasette -i OUT` serve it, leaderboard, progression and conflicts included)."""
    from db.snapshot import SnapshotError, write_snapshot
    from runs.prepare import prepare_db

    path = checks.existing_db(_db_path(db_path))
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
@format_option()
@db_option
def review(accept, reject, fmt, db_path):
    """List uncertain model merges, or accept / reject them by number."""
    from ingest.reconcile import decide_reviews

    db = _open_existing(db_path)
    if accept or reject:
        with write_transaction(db):
            decided = decide_reviews(db, accept, reject)
        click.echo(f"decided {decided} review(s); model map updated")
        return
    rows = list(db.query("SELECT rowid AS n, * FROM merge_reviews WHERE status = 'pending' ORDER BY n"))
    emit(rows, [Col("n", right=True), Col("source"), Col("model", width=40),
                Col("target", "would merge with", width=40,
                    of_row=lambda r: f"{r['target_source']}: {r['target_model']}" if r["target_source"]
                    else r["canonical_key"]),
                Col("reason", width=40), Col("evidence", width=80)],
         fmt, empty="nothing to review")


@cli.command()
@click.argument("table", required=False)
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv")
@click.option("--sql", "as_sql", is_flag=True, help="Dump the whole database as SQL.")
@db_option
def export(table, fmt, as_sql, db_path):
    """Export TABLE as CSV or JSON, or the whole database with --sql."""
    from db.queries import table_names

    db = _open_existing(db_path)
    if as_sql:
        from db.dump import iter_dump

        for statement in iter_dump(db.conn):
            click.echo(statement)
        return
    if not table:
        raise checks.BadInput("name a TABLE, or pass --sql")
    checks.one_of("table", table, table_names(db))
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


@cli.command("extract-tables")
def extract_tables():
    """Read JSON lines {"id","html"} (arXiv HTML pages) on stdin; write one JSON line per
    ImageNet accuracy found in their result tables."""
    from ingest.extract_tables_jsonl import extract_tables_stream

    if extract_tables_stream(sys.stdin, sys.stdout, sys.stderr):
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
    path = checks.creatable_db(_db_path(db_path))
    if not path.exists():
        from runs.prepare import prepare_db

        prepare_db(path)
    click.echo(f"Datasette: http://{host}:{port}/sota — Ctrl-C to stop", err=True)
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
@click.option("--log-max-bytes", type=click.IntRange(min=1024), default=None,
              help="Rotate the log file at this size (default 5 MB; 5 old files are kept).")
@db_option
def daemon(schedule_file, interval, replay_dir, log_file, log_max_bytes, db_path):
    """Crawl each source on its schedule until SIGTERM/SIGINT (runs in the foreground)."""
    from schedules.daemon import LOG_MAX_BYTES, Daemon, setup_logging

    path = checks.creatable_db(_db_path(db_path))
    entries = _schedule(schedule_file)
    setup_logging(log_file, log_max_bytes or LOG_MAX_BYTES)
    sys.exit(Daemon(path, entries, interval, replay_dir).serve_forever())


@cli.command()
@schedule_option
@format_option()
@db_option
def status(schedule_file, fmt, db_path):
    """Per source: the last run (status, counts, when, error), failures in a row, and the
    running daemon's next run and backoff (or that no daemon is running)."""
    from db.locks import holder
    from db.runs import failure_streak, last_runs, read_jobs

    db = _open_existing(db_path)
    runs, jobs = last_runs(db), read_jobs(db)
    daemon = holder(_db_path(db_path), "daemon")
    rows = []
    for entry in _schedule(schedule_file):
        run, job = runs.get(entry.source) or {}, jobs.get(entry.source) or {}
        failures, _ = failure_streak(db, entry.source)
        rows.append({"source": entry.source, "last_status": run.get("status"),
                     "last_started": run.get("started"), "last_finished": run.get("finished"),
                     "inserted": run.get("items_inserted"), "updated": run.get("items_updated"),
                     "unchanged": run.get("items_unchanged"), "rejected": run.get("items_rejected"),
                     "error": run.get("error"), "failures_in_a_row": failures,
                     "daemon": f"running (pid {daemon.get('pid')})" if daemon else "not running",
                     "next_run": job.get("next_run") if daemon else None,
                     "backoff_until": job.get("backoff_until") if daemon else None})
    emit(rows, [Col("source"), Col("last_status", "last run", of_row=lambda r: r["last_status"] or "never run"),
                Col("last_started", "started (UTC)", when), Col("inserted", right=True),
                Col("updated", right=True), Col("rejected", right=True),
                Col("failures_in_a_row", "failed in a row", right=True),
                Col("next_run", "next run (UTC)", of_row=_next_run), Col("error", width=60)], fmt)


def _next_run(row: dict) -> str:
    """The daemon's next run of a source as `sota status` shows it: when, and why later."""
    if row["daemon"] == "not running":
        return "daemon not running"
    text = when(row["next_run"]) if row["next_run"] else ""
    if row["backoff_until"]:
        text += f" (backing off after {row['failures_in_a_row']} failures in a row)"
    return text


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

    path = checks.creatable_db(_db_path(db_path))
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
    click.echo(f"Datasette: http://{host}:{port}/sota — crawling on schedule; Ctrl-C to stop", err=True)
    try:
        code = Daemon(path, entries, None, replay_dir, run_now=True).serve_forever()
    finally:
        end_process(server, grace=5)
    sys.exit(code)
