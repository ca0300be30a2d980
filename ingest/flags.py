"""Flags on results: raised by a run with a reason, cleared by a later run when they no longer hold.

A flag never deletes a row: a result no longer derived from the archive (`underived`) or no
longer listed by its source (`delisted`) stays, with history, and leaves the leaderboards
(results_canonical.hidden) while the flag is active. Call inside the run's transaction.
"""
from __future__ import annotations

from sqlite_utils import Database

from db.runs import now_iso


def raise_flags(db: Database, result_ids: list[int], flag: str, run_id: int, reason: str) -> int:
    """Raise `flag` on each result that does not carry it already; return how many were raised."""
    if not result_ids:
        return 0
    now = now_iso()
    cursor = db.conn.executemany(
        "INSERT INTO flags (result_id, flag, reason, run, raised_at) SELECT ?, ?, ?, ?, ? "
        "WHERE NOT EXISTS (SELECT 1 FROM flags WHERE result_id = ? AND flag = ? AND cleared_at IS NULL)",
        ((rid, flag, reason, run_id, now, rid, flag) for rid in result_ids))
    return cursor.rowcount


def clear_flags(db: Database, result_ids: list[int], flag: str, run_id: int) -> int:
    """Clear an active `flag` on these results (the condition no longer holds)."""
    if not result_ids:
        return 0
    now = now_iso()
    cursor = db.conn.executemany(
        "UPDATE flags SET cleared_run = ?, cleared_at = ? WHERE result_id = ? AND flag = ? AND cleared_at IS NULL",
        ((run_id, now, rid, flag) for rid in result_ids))
    return cursor.rowcount


def active(db: Database, result_id: int) -> list[str]:
    return [r[0] for r in db.execute(
        "SELECT flag FROM flags WHERE result_id = ? AND cleared_at IS NULL ORDER BY flag", [result_id])]
