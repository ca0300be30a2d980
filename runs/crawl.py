"""Crawl runs: each source's spider in a child process, then its output loaded here.

The child (`python -m crawler.run`, runs/child.py) fetches, archives and parses; this process
is the only database writer. Every run has a wall-clock budget (the source's, from
crawler/sources.toml, or the caller's): a child still running at its end is ended and the run
marked `failed` with a one-line reason; other sources go on. A source whose start URLs all
answer "unchanged" to the parent's conditional pre-flight costs no child at all, and leaves
no run folder.

One run per source at a time on a database (db.locks): a second one is refused with a line
(status `busy`, nothing recorded). A run whose load cannot be written (disk full, database
busy past its timeout, read-only) rolls back, drops its run folder (nothing committed refers
to those bytes) and records itself `failed`; if even that cannot be written, the next run of
the source closes it.

A complete run (no errors, every fetched page parsed to the end) of a listing source settles
its listing: rows read from the URLs it parsed that it did not yield again are flagged
`delisted`; rows it yielded lose that flag (ingest.flags.settle_absent). A partial or failed
run never delists anything.
"""
from __future__ import annotations

import functools
import json
import logging
import shutil
import sqlite3
import threading
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from crawler import policy
from crawler.pages import load_pages
from crawler.replay import NOT_IN_MIRROR, ReplayServer
from crawler.sources import get_source, source_query
from crawler.validators import preflight
from db.connect import explain, open_db, write_transaction
from db.locks import LockHeld, hold
from db.paper_pages import pending_papers, record_states, stored_paper
from db.runs import advance_cursor, finish_run, get_cursor, mark_interrupted, start_run
from ingest.after_load import derive_after_load
from ingest.flags import settle_absent
from ingest.load import LoadCounts, Seen, read_jsonl, save_items, save_responses, settle_rejects
from runs.child import INTERRUPTED, run_child
from runs.prepare import prepare_db

log = logging.getLogger("sota.crawl")

DELISTED = "the source no longer lists this row (a complete run parsed its page without it)"


@dataclass
class RunOutcome:
    source: str
    run_id: int | None          # None: no run was recorded (refused, or the database unusable)
    status: str                 # ok, failed, interrupted, busy (another run of the source holds it)
    counts: LoadCounts = field(default_factory=LoadCounts)
    error: str | None = None
    seconds: float = 0.0
    unchanged: int = 0
    kind: str = "crawl"
    flagged: int = 0
    fallbacks: int = 0

    def line(self) -> str:
        if (self.error and self.error.startswith(NOT_IN_MIRROR) and not self.counts.seen
                and not self.unchanged and not self.fallbacks):
            # Expected under --replay for sources the mirror does not hold: said once, plainly.
            return f"{self.source}: {self.error}; nothing loaded ({self.kind} run {self.run_id})"
        c = self.counts
        run = f" ({self.kind} run {self.run_id})" if self.run_id is not None else ""
        text = (f"{self.source}: {self.status}{run} — seen {c.seen}, "
                f"inserted {c.inserted}, updated {c.updated}, unchanged {c.unchanged}, "
                f"rejected {c.rejected}")
        if self.flagged:
            text += f", flagged {self.flagged}"
        text += f" in {self.seconds:.1f}s"
        if self.unchanged:
            text += f" ({self.unchanged} unchanged responses not re-parsed)"
        if self.fallbacks:
            text += f" (read {self.fallbacks} pinned capture(s) in place of URLs that answered 404)"
        return text + (f" — {self.error}" if self.error else "")


def archive_root(db_path: Path) -> Path:
    """Raw responses live beside the database: `<db stem>-archive/`."""
    return db_path.with_name(db_path.stem + "-archive")


def run_lock(source: str) -> str:
    """The db.locks name every run of `source` (crawl, backfill, reprocess) holds."""
    return f"run-{source}"


def write_validators(db, source: str, out_dir: Path) -> dict[str, dict]:
    """The last body hash and HTTP validators per URL of this source's successful runs, for
    URLs whose bytes are still in an archive file: bytes whose WARC was deleted are fetched
    and archived again rather than skipped as unchanged."""
    rows = db.query(
        "SELECT url, sha256, etag, last_modified FROM responses WHERE id IN ("
        " SELECT max(r.id) FROM responses r JOIN crawl_runs c ON c.id = r.crawl_run"
        " WHERE c.source = ? AND c.status = 'ok' AND r.sha256 IS NOT NULL GROUP BY r.url)", [source])
    archived: dict[str, bool] = {}
    held = set()
    for url, sha256, path in db.execute(
            "SELECT r.url, r.sha256, c.archive_path FROM responses r JOIN crawl_runs c ON c.id = r.crawl_run "
            "WHERE c.source = ? AND r.warc_record_id IS NOT NULL AND c.archive_path IS NOT NULL", [source]):
        if path not in archived:
            archived[path] = Path(path).exists()
        if archived[path]:
            held.add((url, sha256))
    validators = {r.pop("url"): r for r in rows if (r["url"], r["sha256"]) in held}
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "validators.json").write_text(json.dumps(validators), encoding="utf-8")
    return validators


def _unchanged_summary(db, conf: dict, pages, start: list[str], out_dir: Path, validators: dict,
                       replay_base: str | None, backfill, seconds: float) -> dict | None:
    """A crawl child's summary for a source whose start URLs all answer "unchanged" or hold
    nothing new (crawler.validators.preflight; the page object's `nothing_new` against the
    stored papers), or None.

    Not for sources whose start URL says nothing about the pages after it (`preflight =
    false`: a search page leading to leaderboard pages), nor for backfills.
    """
    if backfill or not start or not conf.get("preflight", True):
        return None
    settle = None
    if all(url in validators or pages.judges_news(url) for url in start):
        settle = functools.partial(pages.nothing_new, known=functools.partial(stored_paper, db))
    if not preflight(start, validators, out_dir, replay_base, seconds, settle):
        return None
    return {"errors": [], "unchanged": start, "preflight": True}


def crawl_source(db_path: Path, source: str, urls: list[str] | None = None,
                 replay_base: str | None = None, replay_dir: str | None = None,
                 budget: float | None = None, backfill: tuple[str, str] | None = None,
                 stop: threading.Event | None = None) -> RunOutcome:
    """Crawl one source within `budget` seconds (default: the source's) and load what it
    yielded, in one transaction with the run's status.

    Sources with a query (arXiv) ask only for what is newer than their cursor;
    `backfill=(since, until)` walks an older window instead. An unchanged source (304s, or
    bodies hashing as before) is not parsed: the run is ok and writes no results. A stopped
    run is marked `interrupted` and loads nothing. Never raises for a database or disk
    problem: the outcome says what happened in one line.
    """
    started = time.monotonic()
    kind = "backfill" if backfill else "crawl"
    try:
        if not db_path.exists():   # never start a new, empty database in its place
            raise sqlite3.OperationalError(f"unable to open database file {db_path} (it is gone)")
        with hold(db_path, run_lock(source)):
            db = open_db(db_path, create=False)
            try:
                return _run(db, db_path, source, urls, replay_base, replay_dir, budget, backfill,
                            stop, started, kind)
            finally:
                db.close()
    except LockHeld as exc:
        error = (f"another run of {source} is under way on this database (pid {exc.holder.get('pid')}, "
                 f"since {exc.holder.get('since')}); not started")
        outcome = RunOutcome(source, None, "busy", error=error, seconds=time.monotonic() - started, kind=kind)
    except (sqlite3.Error, OSError) as exc:
        outcome = RunOutcome(source, None, "failed", error=explain(exc, db_path),
                             seconds=time.monotonic() - started, kind=kind)
    log.warning("%s", outcome.line())
    return outcome


def _run(db, db_path: Path, source: str, urls, replay_base, replay_dir, budget, backfill, stop,
         started: float, kind: str) -> RunOutcome:
    conf = get_source(source)
    pages = load_pages(source, conf)
    closed = mark_interrupted(db, [source])   # we hold its lock: their process is gone
    if closed:
        log.info("%s: closed %d run(s) an earlier process left unfinished", source, closed)
    run_id = start_run(db, source, urls, replay_dir, kind)
    log.info("%s: run %d started", source, run_id)
    out_dir = archive_root(db_path) / source / f"run-{run_id:06d}"
    query = source_query(conf, urls)
    since, until = backfill or (get_cursor(db, source, query), None)
    targets = paper_targets(db, source, conf, pages) if not urls else []
    if targets:
        urls = [t["url"] for t in targets]
    start = pages.start_urls(urls, since, until)
    budget = float(budget or pages.budget(start))
    deadline = started + budget
    try:
        validators = write_validators(db, source, out_dir)
        summary, error = _unchanged_summary(db, conf, pages, start, out_dir, validators, replay_base, backfill,
                                            min(policy.PREFLIGHT_SECONDS, policy.PREFLIGHT_SHARE * budget)), None
        if conf.get("targets") and not start:
            # Every stored paper's page is read at its current version: nothing to ask.
            summary = {"errors": [], "incremental": True}
        if summary is None:
            summary, error = run_child(source, out_dir, urls, replay_base, budget, deadline, since, until, stop)
    except OSError as exc:   # the run folder cannot be written: disk full, read-only, gone
        summary, error = None, explain(exc)
    if error == INTERRUPTED:
        with write_transaction(db):
            finish_run(db, run_id, "interrupted", None, "stopped before the crawl finished")
        outcome = RunOutcome(source, run_id, "interrupted", LoadCounts(), INTERRUPTED,
                             time.monotonic() - started, kind=kind)
        log.warning("%s", outcome.line())   # every run that did not finish ok logs at WARNING
        return outcome
    try:
        outcome = _load(db, source, conf, run_id, summary or {}, error, out_dir, backfill, kind,
                        query, targets)
    except (sqlite3.Error, OSError) as exc:
        outcome = _record_failed_load(db, db_path, source, run_id, out_dir, exc, kind)
    outcome.seconds = time.monotonic() - started
    # A source the replay mirror does not hold is expected under --replay: said once, at INFO.
    expected = outcome.status == "ok" or (outcome.error or "").startswith(NOT_IN_MIRROR)
    log.log(logging.INFO if expected else logging.WARNING, "%s", outcome.line())
    return outcome


def _load(db, source: str, conf: dict, run_id: int, summary: dict, error: str | None,
          out_dir: Path, backfill, kind: str, query: str | None = None,
          targets: list[dict] = ()) -> RunOutcome:
    """Load the run folder and close the run, in one transaction."""
    errors = mirror_misses_once(summary.get("errors") or ([error] if error else []))
    unchanged = summary.get("unchanged") or []
    flagged = 0
    with write_transaction(db):
        seen = Seen()
        counts = save_items(db, run_id, read_jsonl(out_dir / "items.jsonl"), seen)
        save_responses(db, run_id, out_dir)
        if not errors and counts.results == 0 and not unchanged and not summary.get("incremental"):
            errors = ["the source answered but yielded no results"]
        cleared = 0
        if not errors and conf.get("listing", True) and not backfill:
            parsed = set(summary.get("parsed") or ())
            flagged, cleared = settle_absent(db, source, run_id, seen.results, parsed, "delisted", DELISTED)
            settle_rejects(db, source, run_id, seen, parsed)
        derive_after_load(db, run_id, changed=bool(counts.inserted or counts.updated or flagged or cleared))
        status = "failed" if errors else "ok"
        message = one_line(errors)
        if status == "ok" and summary.get("cursor"):
            advance_cursor(db, source, query, summary["cursor"])
        if targets:
            record_states(db, source, run_id, target_states(db, run_id, targets, summary))
        finish_run(db, run_id, status, counts, message, _keep_archive(out_dir, status))
    return RunOutcome(source, run_id, status, counts, message, unchanged=len(unchanged), kind=kind,
                      flagged=flagged, fallbacks=len(summary.get("fell_back") or []))


def paper_targets(db, source: str, conf: dict, pages) -> list[dict]:
    """For a source that reads stored papers' pages (`targets = "imagenet_papers"`): the papers
    it has not read at their current version, with the URL its page object asks for each."""
    if conf.get("targets") != "imagenet_papers":
        return []
    return [{"paper_id": pid, "version": version, "url": pages.target_url(pid)}
            for pid, version in pending_papers(db, source, int(conf.get("max_targets", 60)))]


def target_states(db, run_id: int, targets: list[dict], summary: dict) -> list[dict]:
    """What this run found for each target: 'none' when its page and fallbacks were missing,
    'ok' when a page answered (200, or unchanged); nothing when the run could not tell."""
    missing = set(summary.get("missing") or [])
    answered = {r[0] for r in db.execute(
        "SELECT url FROM responses WHERE crawl_run = ? AND status IN (200, 304)", [run_id])}
    fell_back = dict(line.split(" -> ", 1) for line in summary.get("fell_back") or [])
    states = []
    for t in targets:
        if t["url"] in missing:
            states.append({**t, "status": "none"})
        elif t["url"] in answered or fell_back.get(t["url"]) in answered:
            states.append({**t, "status": "ok", "url": t["url"] if t["url"] in answered else fell_back[t["url"]]})
    return states


def one_line(errors: list[str]) -> str | None:
    """A run's errors as its one-line message: the first, and how many more."""
    if not errors:
        return None
    return errors[0] + (f" (+{len(errors) - 1} more)" if len(errors) > 1 else "")


def mirror_misses_once(errors: list[str]) -> list[str]:
    """The replay mirror's misses ("not in the replay mirror: URL", one per URL) as one error
    that counts them, first; other errors after it, as they came."""
    misses = [e.split(": ", 1)[1] for e in errors if e.startswith(NOT_IN_MIRROR + ": ")]
    if not misses:
        return errors
    others = [e for e in errors if not e.startswith(NOT_IN_MIRROR + ": ")]
    many = f" for {len(misses)} URLs, first" if len(misses) > 1 else " from"
    return [f"{NOT_IN_MIRROR} (HTTP 404{many} {misses[0]})"] + others


def _record_failed_load(db, db_path: Path, source: str, run_id: int, out_dir: Path,
                        exc: BaseException, kind: str) -> RunOutcome:
    """The load rolled back: drop the run folder (no committed row refers to its bytes, and on
    a full disk that frees the space) and record the run `failed`, if the database lets us."""
    message = f"nothing loaded: {explain(exc, db_path)}"
    shutil.rmtree(out_dir, ignore_errors=True)
    try:
        with write_transaction(db):
            finish_run(db, run_id, "failed", None, message)
    except (sqlite3.Error, OSError) as again:
        message += f"; the run could not be recorded either ({explain(again)}): the next run of {source} closes it"
    return RunOutcome(source, run_id, "failed", LoadCounts(), message, kind=kind)


def _keep_archive(out_dir: Path, status: str) -> str | None:
    """Tidy the run folder; return the WARC's path, or None when nothing new was archived.

    The parsed items are derived data (the WARC keeps the bytes they came from). An ok run
    that archived nothing new (every response unchanged) keeps no folder at all: its
    manifest is in `responses`, so a daemon's thousandth unchanged run costs no disk."""
    (out_dir / "items.jsonl").unlink(missing_ok=True)
    warc = out_dir / "responses.warc.gz"
    if warc.exists() and warc.stat().st_size == 0:
        warc.unlink()
    if warc.exists():
        return str(warc)
    if status == "ok":
        shutil.rmtree(out_dir, ignore_errors=True)
    return None


def crawl(db_path: Path, sources: list[str], urls: list[str] | None = None,
          replay_dir: str | None = None, budget: float | None = None,
          on_done=None, backfill: tuple[str, str] | None = None,
          stop: threading.Event | None = None) -> list[RunOutcome]:
    """Crawl `sources` in turn (through a loopback replay server when `replay_dir`), each
    within `budget` seconds (default: its own)."""
    for name in sources:
        get_source(name)  # unknown names fail before anything runs
    prepare_db(db_path)
    outcomes = []
    # --replay names a mirror directory (served here on loopback) or an http:// mirror
    # server that is already running (the fault-injection suite's).
    external = bool(replay_dir) and replay_dir.startswith(("http://", "https://"))
    server = ReplayServer(replay_dir) if replay_dir and not external else nullcontext()
    with server:
        base = replay_dir if external else (server.base_url if replay_dir else None)
        for name in sources:
            outcome = crawl_source(db_path, name, urls, base, replay_dir, budget, backfill, stop)
            outcomes.append(outcome)
            if on_done:
                on_done(outcome)
    return outcomes
