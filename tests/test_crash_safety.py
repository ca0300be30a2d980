"""SIGKILL at random points of crawl + ingest, then Datasette reading while the large ingest
that follows writes: one timm database serves both (each full timm ingest costs the suite
a crawl child and a 25,000-row load, so the checks share one rather than each making its own)."""
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

from conftest import ROOT, q, served, shared_path

REPETITIONS = 10   # random kills; the kill in the load and the daemon's clean run come on top
SEED = 20261127
ROWS = 24896       # the real replay's timm results


def sota(*args, db):
    return subprocess.Popen([sys.executable, "-m", "sota", *args, "--db", str(db)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


def result_count(db) -> int:
    """Rows in `results`; 0 before the first migration committed (a kill that early leaves an
    empty database file, which the next run migrates)."""
    if not db.exists() or not q(db, "SELECT 1 FROM sqlite_master WHERE name = 'results'"):
        return 0
    return q(db, "SELECT count(*) FROM results")[0][0]


class Readers:
    """Datasette reads of a table page and an SQL count on a thread, until stopped: every
    answer must be one (no "database is locked", no error status). Back to back once
    `loading()`; before (the crawl child fetching and parsing), one every 0.1 s, so that
    the reads do not take the CPU the crawl itself needs on a small machine."""

    PATHS = ("/sota/results.json?_size=5&_shape=objects",
             "/sota.json?sql=select+count(*)+from+results&_shape=array")

    def __init__(self, base: str, loading):
        self.base, self.loading, self.answers, self.failures = base, loading, 0, []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.read)
        self.thread.start()

    def read(self) -> None:
        while not self.done.is_set():
            if not self.loading():
                self.done.wait(0.1)
            for path in self.PATHS:
                try:
                    body = urllib.request.urlopen(self.base + path, timeout=30).read().decode()
                    self.answers += 1
                    if "locked" in body:
                        self.failures.append(body[:200])
                except urllib.error.HTTPError as exc:
                    self.failures.append(f"{exc.code} {exc.read()[:200]!r}")

    def stop(self) -> None:
        self.done.set()
        self.thread.join()


def test_sigkill_at_random_points_loses_nothing_and_datasette_reads_during_the_ingest(tmp_path):
    """A SIGKILL in the load, then at random points of crawl + load: nothing of a load is ever
    half-committed and nothing committed is lost; a daemon start then marks every killed run
    interrupted and its crawl ends with exactly the clean rows, while Datasette answers every
    read of that large ingest."""
    replay = shared_path("replay")
    db = tmp_path / "k.db"
    # Kill while the parent is loading (the run exists and the child has finished fetching).
    proc = sota("crawl", "timm", "--replay", str(replay), db=db)
    summary = tmp_path / "k-archive" / "timm" / "run-000001" / "summary.json"
    deadline = time.monotonic() + 120
    while not (summary.exists() and q(db, "SELECT count(*) FROM crawl_runs WHERE status = 'running'") == [(1,)]):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"the crawl never reached its load: {proc.stdout.read()[-2000:]}")
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert q(db, "PRAGMA integrity_check") == [("ok",)]
    assert result_count(db) in (0, ROWS)   # the load is one transaction: all of it or none
    rng = random.Random(SEED)
    for i in range(REPETITIONS):
        before = result_count(db)
        proc = sota("crawl", "timm", "--replay", str(replay), db=db)
        time.sleep(rng.uniform(0.2, 5.0))
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        assert q(db, "PRAGMA integrity_check") == [("ok",)], f"repetition {i}"
        after = result_count(db)
        # A load is one transaction: nothing or all of it, never part; nothing committed is lost.
        assert after in (before, ROWS), f"repetition {i}: {before} -> {after}"
        if after:
            assert q(db, "SELECT count(*) - count(DISTINCT key) FROM results") == [(0,)]
    # A daemon start marks the killed runs interrupted; its crawl ends with exactly the clean
    # rows. Datasette reads all along: when no kill came after a commit (the usual case), that
    # crawl is a large ingest of every row in one transaction.
    schedule = tmp_path / "timm.toml"
    schedule.write_text("[timm]\ninterval_seconds = 3600\n")
    ok_before = q(db, "SELECT count(*) FROM crawl_runs WHERE status = 'ok'")[0][0]  # a kill may come after a commit
    rows_before = result_count(db)
    killed = set(tmp_path.glob("k-archive/timm/run-*/summary.json"))
    with served(db) as base:
        readers = Readers(base, lambda: bool(set(tmp_path.glob("k-archive/timm/run-*/summary.json")) - killed))
        daemon = sota("daemon", "--interval", "3600", "--replay", str(replay), "--schedule", str(schedule), db=db)
        try:
            deadline = time.monotonic() + 90
            while q(db, "SELECT count(*) FROM crawl_runs WHERE status = 'ok'")[0][0] == ok_before:
                assert time.monotonic() < deadline, "no clean run after the kills"
                time.sleep(0.5)
        finally:
            readers.stop()
        os.kill(daemon.pid, signal.SIGTERM)
        assert daemon.wait(timeout=15) == 0
        assert readers.failures == []
        if rows_before == 0:
            assert q(db, "SELECT items_inserted FROM crawl_runs WHERE status = 'ok'") == [(ROWS,)]
            assert readers.answers > 20
        count = json.loads(urllib.request.urlopen(
            base + "/sota.json?sql=select+count(*)+as+n+from+results&_shape=array").read())[0]["n"]
        assert count == ROWS
    assert q(db, "SELECT status FROM crawl_runs WHERE id = 1") == [("interrupted",)]
    assert q(db, "SELECT count(*), count(DISTINCT key) FROM results") == [(ROWS, ROWS)]
    assert q(db, "SELECT count(*) FROM crawl_runs WHERE status = 'running'") == [(0,)]
    assert q(db, "PRAGMA integrity_check") == [("ok",)]
