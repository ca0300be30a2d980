"""The daemon for real: child crawls on a schedule, signals, timeouts, `sota up` offline.

A SIGKILL mid-ingest and the daemon's restart after it are checked in test_crash_safety, on the
same timm ingest as the random kills."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import datetime

import pytest

from conftest import FIXTURES, ROOT, free_port, q, wait_until
from schedules.schedule import ScheduleError, load_schedule


def start(*args, db, env=None):
    return subprocess.Popen([sys.executable, "-m", "sota", *args, "--db", str(db)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True, env=env)


def stop(proc, seconds=10):
    os.kill(proc.pid, signal.SIGTERM)
    started = time.monotonic()
    out, _ = proc.communicate(timeout=seconds + 5)
    return proc.returncode, time.monotonic() - started, out


def children_of(pid):
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


TIMM = "https://raw.githubusercontent.com/huggingface/pytorch-image-models/main/results/"
TIMM_URLS = [TIMM + f for f in ("model_metadata-in1k.csv", "results-imagenet.csv", "results-imagenet-a.csv")]


def small_mirror(tmp_path):
    """Our fixtures' timm files and dumps, and an arXiv feed at the query URL's path."""
    root = tmp_path / "mirror"
    shutil.copytree(FIXTURES / "mirror", root)
    (root / "export.arxiv.org" / "api").mkdir(parents=True)
    shutil.copy(FIXTURES / "arxiv" / "feed_window.xml", root / "export.arxiv.org" / "api" / "query")
    return root


def test_interval_runs_then_clean_sigterm(tmp_path):
    db = tmp_path / "d.db"
    schedule = tmp_path / "s.toml"
    schedule.write_text(f'[timm]\ninterval_seconds = 3600\nurls = {json.dumps(TIMM_URLS)}\n\n'
                        '[eff]\ninterval_seconds = 3600\n[arxiv]\ninterval_seconds = 3600\n')
    proc = start("daemon", "--interval", "2", "--replay", str(small_mirror(tmp_path)), "--schedule",
                 str(schedule), db=db)
    def two_ok_runs_each():
        if not db.exists():   # not before the daemon made it (sqlite3 would create an empty file)
            return False
        counts = q(db, "SELECT count(c.id) FROM sources s LEFT JOIN crawl_runs c ON c.source = s.name "
                       "AND c.status = 'ok' WHERE s.name IN ('timm', 'eff', 'arxiv') GROUP BY s.name")
        return len(counts) == 3 and all(n >= 2 for (n,) in counts)
    wait_until(two_ok_runs_each, 120, "two ok runs per source")
    code, seconds, out = stop(proc)
    assert code == 0, out[-2000:]
    assert seconds < 10
    assert children_of(proc.pid) == []
    assert q(db, "PRAGMA integrity_check") == [("ok",)]
    assert q(db, "SELECT count(*) FROM crawl_runs WHERE status = 'running'") == [(0,)]
    # The unchanged reruns wrote nothing: one copy of each timm result, one archive of its bytes.
    assert q(db, "SELECT count(*) FROM results WHERE source = 'timm'") == [(17,)]
    assert q(db, "SELECT sum(items_inserted) FROM crawl_runs WHERE source = 'timm'") == [(17,)]
    assert q(db, "SELECT count(archive_path) FROM crawl_runs WHERE source = 'timm'") == [(1,)]
    assert "timm: ok" in out and "stopped" in out
    # No daemon, no next run: what it said it would do is cleared on stop.
    assert q(db, "SELECT count(*) FROM daemon_jobs") == [(0,)]


class HangingServer:
    """Accepts connections and never answers."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.conns = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def close(self):
        for c in self.conns:
            c.close()
        self.sock.close()


def test_hanging_source_times_out_and_others_go_on(tmp_path):
    hang = HangingServer()
    try:
        db = tmp_path / "h.db"
        schedule = tmp_path / "s.toml"
        schedule.write_text(
            f'[timm]\ninterval_seconds = 3600\ntimeout = 8\nurls = ["{hang.url}/results-imagenet.csv"]\n\n'
            '[eff]\ninterval_seconds = 3600\n')
        # No --replay: timm's URL is the hanging loopback server; eff's real URL fails offline.
        env = {**os.environ}
        proc = start("daemon", "--interval", "2", "--schedule", str(schedule), db=db, env=env)
        wait_until(lambda: q(db, "SELECT count(*) FROM crawl_runs WHERE source = 'timm' AND status = 'failed'")[0][0] >= 1
                   and q(db, "SELECT count(*) FROM crawl_runs WHERE source = 'eff' AND status IN ('ok', 'failed')")[0][0] >= 2,
                   90, "a timed-out timm run and two eff runs")
        code, _, out = stop(proc)
        assert code == 0, out[-2000:]
        [(error, started, finished)] = q(db, "SELECT error, started, finished FROM crawl_runs "
                                             "WHERE source = 'timm' AND status = 'failed' LIMIT 1")
        # Within its 8 s budget: the crawl child gives up on the silent server itself ("no
        # response from ..."), or, on a machine too busy to start it in time, the parent ends it.
        assert error.startswith(("no response from 127.0.0.1 in ", "crawl over its budget of 8 s")), error
        assert (datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds() <= 9
    finally:
        hang.close()


def _one(tmp_path, source):
    path = tmp_path / f"{source}.toml"
    path.write_text(f"[{source}]\ninterval_seconds = 3600\n")
    return path


def test_up_offline_seeds_baseline_and_serves(tmp_path):
    db = tmp_path / "u.db"
    port = free_port()
    schedule = tmp_path / "s.toml"
    # An unresolvable host stands in for "no internet" in any environment.
    schedule.write_text('[eff]\ninterval_seconds = 3600\nurls = ["http://sota-offline.invalid/eff.json"]\n')
    proc = start("up", "--port", str(port), "--schedule", str(schedule), db=db)
    wait_until(lambda: urllib.request.urlopen(f"http://127.0.0.1:{port}/-/versions.json", timeout=2), 60,
               "Datasette")
    rows = json.loads(urllib.request.urlopen(
        f"http://127.0.0.1:{port}/sota/results.json?_shape=array&_size=5&baseline__notblank=1").read())
    assert len(rows) == 5 and all(r["baseline"] for r in rows)
    wait_until(lambda: q(db, "SELECT count(*) FROM crawl_runs WHERE source = 'eff' AND status = 'failed'")[0][0] >= 1,
               60, "the offline eff run to fail")
    code, seconds, out = stop(proc)
    assert code == 0 and seconds < 10, out[-2000:]
    assert "seeded" in out and f"http://127.0.0.1:{port}/sota" in out
    time.sleep(0.5)
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/-/versions.json", timeout=2)


def test_a_second_daemon_on_one_database_is_refused(tmp_path):
    db = tmp_path / "two.db"
    first = start("daemon", "--schedule", str(_one(tmp_path, "eff")), db=db)
    try:
        wait_until(lambda: q(db, "SELECT count(*) FROM daemon_jobs")[0][0] == 1, 60, "the first daemon's schedule")
        second = subprocess.run([sys.executable, "-m", "sota", "daemon", "--schedule", str(_one(tmp_path, "eff")),
                                 "--db", str(db)], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert second.returncode == 1
        assert f"another daemon (pid {first.pid}" in second.stderr and "Traceback" not in second.stderr
        # sota status shows the running scheduler's own next run, not one computed from the file.
        [row] = json.loads(subprocess.run([sys.executable, "-m", "sota", "status", "--format", "json", "--schedule",
                                           str(_one(tmp_path, "eff")), "--db", str(db)], cwd=ROOT,
                                          capture_output=True, text=True, timeout=60).stdout)
        assert row["daemon"] == f"running (pid {first.pid})"
        assert row["next_run"] == q(db, "SELECT next_run FROM daemon_jobs WHERE source = 'eff'")[0][0]
    finally:
        code, _, out = stop(first)
    assert code == 0, out[-2000:]


def test_schedule_file_errors_are_one_line(tmp_path):
    bad = tmp_path / "bad.toml"
    for text, message in (("[nosuch]\ncron = '* * * * *'\n", "unknown source [nosuch]"),
                          ("[timm]\ncron = '61 * * * *'\n", "[timm]"),
                          ("[timm]\n", "exactly one of cron, interval_seconds"),
                          ("[timm\n", "bad.toml")):
        bad.write_text(text)
        with pytest.raises(ScheduleError, match=message.replace("[", r"\[").replace("]", r"\]")):
            load_schedule(bad)
    assert {e.source for e in load_schedule()} >= {"timm", "pwc", "arxiv", "eff", "pwcco"}
