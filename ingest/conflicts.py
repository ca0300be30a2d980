"""Where sources disagree about the same canonical model: values and parameter counts.

Values: per canonical model, dataset, metric and protocol, each reported
source's best number; two sources conflict when their numbers differ by more
than rounding explains (half a unit in the last decimal either wrote).
Measured re-evaluations are compared on the leaderboard, not here: a re-run of
a checkpoint is expected to differ from a paper. Parameter counts: any two
sources (measured included) whose counts for a model differ by more than 1%
and more than the rounding of the coarser count.
Two numbers from different papers (a ResNet-50 trained two ways) are not a
conflict. The `conflicts` table is recomputed after each load, writing only
on change.
"""
from __future__ import annotations

from collections import defaultdict
from itertools import combinations

from sqlite_utils import Database

PARAMS_TOLERANCE = 0.01


def decimals(raw: str | None) -> int:
    text = str(raw or "").strip().rstrip("%").strip()
    return len(text.split(".", 1)[1]) if "." in text else 0


def beyond_rounding(a: float, raw_a: str, b: float, raw_b: str) -> bool:
    places = min(decimals(raw_a), decimals(raw_b))
    return abs(a - b) > 0.5 * 10 ** -places + 1e-9


def params_differ(a: int, b: int) -> bool:
    """Beyond 1% and beyond the rounding of the coarser count ("30M" is 30,000,000 ± 500,000)."""
    def half_unit(n: int) -> float:
        zeros = len(str(n)) - len(str(n).rstrip("0"))
        return 0.5 * 10 ** zeros
    return abs(a - b) > max(PARAMS_TOLERANCE * max(a, b), half_unit(a), half_unit(b))


def find_conflicts(db: Database) -> list[dict]:
    rows = db.query(
        "SELECT canonical, canonical_key, dataset, metric, protocol, source, kind, value, raw_value, "
        "params, evidence, source_url, id, score, coalesce(arxiv_id, paper_id) AS paper "
        "FROM results_canonical "
        "WHERE coalesce(flags, '') NOT LIKE '%withdrawn%' AND NOT hidden")
    best: dict[tuple, dict] = {}
    params: dict[str, dict[str, dict]] = defaultdict(dict)
    for r in rows:
        if r["kind"] == "reported":
            key = (r["canonical_key"], r["dataset"], r["metric"], r["protocol"], r["source"])
            if key not in best or r["score"] > best[key]["score"]:
                best[key] = r
        if r["params"]:
            # per source, the count on its best imagenet-1k row (else any row)
            held = params[r["canonical_key"]].get(r["source"])
            rank = (r["dataset"] == "imagenet-1k", r["score"])
            if held is None or rank > (held["dataset"] == "imagenet-1k", held["score"]):
                params[r["canonical_key"]][r["source"]] = r
    groups: dict[tuple, list] = defaultdict(list)
    for (ck, ds, metric, protocol, _), r in best.items():
        groups[(ck, ds, metric, protocol)].append(r)
    out = []
    for (ck, ds, metric, protocol), members in groups.items():
        for a, b in combinations(sorted(members, key=lambda r: r["source"]), 2):
            if a["paper"] and b["paper"] and a["paper"] != b["paper"]:
                continue  # two papers' results for one architecture differ by design
            if beyond_rounding(a["value"], a["raw_value"], b["value"], b["raw_value"]):
                out.append(_row("value", a, b, ds, metric, protocol, a["value"], b["value"]))
    for ck, by_source in params.items():
        for a, b in combinations(sorted(by_source.values(), key=lambda r: r["source"]), 2):
            if params_differ(a["params"], b["params"]):
                out.append(_row("params", a, b, None, None, None, a["params"], b["params"]))
    return out


def _row(field, a, b, dataset, metric, protocol, value_a, value_b) -> dict:
    return {
        "model": a["canonical"], "canonical_key": a["canonical_key"], "field": field,
        "dataset": dataset, "metric": metric, "protocol": protocol,
        "source_a": a["source"], "value_a": value_a, "result_a": a["id"],
        "evidence_a": a["evidence"], "source_url_a": a["source_url"],
        "source_b": b["source"], "value_b": value_b, "result_b": b["id"],
        "evidence_b": b["evidence"], "source_url_b": b["source_url"],
    }


def save_conflicts(db: Database) -> int:
    """Replace the `conflicts` table's rows when they changed; return how many there are."""
    rows = find_conflicts(db)
    signature = lambda r: (r["field"], r["canonical_key"], r["dataset"], r["metric"], r["protocol"],
                           r["result_a"], r["result_b"], r["value_a"], r["value_b"])
    stored = {signature(r) for r in db.query("SELECT * FROM conflicts")}
    if stored != {signature(r) for r in rows}:
        db.execute("DELETE FROM conflicts")
        if rows:
            db["conflicts"].insert_all(rows)
    return len(rows)
