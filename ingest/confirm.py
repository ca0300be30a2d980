"""Which rows confirm which: another source or another paper stating the same number for the
same trained model.

A result `a` (the paper's own or a leaderboard's: role proposed or none) is confirmed by `b`
when `b` states the same value (within the rounding of the coarser of the two) for the same
dataset, metric and protocol, and `b` comes from another source or another paper, and either
- `b` maps to the same canonical model (the PWC row and the abstract's claim; the paper's own
  table cell for its abstract's number), or
- `b` is a baseline another paper quotes ("surpassing DeiT-B (81.8%)") whose name parses to
  fields compatible with `a`'s (ingest.identity), and no other model with that value fits:
  a baseline confirms one row, never makes a record of its own.
Measured re-evaluations (timm) stand beside reported numbers; they do not confirm them.
`save_confirmations(db)` recomputes the `confirmations` table after reconciliation, writing
only on change.
"""
from __future__ import annotations

from collections import defaultdict

from sqlite_utils import Database

from ingest.identity import parse_name
from ingest.identity_match import compare, same_value

ROWS = ("SELECT id, source, model, canonical_key, dataset, metric, protocol, value, raw_value, "
        "coalesce(arxiv_id, paper_id, '') AS paper, paper_title, coalesce(role, 'proposed') AS role "
        "FROM results_canonical WHERE kind = 'reported' AND NOT hidden "
        "AND metric IN (SELECT metric FROM rule_metrics WHERE leaderboard = 1)")


def find_confirmations(db: Database) -> list[dict]:
    rows = list(db.query(ROWS))
    own = [r for r in rows if r["role"] == "proposed"]
    baselines = [r for r in rows if r["role"] == "baseline"]
    out: dict[tuple, dict] = {}

    def confirm(a: dict, b: dict, how: str) -> None:
        if (a["source"], a["paper"]) == (b["source"], b["paper"]) or a["id"] == b["id"]:
            return
        out.setdefault((a["id"], b["id"]), {"result_id": a["id"], "by_result_id": b["id"], "how": how,
                                            "by_source": b["source"], "by_paper": b["paper"] or None})

    by_model: dict[tuple, list[dict]] = defaultdict(list)
    for r in own:
        by_model[(r["canonical_key"], r["dataset"], r["metric"], r["protocol"])].append(r)
    for group in by_model.values():
        for a in group:
            for b in group:
                if same_value((a["value"], a["raw_value"]), (b["value"], b["raw_value"])):
                    confirm(a, b, "same model, same value")
    by_scope: dict[tuple, list[dict]] = defaultdict(list)
    for r in own:
        by_scope[(r["dataset"], r["metric"], r["protocol"])].append(r)
    idents: dict[tuple, object] = {}

    def ident(r: dict):
        k = (r["model"], r["paper_title"])
        if k not in idents:
            idents[k] = parse_name(r["model"], r["paper_title"])
        return idents[k]

    for b in baselines:
        fits = [a for a in by_scope[(b["dataset"], b["metric"], b["protocol"])]
                if a["paper"] != b["paper"] and same_value((a["value"], a["raw_value"]), (b["value"], b["raw_value"]))
                and compare(ident(a), parse_name(b["model"]))[0]]
        if len({a["canonical_key"] for a in fits}) == 1:   # one model fits: the one quoted
            for a in fits:
                confirm(a, b, f"quoted as a baseline by {b['paper'] or b['source']}")
    return list(out.values())


def save_confirmations(db: Database) -> int:
    """Replace the `confirmations` rows when they changed; return how many there are."""
    rows = find_confirmations(db)
    key = lambda r: (r["result_id"], r["by_result_id"], r["how"])
    stored = {key(r) for r in db.query("SELECT * FROM confirmations")}
    if stored != {key(r) for r in rows}:
        db.execute("DELETE FROM confirmations")
        if rows:
            db["confirmations"].insert_all(rows)
    return len(rows)
