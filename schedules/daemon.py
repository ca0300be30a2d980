"""The daemon: APScheduler runs each source's crawl on its schedule, for months.

One process, the only database writer. Each crawl runs in a child process
(runs.crawl.crawl_source) with a wall-clock timeout; APScheduler's thread
pool runs different sources side by side, one instance per source
(`max_instances=1`, `coalesce=True`, a misfire grace time). A crawl that
fails, crashes or times out marks its run `failed` and the daemon goes on.

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
import threading
import time
from contextlib import nullcontext
from pathlib import Path

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from crawler.replay import ReplayServer
from db.connect import open_db
from db.logs import formatter
from db.runs import mark_interrupted
from runs.crawl import crawl_source
from runs.prepare import prepare_db
from schedules.schedule import Entry

log = logging.getLogger("sota.daemon")
STOP_GRACE_SECONDS = 8


def setup_logging(log_file: str | None) -> None:
    """One line per event on stderr, and in a rotating file when asked (db/logs.py's format:
    timestamps to the second, failures at WARNING and above)."""
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    fmt = formatter()
    if log_file:
        handler = logging.handlers.RotatingFileHandler(log_file, maxBytes=5_000_000, backupCount=5)
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
        stale = mark_interrupted(db)
        db.close()
        if stale:
            log.warning("marked %d run(s) left running by an earlier process as interrupted", stale)

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

    def scheduler(self) -> BackgroundScheduler:
        scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=max(1, min(4, len(self.entries))))},
            job_defaults={"coalesce": True, "max_instances": 1},
            timezone="UTC",
        )
        for entry in self.entries:
            kwargs = {"next_run_time": _now()} if self.run_now else {}
            scheduler.add_job(self.run_source, entry.trigger(self.interval), args=[entry],
                              id=entry.source, name=entry.source,
                              misfire_grace_time=entry.misfire_grace_time, **kwargs)
        return scheduler

    def serve_forever(self, ready=None) -> int:
        """Run until SIGTERM/SIGINT; return the exit code (0)."""
        for sig in (signal.SIGTERM, signal.SIGINT):  # first: a stop during start-up is a clean stop
            signal.signal(sig, lambda *_: self.stop.set())
        self.prepare()
        server = ReplayServer(self.replay_dir) if self.replay_dir else nullcontext()
        with server:
            self.base_url = server.base_url if self.replay_dir else None
            scheduler = self.scheduler()
            scheduler.start()
            for job in scheduler.get_jobs():
                log.info("scheduled %s: next run %s", job.name, job.next_run_time)
            if ready:
                ready()
            while not self.stop.wait(0.5):
                pass
            log.info("stopping: no new runs; ending running crawls")
            scheduler.shutdown(wait=False)
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
    from datetime import datetime, timezone

    return datetime.now(timezone.utc)
