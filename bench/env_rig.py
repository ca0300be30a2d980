"""The rig of the machine-fault scenarios (bench/env_faults.py): a database per scenario seeded
with version A of timm's results file, version B (A plus synthetic rows in timm's format) to
crawl under the fault, the commands as a user runs them, a daemon on a schedule of seconds, and
the checks every scenario ends with (one line, no traceback, nothing lost, nothing doubled).
"""
from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from bench.faults import TIMM_CSV, WALL_LIMIT, Fault, FaultServer, Outcome, crawl_here, rows, scalar


ROOT = Path(__file__).resolve().parents[1]
BUDGET = 60                     # --timeout of every crawl here (the hang scenario uses none)
TIMM_PATH = "/" + urlsplit(TIMM_CSV).netloc + urlsplit(TIMM_CSV).path
SYNTHETIC_ROWS = 1000           # version B: A plus this many rows (a WARC record of ~60 KB)


@dataclass
class Rig:
    server: FaultServer
    work: Path
    csv_a: bytes                # timm's results file as the mirror has it
    template: Path              # a database holding version A (made once: make_template)

    def seed(self, db: Path) -> dict:
        """`db` as a copy of the template (version A committed); its rows."""
        db.parent.mkdir(parents=True, exist_ok=True)
        backup(self.template, db)
        return rows(db)

    @property
    def csv_b(self) -> bytes:
        return grown(self.csv_a, SYNTHETIC_ROWS)

    def serve(self, body: bytes | None, fault: Fault | None = None) -> None:
        """Serve `body` (None: the mirror's) at timm's results URL, with `fault` if given."""
        self.server.set(fault)
        self.server.bodies.pop(TIMM_PATH, None)
        if body is not None:
            self.server.bodies[TIMM_PATH] = body


def backup(src: Path, dst: Path) -> None:
    """A consistent copy of a database (SQLite's backup API), both connections closed after."""
    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        a.backup(b)
    finally:
        a.close()
        b.close()


def grown(csv: bytes, extra: int, seed: int = 7) -> bytes:
    """`csv` plus `extra` synthetic rows in its own column order (random digits: they do not
    compress, so the archive record is about as large as a real file of that size)."""
    lines = csv.decode("utf-8-sig").splitlines()
    header = lines[0].split(",")
    rng = random.Random(seed)
    out = list(lines)
    for i in range(extra):
        top1, top5 = rng.uniform(40, 90), rng.uniform(70, 99)
        row = {"model": f"synthetic_net_{i:05d}.r{rng.getrandbits(64):016x}_in1k", "img_size": "224",
               "top1": f"{top1:.3f}", "top1_err": f"{100 - top1:.3f}", "top5": f"{top5:.3f}",
               "top5_err": f"{100 - top5:.3f}", "param_count": f"{rng.uniform(1, 900):.2f}",
               "crop_pct": "0.950", "interpolation": "bicubic"}
        out.append(",".join(row.get(h, "") for h in header))
    return ("\n".join(out) + "\n").encode("utf-8")


def expected_keys(csv: bytes) -> set[str]:
    """The result keys timm's page object reads from `csv` (what a clean load must hold)."""
    from crawler.pages import Page, load_pages, run_page
    from crawler.sources import get_source
    from ingest.items import ResultItem

    pages = load_pages("timm", get_source("timm"))
    return {o.key for o in run_page(pages, Page(url=TIMM_CSV, body=csv), "bench")
            if isinstance(o, ResultItem)}


def sota(*args: str, db: Path, env: dict | None = None, timeout: float = WALL_LIMIT):
    """(exit code, stderr, seconds) of `python -m sota ARGS --db DB`."""
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "sota", *args, "--db", str(db)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})})
    return proc.returncode, proc.stderr, time.monotonic() - started


def crawl(rig: Rig, db: Path, env: dict | None = None, budget: float | None = BUDGET):
    """`sota crawl timm` of the fault server's file, as a user runs it."""
    return sota("crawl", "timm", "--replay", rig.server.url, "--url", TIMM_CSV,
                *(["--timeout", str(budget)] if budget else []), db=db, env=env)


def recover(rig: Rig, db: Path, problems: list[str], when: str) -> None:
    """The run after the fault (in this process: the command line is not what it tests)."""
    code, lines, _ = crawl_here(db, "timm", [TIMM_CSV], rig.server.url, BUDGET)
    if code != 0:
        problems.append(f"run {when}: {lines.strip()[-200:]}")


def make_template(server: FaultServer, work: Path) -> Path:
    """A database holding version A (the mirror's file), copied into each scenario."""
    template = work / "template-a.db"
    server.set(None)
    code, lines, _ = crawl_here(template, "timm", [TIMM_CSV], server.url, BUDGET)
    if code != 0:
        raise RuntimeError(f"template crawl failed: {lines}")
    return template


def last_run(db: Path) -> tuple[str, str]:
    return scalar(db, "SELECT status FROM crawl_runs ORDER BY id DESC LIMIT 1"), \
        scalar(db, "SELECT coalesce(error, '') FROM crawl_runs ORDER BY id DESC LIMIT 1")


def one_line(stderr: str, problems: list[str], *, must: str | None = None) -> str:
    """The failure line a user saw (stderr's last line); notes what is wrong with it."""
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    if "Traceback" in stderr:
        problems.append("traceback on stderr")
    if "database is locked" in stderr:
        problems.append("'database is locked' shown to the user")
    if must and must.lower() not in stderr.lower():
        problems.append(f"stderr lacks {must!r}: {last[:120]!r}")
    return last


def settle(name: str, db: Path, before: dict, want: set[str] | None, problems: list[str],
           outcome: str) -> Outcome:
    """Final checks shared by every scenario: integrity, no duplicates, B's rows (when `want`).
    The database's own path in `outcome` is shortened to its name."""
    outcome = outcome.replace(str(db.parent) + "/", "")
    after = rows(db) if db.exists() else {}
    dupes = scalar(db, "SELECT count(*) - count(DISTINCT key) FROM results") if db.exists() else 0
    integrity = scalar(db, "PRAGMA integrity_check") if db.exists() else "missing"
    if want is not None and set(after) != want:
        problems.append(f"{len(after)} rows after recovery, want {len(want)}")
    if not set(before) <= set(after):
        problems.append(f"{len(set(before) - set(after))} committed rows lost")
    if dupes or integrity != "ok":
        problems.append(f"duplicates {dupes}, integrity {integrity}")
    return Outcome(name, outcome, len(before), len(after), dupes, integrity, not problems, "; ".join(problems))


def skipped(name: str, why: str) -> Outcome:
    return Outcome(name, f"skipped: {why}", 0, 0, 0, "-", True, "")


# --- the disk ------------------------------------------------------------------------------

@contextmanager
def daemon(rig: Rig, db: Path, problems: list[str], schedule_extra: str = ""):
    """`sota daemon --interval 1` crawling timm's file straight from the fault server."""
    schedule = rig.work / f"{db.stem}-schedule.toml"   # beside the work, not the database: it may go
    schedule.write_text(f'[timm]\ninterval_seconds = 3600\ntimeout = {BUDGET}\n'
                        f'urls = ["{rig.server.url}{TIMM_PATH}"]\n{schedule_extra}')
    log = rig.work / f"{db.stem}-daemon.log"
    proc = subprocess.Popen([sys.executable, "-m", "sota", "daemon", "--interval", "1", "--schedule",
                             str(schedule), "--db", str(db), "--log-file", str(log)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        yield proc, log
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                code = proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                code = proc.wait()
            if code != 0:
                problems.append(f"daemon exit code {code} after SIGTERM")
        else:
            problems.append(f"daemon ended by itself (code {proc.returncode}): {proc.stderr.read()[-300:]}")
        if "Traceback" in (log.read_text() if log.exists() else ""):
            problems.append("traceback in the daemon log")


def wait_for(predicate: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except (sqlite3.Error, OSError):
            pass
        time.sleep(0.2)
    return False


def ok_runs(db: Path) -> int:
    return scalar(db, "SELECT count(*) FROM crawl_runs WHERE status = 'ok'") if db.exists() else 0


def sota_status(db: Path):
    proc = subprocess.run([sys.executable, "-m", "sota", "status", "--db", str(db)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    return proc.returncode, proc.stdout, proc.stderr


# --- readers, writers, a second crawl --------------------------------------------------------
