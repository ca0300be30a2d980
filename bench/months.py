"""Months, compressed: the daemon on a schedule of seconds for 500 runs.

`sota daemon --interval 1` crawls timm (three of its files) and eff from a small mirror of our
fixtures (served by the daemon's own replay server). Most runs find nothing changed, as most
days do; every CHANGE_EVERY finished runs timm's ImageNet file changes (a value moves), so the
crawl child, the load and the archive are exercised too. The log file is capped small
(--log-max-bytes) so that it has to rotate.

Figures, run N against run 10 (after warm-up): the daemon's resident memory, open file
descriptors and threads (each the median of 5 samples from /proc, ratio target <= 1.1);
the archive's growth per no-change run (target 0 bytes: unchanged responses are recorded in
the database, never archived again, and leave no run folder) and the database's; the log's
total size against its cap, and whether it rotated.

    python -m bench.months [--quick] [--runs N]      # quick: 60 runs
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import REPO, Row, env, finished_runs, median, sota_cmd
from bench.run import table

FIXTURES = REPO / "tests" / "fixtures" / "mirror"
TIMM = "https://raw.githubusercontent.com/huggingface/pytorch-image-models/main/results/"
TIMM_FILES = ("model_metadata-in1k.csv", "results-imagenet.csv", "results-imagenet-a.csv")
CHANGE_EVERY = 50
LOG_MAX_BYTES = 20_000
TARGET = "<= 1.1"


def proc_status(pid: int) -> tuple[int, int, int]:
    """(resident bytes, open file descriptors, threads) of a live process, from /proc."""
    rss = threads = 0
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) * 1024
            elif line.startswith("Threads:"):
                threads = int(line.split()[1])
    return rss, len(os.listdir(f"/proc/{pid}/fd")), threads


def sample(pid: int) -> tuple[float, float, float]:
    values = []
    for _ in range(5):
        values.append(proc_status(pid))
        time.sleep(0.05)
    return tuple(median([v[i] for v in values]) for i in range(3))


def size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def change(mirror: Path, step: int) -> None:
    csv = mirror / (TIMM.removeprefix("https://") + "results-imagenet.csv")
    lines = csv.read_text().splitlines()
    cells = lines[1].split(",")
    cells[2] = f"{90.0 + step / 1000:.3f}"   # the first model's top-1, a new value each time
    lines[1] = ",".join(cells)
    csv.write_text("\n".join(lines) + "\n")


def run(runs: int = 500) -> tuple[list[Row], list[str]]:
    work = Path(tempfile.mkdtemp(prefix="sota-months-"))
    mirror = work / "mirror"
    shutil.copytree(FIXTURES, mirror)
    db, log = work / "months.db", work / "daemon.log"
    schedule = work / "schedule.toml"
    schedule.write_text(f'[timm]\ninterval_seconds = 3600\nurls = [{", ".join(repr(TIMM + f) for f in TIMM_FILES)}]\n'
                        '\n[eff]\ninterval_seconds = 3600\n'.replace("'", '"'), encoding="utf-8")
    cmd = sota_cmd("daemon", "--interval", "1", "--replay", str(mirror), "--schedule", str(schedule),
                   "--db", str(db), "--log-file", str(log), "--log-max-bytes", str(LOG_MAX_BYTES))
    archive = db.with_name(db.stem + "-archive")
    marks: dict[int, dict] = {}
    changes = 0
    proc = subprocess.Popen(cmd, cwd=REPO, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started = time.monotonic()
    try:
        deadline = started + 120 + runs * 3
        while len(marks) < 2:
            if proc.poll() is not None:
                raise RuntimeError(f"daemon exited with {proc.returncode}; see {log}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"fewer than {runs} runs in time; see {log}")
            done = finished_runs(db)
            if done // CHANGE_EVERY > changes and done < runs - 5:
                changes += 1
                change(mirror, changes)
            for wanted in (10, runs):
                if wanted not in marks and done >= wanted:
                    rss, fds, threads = sample(proc.pid)
                    marks[wanted] = {"rss": rss, "fds": fds, "threads": threads, "archive": size(archive),
                                     "db": sum(size(Path(f"{db}{s}")) for s in ("", "-wal"))}
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
    seconds = time.monotonic() - started
    logs = sorted(work.glob("daemon.log*"))
    log_bytes = sum(p.stat().st_size for p in logs)
    conn = sqlite3.connect(db)
    warcs = conn.execute("SELECT count(*) FROM crawl_runs WHERE archive_path IS NOT NULL").fetchone()[0]
    statuses = dict(conn.execute("SELECT status, count(*) FROM crawl_runs GROUP BY status").fetchall())
    quiet_ids = [r[0] for r in conn.execute(
        "SELECT id FROM crawl_runs WHERE status = 'ok' AND archive_path IS NULL")]
    conn.close()
    # What the no-change runs left on disk: their run folders, if any (there should be none).
    quiet_bytes = sum(size(folder) for run_id in quiet_ids for folder in archive.glob(f"*/run-{run_id:06d}"))
    shutil.rmtree(work, ignore_errors=True)
    a, b = marks[10], marks[runs]
    rows = [
        Row.compare(f"months: daemon RSS after run {runs} vs run 10 (MB)", b["rss"] / 2 ** 20, a["rss"] / 2 ** 20, TARGET),
        Row.compare(f"months: open file descriptors after run {runs} vs run 10", b["fds"], a["fds"], TARGET),
        Row.compare(f"months: threads after run {runs} vs run 10", b["threads"], a["threads"], TARGET),
        Row("months: archive bytes per no-change run", quiet_bytes / max(1, len(quiet_ids)), None, None,
            "== 0", quiet_bytes == 0),
        Row("months: database bytes per run", (b["db"] - a["db"]) / max(1, runs - 10)),
        Row(f"months: log bytes (all files) vs cap {LOG_MAX_BYTES * 6}", log_bytes, LOG_MAX_BYTES * 6,
            log_bytes / (LOG_MAX_BYTES * 6), "<= 1", log_bytes <= LOG_MAX_BYTES * 6),
    ]
    notes = [f"{runs} runs in {seconds:.0f} s ({statuses}), {len(quiet_ids)} of them with nothing new; timm's "
             f"file changed {changes} times; {warcs} runs archived new bytes (each source's first, one per change); "
             f"archive {a['archive']:,} B at run 10, {b['archive']:,} B at run {runs}; {len(logs)} log files "
             f"(rotated: {'yes' if len(logs) > 1 else 'no'}); daemon exit {code} on SIGTERM",
             f"run 10: RSS {a['rss'] / 2 ** 20:.1f} MB, {a['fds']:.0f} fds, {a['threads']:.0f} threads; "
             f"run {runs}: RSS {b['rss'] / 2 ** 20:.1f} MB, {b['fds']:.0f} fds, {b['threads']:.0f} threads"]
    return rows, notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.months", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="60 runs instead of 500")
    parser.add_argument("--runs", type=int, default=None)
    args = parser.parse_args(argv)
    rows, notes = run(args.runs or (60 if args.quick else 500))
    print(table(rows))
    for note in notes:
        print(f"* {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
