"""SIGKILL at random points of crawl + ingest, and Datasette reading during a large ingest."""
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
from runs.crawl import archive_root

REPETITIONS = 20
SEED = 20261127


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


def test_sigkill_at_random_points_loses_nothing(tmp_path):
    """A SIGKILL in the load, then at random points of crawl + load: nothing of a load is ever
    half-committed and nothing committed is lost; a daemon start then marks every killed run
    interrupted and its crawl ends with exactly the clean rows. (The first kill is the one that
    test_daemon made in a crawl of its own before; one timm ingest now serves both.)"""
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
    assert result_count(db) in (0, 24896)   # the load is one transaction: all of it or none
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
        assert after in (before, 24896), f"repetition {i}: {before} -> {after}"
        if after:
            assert q(db, "SELECT count(*) - count(DISTINCT key) FROM results") == [(0,)]
    # A daemon start marks the killed runs interrupted; its crawl ends with exactly the clean rows.
    schedule = tmp_path / "timm.toml"
    schedule.write_text("[timm]\ninterval_seconds = 3600\n")
    ok_before = q(db, "SELECT count(*) FROM crawl_runs WHERE status = 'ok'")[0][0]  # a kill may come after a commit
    daemon = sota("daemon", "--interval", "3600", "--replay", str(replay), "--schedule", str(schedule), db=db)
    deadline = time.monotonic() + 90
    while q(db, "SELECT count(*) FROM crawl_runs WHERE status = 'ok'")[0][0] == ok_before:
        assert time.monotonic() < deadline, "no clean run after the kills"
        time.sleep(0.5)
    os.kill(daemon.pid, signal.SIGTERM)
    assert daemon.wait(timeout=15) == 0
    assert q(db, "SELECT status FROM crawl_runs WHERE id = 1") == [("interrupted",)]
    assert q(db, "SELECT count(*), count(DISTINCT key) FROM results") == [(24896, 24896)]
    assert q(db, "SELECT count(*) FROM crawl_runs WHERE status = 'running'") == [(0,)]
    assert q(db, "PRAGMA integrity_check") == [("ok",)]


def test_datasette_reads_while_a_large_ingest_writes(tmp_path):
    replay = shared_path("replay")
    db = tmp_path / "c.db"
    subprocess.run([sys.executable, "-m", "sota", "init", "--db", str(db)], cwd=ROOT, check=True,
                   capture_output=True)
    with served(db) as base:
        answers, failures = [], []
        done = threading.Event()

        def loading() -> bool:
            """The child has written its summary: the parent's load is under way."""
            return any(archive_root(db).glob("timm/run-*/summary.json"))

        def read_continuously():
            # Back to back from the load on; before it (the child fetching and parsing,
            # nothing but the run's own rows written) a read every 0.1 s, so that the reads
            # do not take the CPU the crawl needs on a small machine.
            while not done.is_set():
                if not loading():
                    done.wait(0.1)
                for path in ("/sota/results.json?_size=5&_shape=objects",
                             "/sota.json?sql=select+count(*)+from+results&_shape=array"):
                    try:
                        body = urllib.request.urlopen(base + path, timeout=30).read().decode()
                        answers.append(path)
                        if "locked" in body:
                            failures.append(body[:200])
                    except urllib.error.HTTPError as exc:
                        failures.append(f"{exc.code} {exc.read()[:200]!r}")

        reader = threading.Thread(target=read_continuously)
        reader.start()
        crawl = subprocess.run([sys.executable, "-m", "sota", "crawl", "timm", "--replay", str(replay),
                                "--db", str(db)], cwd=ROOT, capture_output=True, text=True, timeout=300)
        done.set()
        reader.join()
        assert "locked" not in crawl.stderr
        assert q(db, "SELECT count(*) FROM results WHERE source = 'timm'") == [(24896,)]
        assert failures == []
        assert len(answers) > 20
        count = json.loads(urllib.request.urlopen(
            base + "/sota.json?sql=select+count(*)+as+n+from+results&_shape=array").read())[0]["n"]
        assert count == 24896
