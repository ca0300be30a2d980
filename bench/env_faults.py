"""Faults of the machine, not of the server: each one for real, then recovery.

Every scenario crawls timm's results file through the fault server (bench/faults.py) into a
database of its own: version A (the mirror's file) first, then version B (A plus synthetic
rows in timm's format) under the fault, then B again once the fault is gone. Survival
means: the faulty run ends with a one-line reason (never a traceback, never "database is
locked"), the rows committed before are all there, the database passes `integrity_check`,
nothing is doubled, and the run after the fault loads B exactly.

    disk full under the archive      the archive folder on a small tmpfs, filled
    disk full under the database     the database on a small tmpfs; space returns by remount
    read-only database               its tmpfs remounted read-only, then read-write
    database folder removed          under a running daemon; restored from a copy
    archive folder removed           under a running daemon: bytes archived again
    reader holding a transaction     a read transaction open through the whole run
    writer holding the lock (short)  the run waits within its busy timeout
    writer holding the lock (long)   past the busy timeout: a line, then the next run
    two crawls at once               the second refuses in a line; nothing doubled
    a source failing in a row        the daemon backs off, says so, resets on success
    server never answers             no --timeout: fails inside the default budget (long mode)
"""
from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from bench.faults import TIMM_CSV, WALL_LIMIT, Fault, FaultServer, Outcome, crawl_here, rows, scalar
from bench.small_fs import SmallFs

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

def disk_full_archive(rig: Rig) -> Outcome:
    name = "disk full while writing the archive"
    db = rig.work / "dfa.db"
    with SmallFs(rig.work / "dfa-disk", 16 * 1024) as disk:
        if not disk.mount():
            return skipped(name, "cannot mount a small file system here (needs root)")
        (disk.path / "archive").mkdir()
        os.symlink(disk.path / "archive", db.with_name("dfa-archive"))   # the archive on its own volume
        before = rig.seed(db)
        filler = disk.fill(leave_bytes=32 * 1024)
        rig.serve(rig.csv_b)
        code, stderr, _ = crawl(rig, db)
        problems: list[str] = []
        line = one_line(stderr, problems, must="disk full")
        status, reason = last_run(db)
        if code == 0 or status != "failed":
            problems.append(f"expected a failed run, got {status}/{code}")
        if rows(db) != before:
            problems.append("rows changed by the failed run")
        filler.unlink()                     # space returns
        recover(rig, db, problems, "after space returned")
        return settle(name, db, before, set(before) | expected_keys(rig.csv_b), problems, f"{status}: {reason}")


def disk_full_database(rig: Rig) -> Outcome:
    name = "disk full while writing the database"
    disk = SmallFs(rig.work / "dfd-disk", 64 * 1024)
    with disk:
        if not disk.mount():
            return skipped(name, "cannot mount a small file system here (needs root)")
        db = disk.path / "dfd.db"
        archive = rig.work / "dfd-archive"
        archive.mkdir()
        os.symlink(archive, db.with_name("dfd-archive"))   # the archive has room; the database not
        before = rig.seed(db)
        used_kb = (disk.size_kb * 1024 - disk.free_bytes()) // 1024
        disk.remount(f"size={used_kb + 384}k")
        rig.serve(rig.csv_b)
        code, stderr, _ = crawl(rig, db)
        problems: list[str] = []
        one_line(stderr, problems, must="disk full")
        status, reason = last_run(db)
        if code == 0 or status != "failed":
            problems.append(f"expected a failed run, got {status}/{code}")
        if rows(db) != before:
            problems.append("rows changed by the failed load")
        disk.remount("size=65536k")          # space returns
        recover(rig, db, problems, "after space returned")
        outcome = settle(name, db, before, set(before) | expected_keys(rig.csv_b), problems, f"{status}: {reason}")
        os.unlink(db.with_name("dfd-archive"))
        return outcome


def read_only_database(rig: Rig) -> Outcome:
    name = "database read-only"
    with SmallFs(rig.work / "ro-disk", 64 * 1024) as disk:
        if not disk.mount():
            return skipped(name, "cannot mount a small file system here (needs root)")
        db = disk.path / "ro.db"
        before = rig.seed(db)
        disk.remount("ro")
        rig.serve(rig.csv_b)
        code, stderr, _ = crawl(rig, db)
        problems: list[str] = []
        line = one_line(stderr, problems, must="read-only")
        if code == 0:
            problems.append("a crawl into a read-only database exited 0")
        disk.remount("rw")
        if rows(db) != before:
            problems.append("rows changed")
        recover(rig, db, problems, "once writable")
        return settle(name, db, before, set(before) | expected_keys(rig.csv_b), problems, line.removeprefix("Error: "))


# --- under a running daemon ---------------------------------------------------------------

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


def database_folder_removed(rig: Rig) -> Outcome:
    name = "database folder removed under a daemon"
    folder = rig.work / "gone"
    db = folder / "gone.db"
    copy = rig.work / "gone-backup.db"
    problems: list[str] = []
    rig.serve(None)
    with daemon(rig, db, problems) as (proc, log):
        if not wait_for(lambda: ok_runs(db) >= 1, 60):
            problems.append("no first ok run")
        backup(db, copy)
        before = rows(copy)
        shutil.rmtree(folder)
        if not wait_for(lambda: "is gone" in log.read_text(), 20):
            problems.append("the daemon never said the database is gone")
        if db.exists():
            problems.append("a new database was created in place of the removed one")
        folder.mkdir()                     # restored from the copy
        shutil.copy(copy, db)
        runs_then = ok_runs(db)
        rig.serve(rig.csv_b)
        if not wait_for(lambda: ok_runs(db) > runs_then, 30):
            problems.append("no ok run after the folder was restored")
    line = next((l for l in log.read_text().splitlines() if "is gone" in l), "")
    return settle(name, db, before, set(before) | expected_keys(rig.csv_b), problems,
                  line.split(" — ")[-1] or "-")


def archive_folder_removed(rig: Rig) -> Outcome:
    name = "archive folder removed under a daemon"
    db = rig.work / "arch.db"
    archive = db.with_name("arch-archive")
    problems: list[str] = []
    rig.serve(None)
    with daemon(rig, db, problems):
        if not wait_for(lambda: ok_runs(db) >= 1, 60):
            problems.append("no first ok run")
        before = rows(db)
        shutil.rmtree(archive)
        runs_then = ok_runs(db)
        if not wait_for(lambda: ok_runs(db) >= runs_then + 2, 30):
            problems.append("no ok runs after the archive was removed")
    newest = scalar(db, "SELECT archive_path FROM crawl_runs WHERE archive_path IS NOT NULL ORDER BY id DESC LIMIT 1")
    if not newest or not Path(newest).exists():
        problems.append("the removed bytes were not archived again")
    code, stderr, _ = sota("reprocess", "timm", db=db)
    if code != 0:
        problems.append(f"reprocess from the new archive: exit {code}: {stderr.strip()[-200:]}")
    return settle(name, db, before, set(before), problems, f"ok; bytes archived again in run "
                  f"{scalar(db, 'SELECT max(id) FROM crawl_runs WHERE archive_path IS NOT NULL')}")


def failing_source_backs_off(rig: Rig) -> Outcome:
    name = "source failing 3 times in a row: backoff"
    db = rig.work / "backoff.db"
    problems: list[str] = []
    rig.serve(None, Fault("status", "results-imagenet.csv", 404))
    status_line, until = "", None
    with daemon(rig, db, problems):
        if not wait_for(lambda: scalar(db, "SELECT count(*) FROM crawl_runs WHERE status = 'failed'") >= 3, 60):
            problems.append("fewer than 3 failed runs")
        if wait_for(lambda: scalar(db, "SELECT backoff_until FROM daemon_jobs WHERE source = 'timm'"), 10):
            until = scalar(db, "SELECT backoff_until FROM daemon_jobs WHERE source = 'timm'")
        else:
            problems.append("daemon_jobs shows no backoff")
        status_line = next((l for l in status(db)[1].splitlines() if l.startswith("timm")), "")
        if "backing off" not in status_line:
            problems.append(f"sota status does not say it backs off: {status_line!r}")
        rig.serve(None)                     # the source is back
        if not wait_for(lambda: ok_runs(db) >= 1, 30):
            problems.append("no ok run after the source came back")
        started = scalar(db, "SELECT min(started) FROM crawl_runs WHERE id > (SELECT min(id) + 2 FROM crawl_runs)")
        if until and started and started < until:
            problems.append(f"the 4th run started at {started}, before the backoff's end {until}")
        if not wait_for(lambda: scalar(db, "SELECT failures_in_a_row FROM daemon_jobs WHERE source = 'timm'") == 0
                        and scalar(db, "SELECT backoff_until FROM daemon_jobs WHERE source = 'timm'") is None, 10):
            problems.append("one success did not reset the backoff")
    if "daemon not running" not in status(db)[1]:
        problems.append("sota status after the daemon stopped does not say 'daemon not running'")
    shown = status_line.split("next ", 1)[-1] if "next " in status_line else status_line
    return settle(name, db, {}, None, problems, f"backed off: next {shown.strip()}")


def status(db: Path):
    proc = subprocess.run([sys.executable, "-m", "sota", "status", "--db", str(db)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    return proc.returncode, proc.stdout, proc.stderr


# --- readers, writers, a second crawl --------------------------------------------------------

def long_reader(rig: Rig) -> Outcome:
    name = "reader holding a read transaction"
    db = rig.work / "reader.db"
    before = rig.seed(db)
    reader = sqlite3.connect(db, isolation_level=None)
    reader.execute("BEGIN")
    seen = reader.execute("SELECT count(*) FROM results").fetchone()[0]   # the snapshot is held from here
    rig.serve(rig.csv_b)
    code, stderr, seconds = crawl(rig, db)
    still = reader.execute("SELECT count(*) FROM results").fetchone()[0]
    reader.execute("COMMIT")
    reader.close()
    problems: list[str] = []
    one_line(stderr, problems)
    if code != 0:
        problems.append(f"crawl under a long reader: exit {code}")
    if still != seen:
        problems.append("the reader's snapshot moved")
    return settle(name, db, before, set(before) | expected_keys(rig.csv_b), problems,
                  f"{last_run(db)[0]} in {seconds:.1f} s; the reader kept its snapshot")


def writer_holds_lock(rig: Rig, hold_seconds: float, busy_ms: int) -> Outcome:
    waits = hold_seconds * 1000 < busy_ms
    name = f"writer holding the lock {hold_seconds:g} s, busy timeout {busy_ms / 1000:g} s"
    db = rig.work / f"writer-{int(hold_seconds)}.db"
    before = rig.seed(db)
    writer = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN IMMEDIATE")
    release = threading.Timer(hold_seconds, lambda: writer.execute("ROLLBACK"))
    release.start()
    rig.serve(rig.csv_b)
    code, stderr, seconds = crawl(rig, db, env={"SOTA_BUSY_TIMEOUT_MS": str(busy_ms)})
    release.join()
    writer.close()
    problems: list[str] = []
    line = one_line(stderr, problems, must=None if waits else "busy")
    if waits and code != 0:
        problems.append(f"the run did not wait for the writer: exit {code}: {line[:120]}")
    if not waits:
        if code == 0:
            problems.append("the run went ahead past the busy timeout?")
        recover(rig, db, problems, "after the writer let go")
    outcome = f"ok after waiting {seconds:.1f} s" if waits else line.removeprefix("Error: ")
    return settle(name, db, before, set(before) | expected_keys(rig.csv_b), problems, outcome)


def two_crawls(rig: Rig) -> Outcome:
    name = "two sota crawl processes at once"
    db = rig.work / "two.db"
    before = rig.seed(db)
    runs_before = scalar(db, "SELECT count(*) FROM crawl_runs")
    rig.serve(rig.csv_b, Fault("slow", "results-imagenet.csv", headers={"delay": 5}))
    first = subprocess.Popen([sys.executable, "-m", "sota", "crawl", "timm", "--replay", rig.server.url,
                              "--url", TIMM_CSV, "--timeout", str(BUDGET), "--db", str(db)], cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    problems: list[str] = []
    if not wait_for(lambda: scalar(db, "SELECT count(*) FROM crawl_runs WHERE status = 'running'") == 1, 30):
        problems.append("the first crawl never started its run")
    code, stderr, seconds = crawl(rig, db)
    line = one_line(stderr, problems, must="under way")
    if code == 0:
        problems.append("the second crawl exited 0")
    if first.wait(timeout=WALL_LIMIT) != 0:
        problems.append(f"the first crawl failed: {first.stderr.read()[-200:]}")
    runs = scalar(db, "SELECT count(*) FROM crawl_runs") - runs_before
    if runs != 1:
        problems.append(f"{runs} runs recorded for two crawls, want 1 (the refused one records none)")
    rig.serve(None)
    line = next((l for l in stderr.splitlines() if "under way" in l), line)
    return settle(name, db, before, set(before) | expected_keys(rig.csv_b), problems,
                  f"refused in {seconds:.1f} s: " + line.split(" — ")[-1])


def hang_default_budget(rig: Rig) -> Outcome:
    name = "server never answers, no --timeout (default budget)"
    db = rig.work / "hang.db"
    rig.serve(None, Fault("hang", "results-imagenet.csv"))
    code, stderr, seconds = crawl(rig, db, budget=None)
    rig.serve(None)
    problems: list[str] = []
    one_line(stderr, problems, must="no response from")
    status, reason = last_run(db)
    from crawler.policy import RUN_BUDGET_SECONDS

    if status != "failed" or code == 0:
        problems.append(f"expected failed, got {status}/{code}")
    if seconds > RUN_BUDGET_SECONDS:
        problems.append(f"took {seconds:.0f} s, over the {RUN_BUDGET_SECONDS:g} s budget")
    return settle(name, db, {}, None, problems, f"failed in {seconds:.0f} s: {reason.split(':')[0]}")


def scenarios(quick: bool = False) -> list[tuple[str, Callable[[Rig], Outcome]]]:
    """(name, function) of every environment fault; quick leaves out the default-budget hang
    (~100 s) and the writer the run waits for (the reader shows a run that goes ahead)."""
    chosen = [
        ("disk full while writing the archive", disk_full_archive),
        ("disk full while writing the database", disk_full_database),
        ("database read-only", read_only_database),
        ("database folder removed under a daemon", database_folder_removed),
        ("archive folder removed under a daemon", archive_folder_removed),
        ("reader holding a read transaction", long_reader),
        ("writer holding the lock past the busy timeout", lambda rig: writer_holds_lock(rig, 3, 1_000)),
        ("two sota crawl processes at once", two_crawls),
        ("source failing 3 times in a row: backoff", failing_source_backs_off),
    ]
    if not quick:
        chosen += [("writer holding the lock 2 s (the run waits)", lambda rig: writer_holds_lock(rig, 2, 15_000)),
                   ("server never answers, no --timeout (default budget)", hang_default_budget)]
    return chosen


def run_one(fn: Callable[[Rig], Outcome], server: FaultServer, work: Path, csv_a: bytes,
            template: Path) -> Outcome:
    work.mkdir(parents=True, exist_ok=True)
    try:
        return fn(Rig(server, work, csv_a, template))
    finally:
        server.set(None)
        server.bodies.clear()
