"""Benchmark 6, memory: the daemon's resident memory after N scheduled runs against after 1.

`sota daemon --interval 1 --replay ../shared/replay --schedule <eff only>` on a fresh database;
the bench polls `crawl_runs` (read-only) and samples the daemon process's RSS (psutil, else
/proc) when the 1st and the Nth run have finished: the median of 5 samples 40 ms apart, taken
while the daemon waits for its next trigger. Then SIGTERM. (The crawl's peak memory comes from
bench.recrawl, which measures it on the first full replay crawl.)
"""
from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from bench.common import REPLAY, REPO, Row, env, finished_runs, median, remove_db, rss_bytes, sota_cmd

TARGET = "<= 1.1"
MB = 1024 * 1024



def _sample(pid: int) -> float:
    values = []
    for _ in range(5):
        values.append(rss_bytes(pid))
        time.sleep(0.04)
    return median(values)


def daemon_growth(out: Path, runs: int, notes: list[str]) -> Row:
    db, log, schedule = out / "daemon.db", out / "daemon.log", out / "daemon-schedule.toml"
    remove_db(db)
    schedule.write_text('[eff]\ninterval_seconds = 3600\ntimeout = 120\n', encoding="utf-8")
    cmd = sota_cmd("daemon", "--interval", "1", "--replay", str(REPLAY), "--schedule", str(schedule),
                   "--db", str(db))
    samples: dict[int, float] = {}
    with open(log, "wb") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env(), cwd=REPO)
        try:
            deadline = time.monotonic() + 60 + runs * 5
            while len(samples) < 2:
                if proc.poll() is not None:
                    raise RuntimeError(f"daemon exited with {proc.returncode}; see {log}")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"daemon did not finish {runs} runs in time; see {log}")
                done = finished_runs(db)
                for wanted in (1, runs):
                    if wanted not in samples and done >= wanted:
                        samples[wanted] = _sample(proc.pid)
                time.sleep(0.05)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    conn = sqlite3.connect(db)
    statuses = dict(conn.execute("SELECT status, count(*) FROM crawl_runs GROUP BY status").fetchall())
    conn.close()
    remove_db(db)
    notes.append(f"daemon: RSS after run 1 {samples[1] / MB:.1f} MB, after run {runs} {samples[runs] / MB:.1f} MB; "
                 f"runs by status {statuses}")
    return Row.compare(f"memory: daemon RSS after {runs} runs vs after 1 (MB)", samples[runs] / MB,
                       samples[1] / MB, TARGET)


def run(out: Path, quick: bool, notes: list[str], crawl_peak: int | None) -> list[Row]:
    rows = [Row("memory: full replay crawl peak RSS, parent + child (MB)",
                None if crawl_peak is None else crawl_peak / MB)]
    rows.append(daemon_growth(out, 10 if quick else 100, notes))
    return rows
