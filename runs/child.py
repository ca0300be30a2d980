"""The crawl child: `python -m crawler.run` in its own process, bounded by the run's budget.

The parent hands the child the run's deadline (the child sizes its timeouts and retries to
end before it, crawler.run.fit_budget) and ends it (SIGTERM, then SIGKILL) if it is still
running at the deadline, or at once when asked to stop. Its stderr goes to `crawler.log` in
the run folder, kept to its last LOG_KEEP_BYTES.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from crawler.archive import space_note
from runs.processes import end_process

INTERRUPTED = "interrupted"
LOG_KEEP_BYTES = 256 * 1024   # a misbehaving run's log must not fill the disk over months
CHILD_MARGIN = 0.1            # share of the budget (at most MAX_MARGIN s) the child leaves the parent
MAX_MARGIN = 3.0


def run_child(source: str, out_dir: Path, urls: list[str] | None, replay_base: str | None,
              budget: float, deadline: float, since: str | None = None, until: str | None = None,
              stop: threading.Event | None = None) -> tuple[dict | None, str | None]:
    """Run the crawl child until `deadline` (time.monotonic()); return (summary, error).

    The error is one line: the child's own last line when it failed, "interrupted" when
    `stop` was set, or that the crawl went over its `budget` (seconds, for the message)."""
    cmd = [sys.executable, "-m", "crawler.run", source, "--out", str(out_dir)]
    for url in urls or []:
        cmd += ["--url", url]
    margin = min(MAX_MARGIN, CHILD_MARGIN * budget)
    child_deadline = time.time() + (deadline - time.monotonic()) - margin
    for flag, value in (("--replay-base", replay_base), ("--since", since), ("--until", until),
                        ("--deadline", f"{child_deadline:.3f}")):
        if value:
            cmd += [flag, value]
    log_path = out_dir / "crawler.log"
    with open(log_path, "wb") as log_file:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log_file,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
        while True:
            try:
                proc.wait(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                stopped = stop is not None and stop.is_set()
                if stopped or time.monotonic() > deadline:
                    end_process(proc)
                    return None, (INTERRUPTED if stopped else
                                  f"crawl over its budget of {budget:g} s (ended; the next run retries)")
    if not out_dir.is_dir():
        return None, f"the run folder {out_dir} was removed during the crawl"
    keep_tail(log_path)
    summary_path = out_dir / "summary.json"
    if proc.returncode != 0 or not summary_path.exists():
        # A child that could not even write its log ran out of room (or lost its folder).
        return None, f"crawler exited with code {proc.returncode}: {last_line(log_path) or space_note(out_dir)}"
    return json.loads(summary_path.read_text("utf-8")), None


def last_line(log_path: Path) -> str:
    """The log's last line ("" when it has none)."""
    try:
        lines = log_path.read_text("utf-8", "replace").strip().splitlines()
    except OSError:
        lines = []
    return (lines or [""])[-1][:300]


def keep_tail(log_path: Path, keep: int = LOG_KEEP_BYTES) -> None:
    """Cut a long crawler.log to its last `keep` bytes (where the reason for a failure is)."""
    try:
        size = log_path.stat().st_size
        if size <= keep:
            return
        with open(log_path, "rb") as fh:
            fh.seek(size - keep)
            tail = fh.read()
        log_path.write_bytes(b"[... earlier lines dropped ...]\n" + tail)
    except OSError:
        pass   # a log we cannot trim (disk full) is not the run's failure
