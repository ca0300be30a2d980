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
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable

from bench.env_rig import (BUDGET, Rig, backup, crawl, daemon, expected_keys, last_run, ok_runs,
                           one_line, recover, settle, skipped, sota, sota_status, wait_for)
from bench.faults import TIMM_CSV, WALL_LIMIT, Fault, FaultServer, Outcome, rows, scalar
from bench.small_fs import SmallFs
from crawler.policy import RUN_BUDGET_SECONDS

ROOT = Path(__file__).resolve().parents[1]


def crawl_on_full_disk(rig: Rig, db: Path, before) -> tuple[list[str], str, str]:
    """Crawl a changed CSV with no room left: (problems, run status, reason). The crawl must
    exit non-zero with one "disk full" line, record a failed run, and change no row."""
    rig.serve(rig.csv_b)
    code, stderr, _ = crawl(rig, db)
    problems: list[str] = []
    one_line(stderr, problems, must="disk full")
    status, reason = last_run(db)
    if code == 0 or status != "failed":
        problems.append(f"expected a failed run, got {status}/{code}")
    if rows(db) != before:
        problems.append("rows changed by the failed run")
    return problems, status, reason


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
        problems, status, reason = crawl_on_full_disk(rig, db, before)
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
        problems, status, reason = crawl_on_full_disk(rig, db, before)
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

def remove_tree(path: Path) -> None:
    """`rm -rf path` under a process that keeps writing there: the folder is renamed aside
    first, so that its path is gone at once and whole (a plain rmtree raced the daemon's next
    run adding files: "Directory not empty"), then what was there is deleted."""
    aside = path.with_name(path.name + ".removed")
    path.rename(aside)
    for _ in range(50):   # files the writer still adds through handles it holds open
        shutil.rmtree(aside, ignore_errors=True)
        if not aside.exists():
            return
        time.sleep(0.1)


def database_folder_removed(rig: Rig) -> Outcome:
    name = "database folder removed under a daemon"
    folder = rig.work / "gone"
    db = folder / "gone.db"
    copy = rig.work / "gone-backup.db"
    problems: list[str] = []
    folder.mkdir(exist_ok=True)   # commands create a database file, never the folders above it
    rig.serve(None)
    with daemon(rig, db, problems) as (proc, log):
        if not wait_for(lambda: ok_runs(db) >= 1, 60):
            problems.append("no first ok run")
        backup(db, copy)
        before = rows(copy)
        remove_tree(folder)
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
        remove_tree(archive)
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
        status_line = next((l for l in sota_status(db)[1].splitlines() if l.startswith("timm")), "")
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
    if "daemon not running" not in sota_status(db)[1]:
        problems.append("sota status after the daemon stopped does not say 'daemon not running'")
    shown = status_line.split("next ", 1)[-1] if "next " in status_line else status_line
    return settle(name, db, {}, None, problems, f"backed off: next {shown.strip()}")


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
