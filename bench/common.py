"""What every benchmark module shares: paths, result rows, process and memory helpers."""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
REPLAY = SHARED / "replay"
TIMM_DATA = SHARED / "data" / "timm"
PWC_CAPTURES = [f"https://web.archive.org/web/20231214000000id_/https://paperswithcode.com/sota/{slug}"
                for slug in ("image-classification-on-imagenet",
                             "self-supervised-image-classification-on-imagenet",
                             "zero-shot-transfer-image-classification-on-imagenet")]


@dataclass
class Row:
    """One line of the table. `ratio` is figure/baseline unless the benchmark says otherwise;
    `target` reads like ">= 0.5" and is checked against the ratio (or `checked`)."""

    benchmark: str
    figure: float | None
    baseline: float | None = None
    ratio: float | None = None
    target: str | None = None
    passed: bool | None = None

    @classmethod
    def compare(cls, benchmark: str, figure: float, baseline: float | None, target: str | None = None,
                checked: float | None = None) -> "Row":
        ratio = figure / baseline if baseline else None
        value = ratio if checked is None else checked
        return cls(benchmark, figure, baseline, ratio, target,
                   None if target is None or value is None else meets(value, target))


def guarded(label: str, notes: list[str], fn, *args) -> Row:
    """fn(*args), or an error row (traceback on stderr) so the other rows still print."""
    try:
        return fn(*args)
    except Exception as exc:
        traceback.print_exc()
        notes.append(f"{label}: ERROR {type(exc).__name__}: {exc}")
        return Row(label, None, None, None, "error", False)


def meets(value: float, target: str) -> bool:
    op, _, bound = target.partition(" ")
    bound_f = float(bound.rstrip("x×"))
    return {">=": value >= bound_f, "<=": value <= bound_f, "==": value == bound_f}[op]


def env() -> dict:
    """The environment for child processes: this checkout first on the import path."""
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": str(REPO) + (os.pathsep + path if path else ""),
            "PYTHONUNBUFFERED": "1"}


def sota_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "sota", *args]


def run_timed(cmd: list[str], log: Path | None = None, timeout: float = 900) -> tuple[float, int]:
    """(wall seconds, exit code) of a child process, start-up included."""
    out = open(log, "ab") if log else subprocess.DEVNULL
    try:
        started = time.perf_counter()
        proc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
                              env=env(), cwd=REPO, timeout=timeout)
        return time.perf_counter() - started, proc.returncode
    finally:
        if log:
            out.close()


def rss_bytes(pid: int) -> int:
    """Resident set size of a live process (psutil when installed, else /proc)."""
    try:
        import psutil
    except ImportError:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        raise RuntimeError(f"no VmRSS for pid {pid}")
    return psutil.Process(pid).memory_info().rss


def finished_runs(db: Path) -> int:
    """How many runs have finished (0 before the daemon made the database, or mid-migration)."""
    if not db.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute("SELECT count(*) FROM crawl_runs WHERE status != 'running'").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.OperationalError:
        return 0


def remove_db(path: Path) -> None:
    """A scratch database, its WAL files and its crawl archive (`<stem>-archive/`)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    shutil.rmtree(path.with_name(path.stem + "-archive"), ignore_errors=True)


def median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def fmt(value, big: float = 100) -> str:
    """A table cell: '-' for no value, PASS/FAIL for a bool, a float with thousands separators
    and no decimals from `big` up (else 3 decimals), anything else as str."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "PASS" if value else "FAIL"
    if isinstance(value, float):
        if value != value:
            return "nan"
        return f"{value:,.0f}" if abs(value) >= big else f"{value:.3f}"
    return str(value)
