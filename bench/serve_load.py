"""Datasette under load: 20 clients on the leaderboard and progression canned queries while a
full replay crawl writes, against the same clients on the idle server.

A scratch copy of the replay mirror is crawled once (every default source, and PWC's
captures) into a database that `sota serve` then serves. Each round, timm re-evaluates
everything: every top-1 value of its nine files moves by 0.0001 × round, so the next full
replay crawl (`sota crawl --replay`) updates ~25,000 rows and writes their history in one
transaction, as a real re-evaluation would, while the clients keep asking. Rounds alternate:
the clients on the idle server for a fixed time, then the same clients for as long as the
crawl runs. Every answer is timed and checked: no HTTP 5xx, no "database is locked".

Figures: p50 and p95 latency during the crawl against idle (the median of the rounds'
ratios, at least three of each, alternating), and the same for the load transaction alone
(from the crawl child's summary to the end of the run).

    python -m bench.serve_load [--quick] [--rounds N] [--clients N]

--quick: timm's ImageNet file only, shorter idle phases (a smoke run, well under a minute).
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.common import PWC_CAPTURES, REPLAY, REPO, Row, env, median, sota_cmd
from bench.run import table

CLIENTS = 20
TARGET = "<= 3"
QUERIES = ("/sota/leaderboard.json?dataset=imagenet-1k&metric=top1_acc&_shape=objects",
           "/sota/progression.json?dataset=imagenet-1k&metric=top1_acc&_shape=objects")
TIMM_RESULTS = "raw.githubusercontent.com/huggingface/pytorch-image-models/main/results"
QUICK_URL = f"https://{TIMM_RESULTS}/results-imagenet.csv"


class Clients:
    """`n` threads asking the queries in turn until stopped; every answer timed and checked."""

    def __init__(self, base: str, n: int):
        self.base, self.n = base, n
        self.samples: list[tuple[float, float]] = []   # (monotonic time answered, seconds)
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()

    def _ask(self, index: int) -> None:
        i = index
        while not self._stop.is_set():
            path = QUERIES[i % len(QUERIES)]
            i += 1
            started = time.monotonic()
            try:
                with urllib.request.urlopen(self.base + path, timeout=60) as answer:
                    body = answer.read()
                    status = answer.status
            except urllib.error.HTTPError as exc:
                body, status = exc.read(), exc.code
            except OSError as exc:
                with self._lock:
                    self.failures.append(f"{path}: {exc}")
                continue
            done = time.monotonic()
            with self._lock:
                self.samples.append((done, done - started))
                if status >= 500 or b"locked" in body:
                    self.failures.append(f"{path}: HTTP {status} {body[:120]!r}")

    def __enter__(self):
        self.threads = [threading.Thread(target=self._ask, args=(i,), daemon=True) for i in range(self.n)]
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for t in self.threads:
            t.join(timeout=70)

    def latencies(self, start: float = 0.0, end: float = float("inf")) -> list[float]:
        with self._lock:
            return [s for t, s in self.samples if start <= t <= end]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else float("nan")


def reevaluate(mirror: Path, round_no: int) -> None:
    """Move every top-1 value in timm's results files by 0.0001 × round (from the originals)."""
    for original in sorted((REPLAY / TIMM_RESULTS).glob("results-*.csv")):
        lines = original.read_text("utf-8").splitlines()
        header = lines[0].split(",")
        top1 = header.index("top1")
        out = [lines[0]]
        for line in lines[1:]:
            cells = re.split(r",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", line)   # commas outside quotes
            if len(cells) > top1:
                try:
                    cells[top1] = f"{float(cells[top1]) + 0.0001 * round_no:.4f}"
                except ValueError:
                    pass
            out.append(",".join(cells))
        (mirror / TIMM_RESULTS / original.name).write_text("\n".join(out) + "\n", encoding="utf-8")


def crawl_cmd(db: Path, mirror: Path, quick: bool) -> list[str]:
    cmd = sota_cmd("crawl", *(["timm", "--url", QUICK_URL] if quick else []), "--replay", str(mirror), "--db", str(db))
    return cmd


def serve(db: Path, port: int) -> subprocess.Popen:
    proc = subprocess.Popen(sota_cmd("serve", "--port", str(port), "--db", str(db)), cwd=REPO, env=env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/-/versions.json", timeout=5).read()
            return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("sota serve did not start")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(quick: bool = False, rounds: int = 3, clients: int = CLIENTS) -> tuple[list[Row], list[str]]:
    work = Path(tempfile.mkdtemp(prefix="sota-serve-load-"))
    mirror = work / "mirror"
    shutil.copytree(REPLAY, mirror)
    db = work / "load.db"
    notes: list[str] = []
    idle_seconds = 4.0 if quick else 15.0
    try:
        subprocess.run(crawl_cmd(db, mirror, quick), cwd=REPO, env=env(), capture_output=True, check=True)
        if not quick:
            subprocess.run(sota_cmd("crawl", "pwc", "--replay", str(mirror), "--db", str(db),
                                    *sum((["--url", u] for u in PWC_CAPTURES), [])),
                           cwd=REPO, env=env(), capture_output=True, check=True)
        port = free_port()
        server = serve(db, port)
        base = f"http://127.0.0.1:{port}"
        failures: list[str] = []
        p50s, p95s, load_p95s, counts = [], [], [], []
        try:
            for path in QUERIES:   # warm the page cache and Datasette's own
                urllib.request.urlopen(base + path, timeout=60).read()
            for round_no in range(1, rounds + 1):
                with Clients(base, clients) as idle:
                    time.sleep(idle_seconds)
                reevaluate(mirror, round_no)
                with Clients(base, clients) as busy:
                    started = time.monotonic()
                    proc = subprocess.Popen(crawl_cmd(db, mirror, quick), cwd=REPO, env=env(),
                                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                    loading = _watch_load_start(db, proc)
                    _, stderr = proc.communicate(timeout=1800)
                    ended = time.monotonic()
                if proc.returncode != 0 or "locked" in stderr:
                    failures.append(f"round {round_no}: crawl exit {proc.returncode}: {stderr.strip()[-200:]}")
                failures += idle.failures + busy.failures
                quiet, during = idle.latencies(), busy.latencies(started, ended)
                in_load = busy.latencies(loading or ended, ended)
                p50s.append(percentile(during, 50) / percentile(quiet, 50))
                p95s.append(percentile(during, 95) / percentile(quiet, 95))
                if len(in_load) >= 20:
                    load_p95s.append(percentile(in_load, 95) / percentile(quiet, 95))
                counts.append((len(quiet), len(during), len(in_load), percentile(quiet, 95), percentile(during, 95),
                               ended - started))
        finally:
            server.terminate()
            server.wait(timeout=20)
        answers = sum(c[0] + c[1] for c in counts)
        rows = [
            Row("serve load: p50 during a crawl vs idle", median(p50s), 1.0, median(p50s), None, None),
            Row("serve load: p95 during a crawl vs idle", median(p95s), 1.0, median(p95s), TARGET,
                median(p95s) <= 3),
            Row("serve load: p95 during its load transaction vs idle",
                median(load_p95s) if load_p95s else float("nan"), 1.0,
                median(load_p95s) if load_p95s else float("nan"), None, None),
            Row("serve load: 5xx and lock errors", float(len(failures)), None, None, "== 0", not failures),
        ]
        for i, (n_idle, n_busy, n_load, q95, b95, secs) in enumerate(counts, start=1):
            notes.append(f"round {i}: idle {n_idle} answers (p95 {q95 * 1000:.0f} ms), during a {secs:.0f} s crawl "
                         f"{n_busy} answers (p95 {b95 * 1000:.0f} ms), {n_load} of them during its load")
        notes.append(f"{clients} clients, {answers} answers in all; ratios are the median of {rounds} alternating "
                     f"rounds ({'quick: timm ImageNet file only' if quick else 'a full replay crawl per round'})")
        notes += failures[:5]
        return rows, notes
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _watch_load_start(db: Path, proc: subprocess.Popen) -> float | None:
    """When the crawl child of the running run finished (its summary written): the load starts."""
    archive = db.with_name(db.stem + "-archive")
    seen = {p for p in archive.glob("*/run-*/summary.json")}
    while proc.poll() is None:
        fresh = [p for p in archive.glob("*/run-*/summary.json") if p not in seen]
        if any("timm" in str(p) for p in fresh):
            return time.monotonic()
        time.sleep(0.05)
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.serve_load", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=CLIENTS)
    args = parser.parse_args(argv)
    rows, notes = run(args.quick, args.rounds, args.clients)
    print(table(rows))
    for note in notes:
        print(f"* {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
