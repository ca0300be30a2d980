"""Flags a reader can act on, derived from the stored results after each load.

- `withdrawn`: the source itself marks the row withdrawn (results.flags, e.g. the EFF dump).
- `unconfirmed`: a reported number only one source gives — nothing confirms it (the
  `confirmations` table, ingest/confirm.py: no second source or paper states it, not even as a
  quoted baseline), no re-measurement or model card shows released weights, and the paper has
  no code.
- `implausible`: a reported number that beats the frontier of its protocol on its date (the
  best earlier result of its dataset, metric and protocol, from another paper) by more than
  the metric's margin (rules/metrics.toml [implausible]), with nothing confirming it.
- `superseded`: a later version of the paper changed the number: the row still shows what an
  earlier version said (a leaderboard copying v1's abstract after v2 changed it), or the row
  was read from an earlier version that the current version no longer repeats. A copy is matched
  to the paper's own row by paper and model name: a copy whose number differs is exactly the
  pair identity leaves unmerged (ingest/identity_match.py: an unsure pair goes to review).

Only rows that can make a leaderboard row are flagged: reported, the paper's own (role
proposed or unstated); a quoted baseline or an ablation never is.

Each is recomputed over the whole table (a few set operations) and reconciled with the
`flags` table through ingest/flags.py: raised with a reason by the run that finds it, cleared
by the run that finds it no longer holds. `delisted` and `underived` are raised by the runs
that know them (the daemon, reprocess), not here. Call inside the run's transaction.
"""
from __future__ import annotations

from collections import defaultdict
from itertools import groupby

from sqlite_utils import Database

from ingest.conflicts import beyond_rounding
from ingest.flags import clear_flags, raise_flags
from rules.metrics import implausible_margin, leaderboard_metrics

DERIVED = ("withdrawn", "unconfirmed", "implausible", "superseded")
MODEL_CARD_TIER = 2   # sources.tier 2: model cards, i.e. released weights


def refresh_flags(db: Database, run_id: int) -> dict[str, tuple[int, int]]:
    """Raise and clear the derived flags; return {flag: (raised, cleared)}."""
    # Reported rows only: measured ones (timm) are never flagged here, and only their models
    # matter (released weights), read apart at a fraction of the cost.
    rows = list(db.query(
        "SELECT id, canonical_key, canonical, dataset, metric, protocol, source, kind, tier, value, "
        "raw_value, score, published, flags, hidden, paper_version, source_url, "
        "coalesce(arxiv_id, paper_id) AS paper FROM results_canonical WHERE kind = 'reported' "
        "AND coalesce(role, 'proposed') = 'proposed'"))
    weights = {r[0] for r in db.execute(
        "SELECT DISTINCT m.canonical_key FROM results r JOIN model_map m ON m.source = r.source "
        "AND m.model = r.model LEFT JOIN sources s ON s.name = r.source "
        "WHERE r.kind = 'measured' OR s.tier = ?", [MODEL_CARD_TIER])}
    wanted = {"withdrawn": withdrawn(rows), **single_source(db, rows, weights),
              "superseded": superseded(db, rows)}
    done = {}
    for flag in DERIVED:
        active = {r[0] for r in db.execute(
            "SELECT result_id FROM flags WHERE flag = ? AND cleared_at IS NULL", [flag])}
        target = wanted[flag]
        by_reason: dict[str, list[int]] = defaultdict(list)
        for rid in sorted(set(target) - active):
            by_reason[target[rid]].append(rid)
        raised = sum(raise_flags(db, ids, flag, run_id, reason) for reason, ids in by_reason.items())
        cleared = clear_flags(db, sorted(active - set(target)), flag, run_id)
        done[flag] = (raised, cleared)
    return done


def withdrawn(rows: list[dict]) -> dict[int, str]:
    return {r["id"]: f"{r['source']} marks this result withdrawn" for r in rows
            if "withdrawn" in (r["flags"] or "")}


def single_source(db: Database, rows: list[dict], weights: set[str]) -> dict[str, dict[int, str]]:
    """`unconfirmed` and `implausible`, which both start from "no second source states it";
    `weights`: canonical models with released weights (measured, or on a model card)."""
    coded = {r[0] for r in db.execute(
        "SELECT p.id FROM papers p WHERE p.has_code = 1 UNION "
        "SELECT q.id FROM papers p JOIN papers q ON q.arxiv_id = p.arxiv_id WHERE p.has_code = 1 "
        "UNION SELECT p.arxiv_id FROM papers p WHERE p.has_code = 1 AND p.arxiv_id IS NOT NULL")}
    visible = [r for r in rows if not r["hidden"] and "withdrawn" not in (r["flags"] or "")]
    confirmed = {r[0] for r in db.execute("SELECT DISTINCT result_id FROM confirmations")}
    alone = {r["id"] for r in visible if r["id"] not in confirmed}
    unconfirmed = {}
    for r in visible:
        if r["id"] in alone and r["canonical_key"] not in weights and r["paper"] not in coded:
            unconfirmed[r["id"]] = (f"only {r['source']} states it: no second source or paper, "
                                    "no released weights or code known")
    margins = {m: implausible_margin(m) for m in leaderboard_metrics()}
    implausible = {}
    for r, front in frontiers([r for r in visible if r["metric"] in margins]):
        margin = margins[r["metric"]]
        if r["id"] in alone and r["score"] - front["score"] > margin + 1e-9:
            implausible[r["id"]] = (
                f"beats the {r['protocol']} {r['metric']} frontier on {r['published']} ({front['value']:g}, "
                f"{front['canonical']}, {front['source']}, {front['published']}) by "
                f"{r['score'] - front['score']:.2f} points, more than the margin {margin:g} "
                f"(rules/metrics.toml), and no second source states it")
    return {"unconfirmed": unconfirmed, "implausible": implausible}


def frontiers(rows: list[dict]):
    """(row, the best earlier dated row of its dataset, metric and protocol from another
    paper) for each dated row that has such a frontier."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in rows:
        if r["published"]:
            groups[(r["dataset"], r["metric"], r["protocol"])].append(r)
    for group in groups.values():
        group.sort(key=lambda r: r["published"])
        best: list[dict] = []   # the best two earlier rows of different papers, best first
        for _, same_day in groupby(group, key=lambda r: r["published"]):
            day = list(same_day)
            for r in day:
                front = next((b for b in best if not r["paper"] or b["paper"] != r["paper"]), None)
                if front is not None:
                    yield r, front
            for r in day:
                best = _top_two(best, r)


def _top_two(best: list[dict], r: dict) -> list[dict]:
    """The two best rows of different papers among `best` and `r`."""
    ranked = sorted(best + [r], key=lambda x: x["score"], reverse=True)
    out: list[dict] = []
    for x in ranked:
        if not out or not x["paper"] or x["paper"] != out[0]["paper"]:
            out.append(x)
        if len(out) == 2:
            break
    return out


def superseded(db: Database, rows: list[dict]) -> dict[int, str]:
    """Rows showing a number that a later version of their paper changed."""
    out: dict[int, str] = {}
    current = dict(db.execute("SELECT id, version FROM papers WHERE version IS NOT NULL").fetchall())
    by_id = {r["id"]: r for r in rows}
    for r in rows:
        newest = current.get(r["paper"])
        if r["paper_version"] and newest and r["paper_version"] < newest:
            out[r["id"]] = (f"read from v{r['paper_version']} of {r['paper']}; v{newest} no longer "
                            "states this number")
    # (paper, model name, ...): a copy of the paper's number may be a model of its own to
    # identity precisely because its number differs
    changed: dict[tuple, list[tuple[dict, dict]]] = defaultdict(list)
    for h in db.query("SELECT result_id, value, raw_value, paper_version FROM results_history "
                      "WHERE paper_version IS NOT NULL"):
        now = by_id.get(h["result_id"])
        if now and now["paper_version"] and h["paper_version"] < now["paper_version"] and beyond_rounding(
                h["value"], h["raw_value"], now["value"], now["raw_value"]):
            changed[(now["paper"], now["canonical"], now["dataset"], now["metric"], now["protocol"])].append((h, now))
    if not changed:
        return out
    for r in rows:
        key = (r["paper"], r["canonical"], r["dataset"], r["metric"], r["protocol"])
        for old, now in changed.get(key, []):
            if r["id"] != now["id"] and not beyond_rounding(r["value"], r["raw_value"], old["value"], old["raw_value"]) \
                    and beyond_rounding(r["value"], r["raw_value"], now["value"], now["raw_value"]):
                out[r["id"]] = (f"shows {r['value']:g}, what v{old['paper_version']} of {r['paper']} said; "
                                f"v{now['paper_version']} says {now['value']:g} ({now['source']})")
    return out
