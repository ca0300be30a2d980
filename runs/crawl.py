"""Crawl runs: each source's spider in a child process, then its output loaded here.

The child (`python -m crawler.run`) fetches, archives and parses; this process is the only
database writer. A child that crashes, hangs past `timeout` or reports errors marks its run
`failed` with a one-line reason; other sources go on. A source whose start URLs all answer
"unchanged" to the parent's conditional pre-flight costs no child at all.
"""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from crawler.pages import load_pages
from crawler.replay import NOT_IN_MIRROR, ReplayServer
from crawler.sources import get_source, source_query
from crawler.validators import preflight
from db.connect import open_db, write_transaction
from db.runs import advance_cursor, finish_run, get_cursor, start_run
from ingest.derived_flags import refresh_flags_if_needed
from ingest.load import LoadCounts, read_jsonl, save_items, save_responses
from ingest.reconcile import reconcile_if_needed
from runs.prepare import prepare_db
from runs.processes import end_process

log = logging.getLogger("sota.crawl")

DEFAULT_TIMEOUT = 30 * 60
INTERRUPTED = "interrupted"


@dataclass
class RunOutcome:
    source: str
    run_id: int
    status: str
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
        text = (f"{self.source}: {self.status} ({self.kind} run {self.run_id}) — seen {c.seen}, "
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


def fetch_source(source: str, out_dir: Path, urls: list[str] | None, replay_base: str | None,
                 timeout: float, since: str | None = None, until: str | None = None,
                 stop: threading.Event | None = None) -> tuple[dict | None, str | None]:
    """Run the crawl child; return (summary, error).

    The child is ended (SIGTERM, then SIGKILL) when `timeout` passes or `stop` is set; the
    error then says which ("interrupted" for a stop).
    """
    cmd = [sys.executable, "-m", "crawler.run", source, "--out", str(out_dir)]
    for url in urls or []:
        cmd += ["--url", url]
    for flag, value in (("--replay-base", replay_base), ("--since", since), ("--until", until)):
        if value:
            cmd += [flag, value]
    out_dir.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    with open(out_dir / "crawler.log", "wb") as log_file:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log_file,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
        while True:
            try:
                proc.wait(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                if (stop is not None and stop.is_set()) or time.monotonic() > deadline:
                    end_process(proc)
                    return None, (INTERRUPTED if stop is not None and stop.is_set()
                                  else f"crawl timed out after {timeout:g}s")
    summary_path = out_dir / "summary.json"
    if proc.returncode != 0 or not summary_path.exists():
        lines = (out_dir / "crawler.log").read_text("utf-8", "replace").strip().splitlines()
        return None, f"crawler exited with code {proc.returncode}: {(lines or ['no output'])[-1][:300]}"
    return json.loads(summary_path.read_text("utf-8")), None


def write_validators(db, source: str, out_dir: Path) -> dict[str, dict]:
    """The last body hash and HTTP validators per URL of this source's successful runs."""
    rows = db.query(
        "SELECT url, sha256, etag, last_modified FROM responses WHERE id IN ("
        " SELECT max(r.id) FROM responses r JOIN crawl_runs c ON c.id = r.crawl_run"
        " WHERE c.source = ? AND c.status = 'ok' AND r.sha256 IS NOT NULL GROUP BY r.url)", [source])
    validators = {r.pop("url"): r for r in rows}
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "validators.json").write_text(json.dumps(validators), encoding="utf-8")
    return validators


def _unchanged_summary(conf: dict, start: list[str], out_dir: Path, validators: dict,
                       replay_base: str | None, backfill) -> dict | None:
    """A crawl child's summary for a source whose start URLs all answer "unchanged", or None.

    Not for sources whose start URL says nothing about the pages after it (`preflight =
    false`: a search page leading to leaderboard pages), nor for backfills.
    """
    if backfill or not start or not conf.get("preflight", True):
        return None
    lines = preflight(start, validators, replay_base, out_dir.parent.parent / "robots")
    if lines is None:
        return None
    with open(out_dir / "responses.jsonl", "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(line) + "\n" for line in lines)
    return {"errors": [], "unchanged": start, "preflight": True}


def crawl_source(db_path: Path, source: str, urls: list[str] | None = None,
                 replay_base: str | None = None, replay_dir: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT, backfill: tuple[str, str] | None = None,
                 stop: threading.Event | None = None) -> RunOutcome:
    """Crawl one source and load what it yielded, in one transaction with the run's status.

    Sources with a query (arXiv) ask only for what is newer than their cursor;
    `backfill=(since, until)` walks an older window instead. An unchanged source (304s, or
    bodies hashing as before) is not parsed: the run is ok and writes no results. A stopped
    run is marked `interrupted` and loads nothing.
    """
    started = time.monotonic()
    conf = get_source(source)
    kind = "backfill" if backfill else "crawl"
    db = open_db(db_path)
    run_id = start_run(db, source, urls, replay_dir, kind)
    log.info("%s: run %d started", source, run_id)
    out_dir = archive_root(db_path) / source / f"run-{run_id:06d}"
    query = source_query(conf, urls)
    since, until = backfill or (get_cursor(db, source, query), None)
    validators = write_validators(db, source, out_dir)
    start = load_pages(source, conf).start_urls(urls, since, until)
    summary, error = _unchanged_summary(conf, start, out_dir, validators, replay_base, backfill), None
    if summary is None:
        summary, error = fetch_source(source, out_dir, urls, replay_base, timeout, since, until, stop)
    if error == INTERRUPTED:
        with write_transaction(db):
            finish_run(db, run_id, "interrupted", None, "stopped before the crawl finished")
        db.close()
        return RunOutcome(source, run_id, "interrupted", LoadCounts(), INTERRUPTED,
                          time.monotonic() - started, kind=kind)
    summary = summary or {}
    errors = mirror_misses_once(summary.get("errors") or ([error] if error else []))
    unchanged = summary.get("unchanged") or []
    with write_transaction(db):
        counts = save_items(db, run_id, read_jsonl(out_dir / "items.jsonl"))
        save_responses(db, run_id, out_dir)
        changed = bool(counts.inserted or counts.updated)
        reconciled = reconcile_if_needed(db, changed=changed)
        refresh_flags_if_needed(db, run_id, changed=changed or reconciled is not None)
        if not errors and counts.results == 0 and not unchanged and not summary.get("incremental"):
            errors = ["the source answered but yielded no results"]
        status = "failed" if errors else "ok"
        message = None
        if errors:
            message = errors[0] + (f" (+{len(errors) - 1} more)" if len(errors) > 1 else "")
        if status == "ok" and summary.get("cursor"):
            advance_cursor(db, source, summary["query"], summary["cursor"])
        finish_run(db, run_id, status, counts, message, _keep_archive(out_dir))
    db.close()
    outcome = RunOutcome(source, run_id, status, counts, message, time.monotonic() - started,
                         unchanged=len(unchanged), kind=kind, fallbacks=len(summary.get("fallbacks") or []))
    expected = status == "ok" or (message or "").startswith(NOT_IN_MIRROR)
    log.log(logging.INFO if expected else logging.WARNING, "%s", outcome.line())
    return outcome


def mirror_misses_once(errors: list[str]) -> list[str]:
    """The replay mirror's misses ("not in the replay mirror: URL", one per URL) as one error
    that counts them, first; other errors after it, as they came."""
    misses = [e.split(": ", 1)[1] for e in errors if e.startswith(NOT_IN_MIRROR + ": ")]
    if not misses:
        return errors
    others = [e for e in errors if not e.startswith(NOT_IN_MIRROR + ": ")]
    many = f" for {len(misses)} URLs, first" if len(misses) > 1 else " from"
    return [f"{NOT_IN_MIRROR} (HTTP 404{many} {misses[0]})"] + others


def _keep_archive(out_dir: Path) -> str | None:
    """Tidy the run folder; return the WARC's path, or None when nothing new was archived."""
    # The parsed items are derived data (the WARC keeps the bytes they came from).
    (out_dir / "items.jsonl").unlink(missing_ok=True)
    warc = out_dir / "responses.warc.gz"
    if warc.exists() and warc.stat().st_size == 0:
        warc.unlink()
    return str(warc) if warc.exists() else None


def crawl(db_path: Path, sources: list[str], urls: list[str] | None = None,
          replay_dir: str | None = None, timeout: float = DEFAULT_TIMEOUT,
          on_done=None, backfill: tuple[str, str] | None = None,
          stop: threading.Event | None = None) -> list[RunOutcome]:
    """Crawl `sources` in turn (through a loopback replay server when `replay_dir`)."""
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
            outcome = crawl_source(db_path, name, urls, base, replay_dir, timeout, backfill, stop)
            outcomes.append(outcome)
            if on_done:
                on_done(outcome)
    return outcomes
