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

from conftest import ROOT, free_port, q, shared_path

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
    replay = shared_path("replay")
    db = tmp_path / "k.db"
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
    assert q(db, "SELECT count(*), count(DISTINCT key) FROM results") == [(24896, 24896)]
    assert q(db, "SELECT count(*) FROM crawl_runs WHERE status = 'running'") == [(0,)]
    assert q(db, "PRAGMA integrity_check") == [("ok",)]


def test_datasette_reads_while_a_large_ingest_writes(tmp_path):
    replay = shared_path("replay")
    db = tmp_path / "c.db"
    subprocess.run([sys.executable, "-m", "sota", "init", "--db", str(db)], cwd=ROOT, check=True,
                   capture_output=True)
    port = free_port()
    server = sota("serve", "--port", str(port), db=db)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline, "Datasette did not start"
                time.sleep(0.2)
        answers, failures = [], []
        done = threading.Event()

        def read_continuously():
            while not done.is_set():
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
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
