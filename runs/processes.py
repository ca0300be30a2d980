"""Ending a child process: the one terminate-then-kill helper."""
from __future__ import annotations

import subprocess


def end_process(proc: subprocess.Popen, grace: float = 3.0) -> int | None:
    """SIGTERM, then SIGKILL if it has not exited within `grace` seconds; its exit code."""
    if proc.poll() is not None:
        return proc.returncode
    proc.terminate()
    try:
        return proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()
