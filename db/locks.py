"""Locks on one database between processes: one run per source at a time, one daemon.

Advisory `flock` locks on small files beside the database (`<db>-locks/<name>.lock`). The
kernel releases a lock when its holder ends, however it ends (SIGKILL included), so a lock
never outlives its process and never needs cleaning up. The file holds the holder's pid and
start time, for the one-line refusal a second process prints.
"""
from __future__ import annotations

import fcntl
import json
import os
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path


class LockHeld(RuntimeError):
    """Another live process holds the lock; `holder` is what it wrote (pid, since)."""

    def __init__(self, name: str, holder: dict):
        self.name, self.holder = name, holder
        super().__init__(f"{name} is held by pid {holder.get('pid', '?')} since {holder.get('since', '?')}")


def lock_path(db_path: str | os.PathLike, name: str) -> Path:
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + "-locks") / f"{name}.lock"


@contextmanager
def hold(db_path: str | os.PathLike, name: str):
    """Hold lock `name` of the database for the `with` block; LockHeld at once if another
    process holds it. OSError when its folder cannot be made (the database's folder is gone)."""
    path = lock_path(db_path, name)
    path.parent.mkdir(exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockHeld(name, _read(fd)) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "since": datetime.now(timezone.utc)
                                  .isoformat(timespec="seconds")}).encode(), 0)
        yield
    finally:
        os.close(fd)   # releases the lock


def holder(db_path: str | os.PathLike, name: str) -> dict | None:
    """What the live holder of lock `name` wrote (pid, since), or None when nobody holds it."""
    path = lock_path(db_path, name)
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read(fd) or {"pid": None}
        return None
    finally:
        os.close(fd)


def _read(fd: int) -> dict:
    try:
        return json.loads(os.pread(fd, 4096, 0) or b"{}")
    except ValueError:
        return {}
