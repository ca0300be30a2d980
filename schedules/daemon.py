"""The daemon: APScheduler runs each source's crawl on its schedule, for months.

One process per database (db.locks: a second daemon is refused), the only database writer
besides a user's own `sota crawl` (one run per source at a time: a run whose source is busy is
skipped, not failed). Each crawl runs in a child process (runs.crawl.crawl_source) within its
source's wall-clock budget; APScheduler's thread pool runs different sources side by side,
one instance per source (`max_instances=1`, `coalesce=True`, a misfire grace time). A crawl
that fails, crashes or runs over its budget marks its run `failed` and the daemon goes on; a
source that fails several times in a row backs off (schedules/backoff.py) until it succeeds.
What the scheduler will do next (each job's next run, failures in a row, backoff) is written
to `daemon_jobs` on every change, for `sota status` and the source_health query.

SIGTERM / SIGINT: no new runs start; running children are ended and their
runs marked `interrupted`; a load already inside its transaction finishes
(or rolls back with the process); the daemon exits 0 within 10 s. Runs left
`running` by a killed daemon are marked `interrupted` at the next start.
"""
from __future__ import annotations

import logging
import logging.handlers
import os
import signal
import sqlite3
import threading
import time
from contextlib import nullcontext
from datetime import datetime, timezone
from pathlib import Path

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from crawler.replay import ReplayServer
from db.connect import explain, open_db
from db.logs import formatter
from db.locks import LockHeld, hold, holder
from db.runs import failure_streak, mark_interrupted, write_jobs
from runs.crawl import crawl_source, run_lock
from runs.prepare import prepare_db
from schedules.backoff import backoff_until
from schedules.schedule import Entry

log = logging.getLogger("sota.daemon")
STOP_GRACE_SECONDS = 8


LOG_MAX_BYTES = 5_000_000
LOG_BACKUPS = 5   # the log file and its backups never take more than LOG_MAX_BYTES × 6


def setup_logging(log_file: str | None, max_bytes: int = LOG_MAX_BYTES) -> None:
    """One line per event on stderr, and in a size-capped rotating file when asked (db/logs.py's
    format: timestamps to the second, failures at WARNING and above)."""
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    fmt = formatter()
    if log_file:
        handler = logging.handlers.RotatingFileHandler(log_file, maxBytes=max_bytes, backupCount=LOG_BACKUPS)
        handler.setFormatter(fmt)
        root.addHandler(handler)
    for handler in root.handlers:
        handler.setFormatter(fmt)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


class Daemon:
    def __init__(self, db_path: Path, entries: list[Entry], interval: float | None = None,
                 replay_dir: str | None = None, run_now: bool = False):
        self.db_path = db_path
        self.entries = entries
        self.interval = interval
        self.replay_dir = replay_dir
        self.run_now = run_now or bool(interval)
        self.stop = threading.Event()
        self.base_url: str | None = None
        self._scheduler: BackgroundScheduler | None = None
        # Shared with the scheduler's worker threads: touched only under this lock.
        self._lock = threading.Lock()
        self._active: set[str] = set()
        self._runs_done = 0

    @property
    def active(self) -> set[str]:
        with self._lock:
            return set(self._active)

    @property
    def runs_done(self) -> int:
        with self._lock:
            return self._runs_done

    def prepare(self) -> None:
        prepare_db(self.db_path)
        db = open_db(self.db_path)
        stale = mark_interrupted(db, self._not_running(db))
        db.close()
        if stale:
            log.warning("marked %d run(s) left running by an earlier process as interrupted", stale)

    def _not_running(self, db) -> list[str]:
        """Sources with runs left `running` whose run lock nobody holds (their process is gone;
        a user's `sota crawl` still under way keeps its run)."""
        left = [r[0] for r in db.execute("SELECT DISTINCT source FROM crawl_runs WHERE status = 'running'")]
        return [source for source in left if holder(self.db_path, run_lock(source)) is None]

    def run_source(self, entry: Entry) -> None:
        if self.stop.is_set():
            return
        with self._lock:
            self._active.add(entry.source)
        try:
            crawl_source(self.db_path, entry.source, entry.urls or None, self.base_url,
                         self.replay_dir, entry.timeout, None, self.stop)
        except Exception as exc:  # a bug in one run must not end the daemon
            log.error("%s: run crashed: %s: %s", entry.source, type(exc).__name__, exc)
        finally:
            with self._lock:
                self._active.discard(entry.source)
                self._runs_done += 1
            try:
                if not self.stop.is_set():
                    self.back_off(entry)
                    self.publish()
            except Exception as exc:  # noqa: BLE001 — bookkeeping must not end the daemon either
                log.warning("%s: could not reschedule: %s: %s", entry.source, type(exc).__name__, exc)

    def back_off(self, entry: Entry) -> None:
        """Move the source's next run past its backoff (schedules/backoff.py), if it has one."""
        until = self._backoff_until(entry)
        job = self._scheduler.get_job(entry.source) if self._scheduler else None
        if until is None or job is None or job.next_run_time is None or job.next_run_time >= until:
            return
        nxt = job.trigger.get_next_fire_time(None, until)
        self._scheduler.modify_job(entry.source, next_run_time=nxt)
        failures, _ = self._streak(entry.source)
        log.warning("%s: %d failed runs in a row; backing off until %s (next run %s)",
                    entry.source, failures, until.isoformat(timespec="seconds"), nxt.isoformat(timespec="seconds"))

    def _streak(self, source: str) -> tuple[int, str | None]:
        try:
            db = open_db(self.db_path, create=False)
            try:
                return failure_streak(db, source)
            finally:
                db.close()
        except sqlite3.Error:
            return 0, None

    def _backoff_until(self, entry: Entry):
        failures, last = self._streak(entry.source)
        return backoff_until(failures, last, entry.period(self.interval))

    def publish(self) -> None:
        """Write what the scheduler will do next to `daemon_jobs` (a database that cannot be
        written now is logged; the next change writes again)."""
        rows = []
        for entry in self.entries:
            job = self._scheduler.get_job(entry.source) if self._scheduler else None
            failures, _ = self._streak(entry.source)
            until = self._backoff_until(entry)
            rows.append({"source": entry.source, "period_seconds": entry.period(self.interval),
                         "next_run": _iso(job.next_run_time) if job and not self.stop.is_set() else None,
                         "failures_in_a_row": failures, "backoff_until": _iso(until)})
        try:
            db = open_db(self.db_path, create=False)
            try:
                write_jobs(db, rows if not self.stop.is_set() else [])
            finally:
                db.close()
        except (sqlite3.Error, OSError) as exc:
            log.warning("could not record the schedule: %s", explain(exc, self.db_path))

    def scheduler(self) -> BackgroundScheduler:
        scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=max(1, min(4, len(self.entries))))},
            job_defaults={"coalesce": True, "max_instances": 1},
            timezone="UTC",
        )
        for entry in self.entries:
            trigger = entry.trigger(self.interval)
            first = _now() if self.run_now else trigger.get_next_fire_time(None, _now())
            until = self._backoff_until(entry)   # a source still backing off from before a restart
            if until is not None and first is not None and first < until:
                first = trigger.get_next_fire_time(None, until)
            scheduler.add_job(self.run_source, trigger, args=[entry], id=entry.source, name=entry.source,
                              misfire_grace_time=entry.misfire_grace_time, next_run_time=first)
        return scheduler

    def serve_forever(self, ready=None) -> int:
        """Run until SIGTERM/SIGINT; return the exit code (0; 1 when another daemon holds the
        database)."""
        for sig in (signal.SIGTERM, signal.SIGINT):  # first: a stop during start-up is a clean stop
            signal.signal(sig, lambda *_: self.stop.set())
        try:
            self.db_path.parent.mkdir(parents=True, exist_ok=True)   # a new database's folder
            with hold(self.db_path, "daemon"):
                return self._serve(ready)
        except LockHeld as exc:
            log.error("another daemon (pid %s, since %s) runs on %s; not started",
                      exc.holder.get("pid"), exc.holder.get("since"), self.db_path)
        except (sqlite3.Error, OSError) as exc:   # cannot even start: say why in a line
            log.error("daemon not started: %s", explain(exc, self.db_path))
        return 1

    def _serve(self, ready) -> int:
        self.prepare()
        server = ReplayServer(self.replay_dir) if self.replay_dir else nullcontext()
        with server:
            self.base_url = server.base_url if self.replay_dir else None
            self._scheduler = scheduler = self.scheduler()
            scheduler.start()
            for job in scheduler.get_jobs():
                log.info("scheduled %s: next run %s", job.name, job.next_run_time)
            self.publish()
            if ready:
                ready()
            while not self.stop.wait(0.5):
                pass
            log.info("stopping: no new runs; ending running crawls")
            scheduler.shutdown(wait=False)
            self.publish()   # no daemon, no next runs
            deadline = time.monotonic() + STOP_GRACE_SECONDS
            while self.active and time.monotonic() < deadline:
                time.sleep(0.1)
            if self.active:
                # Past the grace period: leave now. SQLite rolls back an open transaction,
                # and the next start marks these runs interrupted.
                log.warning("still finishing %s after %ds; exiting anyway",
                            ", ".join(sorted(self.active)), STOP_GRACE_SECONDS)
                logging.shutdown()
                os._exit(0)
        log.info("stopped")
        return 0


def _now():
    return datetime.now(timezone.utc)


def _iso(when) -> str | None:
    return when.isoformat(timespec="seconds") if when else None
