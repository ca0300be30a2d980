"""Flags on results: raised by a run with a reason, cleared by a later run when they no longer hold.

A flag never deletes a row: a result no longer derived from the archive (`underived`) or no
longer listed by its source (`delisted`) stays, with history, and leaves the leaderboards
(results_canonical.hidden) while the flag is active. Call inside the run's transaction.
"""
from __future__ import annotations

from sqlite_utils import Database

from db.runs import now_iso

# Flags that take a row off the leaderboards (db/sql/results_canonical.sql `hidden`): both say
# "today's derivation of the source's current bytes does not produce this row".
HIDING = ("underived", "delisted")


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


def settle_absent(db: Database, source: str, run_id: int, produced: set[str], urls: set[str],
                  flag: str, reason: str) -> tuple[int, int]:
    """After a complete derivation of the responses at `urls` (every one parsed to the end):
    raise `flag` on the rows of `source` read from one of `urls` whose key it did not produce
    (unless a HIDING flag already hides them: one reason is enough, and the first one stays),
    and clear the HIDING flags of the rows it produced (listed, and derived, again). Baseline
    rows (no archive) are never touched. Returns (flags raised, flags cleared).

    `sota reprocess` raises `underived` (today's code no longer reads the row from the archived
    bytes), a complete crawl `delisted` (the source no longer lists it): one rule, two flags."""
    marks = ", ".join("?" * len(HIDING))
    active = {r[0] for r in db.execute(
        f"SELECT f.result_id FROM flags f JOIN results r ON r.id = f.result_id "
        f"WHERE r.source = ? AND f.cleared_at IS NULL AND f.flag IN ({marks})", [source, *HIDING])}
    gone, back = [], []
    for rid, key, archive_url in db.execute(
            "SELECT id, key, archive_url FROM results WHERE source = ? AND baseline IS NULL", [source]):
        if key in produced:
            if rid in active:
                back.append(rid)
        elif archive_url in urls and rid not in active:
            gone.append(rid)
    cleared = sum(clear_flags(db, back, hiding, run_id) for hiding in HIDING)
    return raise_flags(db, gone, flag, run_id, reason), cleared
