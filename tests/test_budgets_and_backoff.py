"""The pieces that bound a run and pace a failing source, at their seams: budget fitting,
backoff, locks between processes, and the one-line database errors."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from crawler import policy
from crawler.pages import load_pages
from crawler.sources import get_source
from db.connect import explain
from db.locks import LockHeld, hold, holder
from schedules.backoff import backoff_seconds, backoff_until
from schedules.schedule import Entry


@pytest.mark.parametrize("seconds", [3, 8, 20, 60, 120, 360, 3600])
@pytest.mark.parametrize("read_timeout", [30.0, 60.0])
def test_a_silent_server_fails_the_request_before_the_crawl_is_stopped(seconds, read_timeout):
    attempt, retries, stop_after = policy.fit_to_budget(seconds, read_timeout)
    last_pause = policy.pauses(retries) - policy.pauses(retries - 1) if retries else 0.0
    # robots.txt (one attempt), then every attempt of one request and the pauses between them
    silent = attempt + (retries + 1) * attempt + policy.pauses(retries)
    assert silent < stop_after                                   # it fails with its own reason ...
    assert stop_after + attempt + last_pause <= seconds          # ... and what is under way ends in time
    assert silent <= policy.REQUEST_BUDGET_SECONDS               # about a minute and a half at most
    assert attempt <= read_timeout
    if retries < policy.RETRIES:   # fewer retries only when a longer budget would not fit them
        assert attempt < 2 * policy.MIN_ATTEMPT_SECONDS


def test_budgets_follow_the_source():
    timm = load_pages("timm", get_source("timm"))
    assert timm.budget(timm.start_urls()) == policy.RUN_BUDGET_SECONDS + 8 * policy.PER_URL_SECONDS
    assert timm.budget(timm.start_urls()[:1]) == policy.RUN_BUDGET_SECONDS   # a single file: 2 minutes
    arxiv = load_pages("arxiv", get_source("arxiv"))
    one_query = arxiv.budget(arxiv.start_urls())
    three_windows = arxiv.budget(arxiv.start_urls(since="2025-01-01", until="2025-03-31"))
    assert one_query == 60 + 10 * 20                              # scaled by the pages a query may take
    assert three_windows == 60 + 3 * 10 * 20


def test_backoff_doubles_from_the_third_failure_and_stops_at_eight_periods():
    hour = 3600.0
    assert [backoff_seconds(n, hour) / hour for n in range(7)] == [0, 0, 0, 2, 4, 8, 8]
    last = "2026-01-01T03:00:00+00:00"
    assert backoff_until(2, last, hour) is None
    assert backoff_until(4, last, hour) == datetime(2026, 1, 1, 7, tzinfo=timezone.utc)


def test_a_schedule_entry_knows_its_period():
    assert Entry("timm", cron="15 3 * * *").period() == 86400
    assert Entry("pwc", cron="0 4 * * sun").period() == 7 * 86400
    assert Entry("eff", interval_seconds=90).period() == 90
    assert Entry("eff", cron="15 3 * * *").period(interval_override=2) == 2


def test_a_lock_is_refused_to_a_second_holder_and_freed_when_its_holder_dies(tmp_path):
    db = tmp_path / "l.db"
    with hold(db, "run-timm"):
        assert holder(db, "run-timm")["pid"] == os.getpid()
        with pytest.raises(LockHeld) as refused:
            with hold(db, "run-timm"):
                pass
        assert refused.value.holder["pid"] == os.getpid()
        with hold(db, "run-eff"):   # another source: its own lock
            pass
    assert holder(db, "run-timm") is None
    code = ("import sys, time; sys.path.insert(0, '.'); from db.locks import hold\n"
            f"with hold({str(db)!r}, 'daemon'):\n    print('held', flush=True); time.sleep(60)\n")
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "held"
        assert holder(db, "daemon")["pid"] == child.pid
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert holder(db, "daemon") is None   # the kernel let go with the process


def test_database_errors_read_as_one_line(tmp_path):
    db = tmp_path / "e.db"
    sqlite3.connect(db).close()
    locked = explain(sqlite3.OperationalError("database is locked"), db)
    assert "busy" in locked and "locked" not in locked and "next run retries" in locked and "\n" not in locked
    assert explain(sqlite3.OperationalError("database or disk is full"), db).startswith("disk full")
    assert "is gone" in explain(sqlite3.OperationalError("unable to open database file"), tmp_path / "x" / "y.db")
    assert explain(OSError(28, "No space left on device", str(tmp_path / "a.warc.gz"))).startswith("disk full")
    assert explain(OSError(30, "Read-only file system", "/x")).startswith("read-only file system")
