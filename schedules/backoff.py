"""When a failing source is tried again: exponential backoff on its schedule.

After FAILURES_BEFORE_BACKOFF failed runs in a row (db/sql/failure_streaks.sql: one success
resets the streak), the next run waits `period × 2^(failures − FAILURES_BEFORE_BACKOFF + 1)`
from the last failure, at most `period × MAX_FACTOR`, where `period` is the time between two
of the source's scheduled runs. A source that is down for a week is then asked every few
days instead of every hour, and is back on its schedule after its first good run.
"""
from __future__ import annotations

from datetime import datetime, timedelta

FAILURES_BEFORE_BACKOFF = 3
MAX_FACTOR = 8


def backoff_seconds(failures: int, period: float) -> float:
    """How long after its last failure a source with `failures` in a row waits (0: no backoff)."""
    if failures < FAILURES_BEFORE_BACKOFF:
        return 0.0
    return period * min(2 ** (failures - FAILURES_BEFORE_BACKOFF + 1), MAX_FACTOR)


def backoff_until(failures: int, last_failure: str | None, period: float) -> datetime | None:
    """The earliest time the source may run again, or None when it is not backing off."""
    wait = backoff_seconds(failures, period)
    if not wait or not last_failure:
        return None
    return datetime.fromisoformat(last_failure) + timedelta(seconds=wait)
