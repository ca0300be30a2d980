"""What every load is followed by, inside its transaction: the model map, then the derived
flags, each only when needed (results changed, or the rules it reads changed since the last
time it ran: a rules edit reaches stored rows at the next run).

The work itself (ingest.reconcile, ingest.derived_flags) is imported when there is some: most
runs of a daemon change nothing, and a process that settles such a run should not pay for
loading the identity machinery (a sizeable share of an unchanged crawl's wall time).
"""
from __future__ import annotations

from sqlite_utils import Database

from db.runs import get_state, set_state
from rules.files import fingerprint

IDENTITY_RULES = ("aliases", "identity", "corpora", "settings")   # what names are parsed with
FLAG_RULES = ("metrics",)                                          # the implausible margins


def reconcile_if_needed(db: Database, changed: bool) -> dict | None:
    """`ingest.reconcile.reconcile(db)` when results changed or the identity rules changed
    since the last time; None when nothing needed doing."""
    rules_now = fingerprint(IDENTITY_RULES)
    if not changed and get_state(db, "reconciled_with") == rules_now:
        return None
    from ingest.reconcile import reconcile

    counts = reconcile(db)
    set_state(db, "reconciled_with", rules_now)
    return counts


def refresh_flags_if_needed(db: Database, run_id: int, changed: bool) -> dict | None:
    """`ingest.derived_flags.refresh_flags` when results changed or the metric rules (margins)
    changed since the last refresh; None when nothing needed doing."""
    rules_now = fingerprint(FLAG_RULES)
    if not changed and get_state(db, "flags_refreshed_with") == rules_now:
        return None
    from ingest.derived_flags import refresh_flags

    done = refresh_flags(db, run_id)
    set_state(db, "flags_refreshed_with", rules_now)
    return done


def derive_after_load(db: Database, run_id: int, changed: bool) -> None:
    """The model map (when results or the identity rules changed), then the derived flags
    (when either changed, or the metric rules did)."""
    reconciled = reconcile_if_needed(db, changed=changed)
    refresh_flags_if_needed(db, run_id, changed=changed or reconciled is not None)
