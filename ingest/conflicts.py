"""Where sources disagree about the same canonical model: values and parameter counts.

Numbers are compared in one unit: values in the metric's unit (a source that wrote a fraction
was read as a percent at parse time; its precision is scaled the same way), parameter counts
as absolute counts (each source's unit — PWC's millions included — normalised at parse time).
Two numbers conflict only beyond what the precision the sources print explains: half a unit
of the coarser last printed digit ("91.0%" is 90.95..91.05; "86M" is 85.5M..86.5M), and, for
parameter counts, beyond a relative tolerance as well (rules/metrics.toml [params]: papers
round their counts).

Values: one paper's number for one model (by the paper and the model's name), dataset, metric
and protocol, as each source gives it (the paper's abstract, its tables, the leaderboards that copied it); two papers' results
for one architecture differ by design and are not compared, nor are re-measurements (timm),
which the leaderboard shows beside the reported value. Each source's best row is compared;
the note says which paper version said what (a leaderboard still showing what version 1's
abstract said, after version 2 changed it). Parameter counts: two sources conflict when no
count one gives for a model agrees with any count the other gives (a model listed at two
resolutions or in two variants agrees if either does).
The `conflicts` table is recomputed after each load, writing only on change.
"""
from __future__ import annotations

from collections import defaultdict
from itertools import combinations, product

from sqlite_utils import Database

from rules.metrics import params_relative_tolerance


def decimals(raw: str | None) -> int:
    text = str(raw or "").strip().rstrip("%").strip()
    return len(text.split(".", 1)[1]) if "." in text else 0


def printed_step(raw: str | None, value: float) -> float:
    """One unit of the last digit the source printed, in the stored value's unit: "91.0%" for
    91.0 → 0.1; "0.9104" read as 91.04 → 0.01 (the fraction's 4th decimal is a percent's 2nd)."""
    text = str(raw or "").strip().rstrip("%").strip().replace(",", "")
    try:
        written = float(text)
    except ValueError:
        written = value
    scale = abs(value / written) if written else 1.0
    return 10 ** -decimals(text) * scale


def beyond_rounding(a: float, raw_a: str, b: float, raw_b: str) -> bool:
    """The two values differ by more than half a unit of the coarser printed precision."""
    return abs(a - b) > 0.5 * max(printed_step(raw_a, a), printed_step(raw_b, b)) + 1e-9


def half_unit(count: int) -> float:
    """Half a unit of the last non-zero digit of a count: "30M" written as 30,000,000 is ±500,000."""
    zeros = len(str(count)) - len(str(count).rstrip("0"))
    return 0.5 * 10 ** zeros


def params_differ(a: int, b: int, relative: float | None = None) -> bool:
    """Beyond the rule's relative tolerance (rules/metrics.toml [params], 1%) and beyond the
    rounding of the coarser count ("30M" is 30,000,000 ± 500,000)."""
    if relative is None:
        relative = params_relative_tolerance()
    return abs(a - b) > max(relative * max(a, b), half_unit(a), half_unit(b))


def millions(count: float) -> str:
    """A parameter count as people write it: 2,440M, 356.46M, 7.8M."""
    return f"{count / 1e6:,.3f}".rstrip("0").rstrip(".") + "M"


def find_conflicts(db: Database) -> list[dict]:
    rows = list(db.query(
        "SELECT canonical, canonical_key, dataset, metric, protocol, source, kind, value, raw_value, "
        "params, evidence, source_url, locator, paper_version, id, score, "
        "coalesce(arxiv_id, paper_id) AS paper, (SELECT unit FROM rule_metrics m "
        "WHERE m.metric = results_canonical.metric) AS unit "
        "FROM results_canonical "
        "WHERE coalesce(flags, '') NOT LIKE '%withdrawn%' AND NOT hidden"))
    return value_conflicts(db, rows) + params_conflicts(rows)


def value_conflicts(db: Database, rows: list[dict]) -> list[dict]:
    """The same paper's number as two sources give it, beyond their printed precision."""
    best: dict[tuple, dict] = {}
    for r in rows:
        if r["kind"] != "reported" or not r["paper"]:
            continue
        # One paper, one model name: a copy whose number differs is the pair identity leaves
        # apart (unsure, for review), and the disagreement a reader must see.
        key = (r["canonical"], r["dataset"], r["metric"], r["protocol"], r["paper"], r["source"])
        if key not in best or r["score"] > best[key]["score"]:
            best[key] = r
    groups: dict[tuple, list] = defaultdict(list)
    for key, r in best.items():
        groups[key[:5]].append(r)
    pairs = [(a, b) for members in groups.values()
             for a, b in combinations(sorted(members, key=lambda r: r["source"]), 2)
             if beyond_rounding(a["value"], a["raw_value"], b["value"], b["raw_value"])]
    earlier = _earlier_versions(db, {r["id"] for pair in pairs for r in pair})
    out = []
    for a, b in pairs:
        tolerance = 0.5 * max(printed_step(a["raw_value"], a["value"]), printed_step(b["raw_value"], b["value"]))
        unit = a["unit"] or ""
        note = (f"{_who(a)} says {a['value']:g}{unit}, {_who(b)} says {b['value']:g}{unit}: "
                f"{abs(a['value'] - b['value']):.3g} apart, beyond the printed precision (±{tolerance:.3g})")
        note += _version_note(a, b, earlier) + _version_note(b, a, earlier)
        out.append(_row("value", a, b, a["value"], b["value"], unit, note))
    return out


def params_conflicts(rows: list[dict]) -> list[dict]:
    """Two sources whose parameter counts for a model have no agreeing pair."""
    counts: dict[str, dict[str, dict[int, dict]]] = defaultdict(lambda: defaultdict(dict))
    for r in rows:
        if r["params"]:
            held = counts[r["canonical_key"]][r["source"]].get(r["params"])
            rank = (r["dataset"] == "imagenet-1k", r["score"])
            if held is None or rank > (held["dataset"] == "imagenet-1k", held["score"]):
                counts[r["canonical_key"]][r["source"]][r["params"]] = r
    out = []
    relative = params_relative_tolerance()
    for by_source in counts.values():
        for (sa, ca), (sb, cb) in combinations(sorted(by_source.items()), 2):
            pairs = list(product(ca.values(), cb.values()))
            if any(not params_differ(a["params"], b["params"], relative) for a, b in pairs):
                continue
            a, b = min(pairs, key=lambda p: abs(p[0]["params"] - p[1]["params"]) / max(p[0]["params"], p[1]["params"]))
            gap = abs(a["params"] - b["params"]) / max(a["params"], b["params"])
            note = (f"{_who(a)} gives {millions(a['params'])} parameters, {_who(b)} "
                    f"{millions(b['params'])}: {gap:.1%} apart, beyond {relative:.0%} and the printed precision "
                    f"(±{millions(max(half_unit(a['params']), half_unit(b['params'])))})")
            out.append(_row("params", a, b, a["params"], b["params"], "params", note))
    return out


def _who(r: dict) -> str:
    """The source, and the paper version it read when it names one: "arxiv (v2)"."""
    return r["source"] + (f" (v{r['paper_version']})" if r.get("paper_version") else "")


def _earlier_versions(db: Database, ids: set[int]) -> dict[int, list[dict]]:
    """For each result id, the earlier versions of its number that named a paper version."""
    found: dict[int, list[dict]] = defaultdict(list)
    ids = sorted(ids)
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        for h in db.query(
                f"SELECT result_id, value, raw_value, paper_version FROM results_history "
                f"WHERE result_id IN ({', '.join('?' * len(chunk))}) AND paper_version IS NOT NULL "
                f"ORDER BY id", chunk):
            found[h["result_id"]].append(h)
    return found


def _version_note(newer: dict, other: dict, earlier: dict[int, list[dict]]) -> str:
    """"; pwc's 90.4 is what v1 said (v2 changed it)" when an earlier version of `newer`'s
    paper gave `other`'s number."""
    for h in earlier.get(newer["id"], []):
        if h["paper_version"] != newer.get("paper_version") and not beyond_rounding(
                h["value"], h["raw_value"], other["value"], other["raw_value"]):
            return (f"; {other['source']}'s {other['value']:g}{other['unit'] or ''} is what "
                    f"v{h['paper_version']} said "
                    f"(v{newer['paper_version']} changed it)")
    return ""


def _row(field, a, b, value_a, value_b, unit, note) -> dict:
    return {
        "model": a["canonical"], "canonical_key": a["canonical_key"], "field": field,
        "dataset": a["dataset"] if field == "value" else None,
        "metric": a["metric"] if field == "value" else None,
        "protocol": a["protocol"] if field == "value" else None,
        "source_a": a["source"], "value_a": value_a, "result_a": a["id"],
        "evidence_a": a["evidence"], "source_url_a": a["source_url"],
        "source_b": b["source"], "value_b": value_b, "result_b": b["id"],
        "evidence_b": b["evidence"], "source_url_b": b["source_url"],
        "unit": unit, "locator_a": a["locator"], "locator_b": b["locator"],
        "version_a": a["paper_version"], "version_b": b["paper_version"], "note": note,
    }


def save_conflicts(db: Database) -> int:
    """Replace the `conflicts` table's rows when they changed; return how many there are."""
    rows = find_conflicts(db)
    signature = lambda r: (r["field"], r["canonical_key"], r["dataset"], r["metric"], r["protocol"],
                           r["result_a"], r["result_b"], r["value_a"], r["value_b"], r["note"])
    stored = {signature(r) for r in db.query("SELECT * FROM conflicts")}
    if stored != {signature(r) for r in rows}:
        db.execute("DELETE FROM conflicts")
        if rows:
            db["conflicts"].insert_all(rows)
    return len(rows)
