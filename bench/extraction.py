"""Benchmark of ingest.extract on the two labelled sets of arXiv dev abstracts, set by set.

Run from the repository root:

    python -m bench.extraction [--quick]

Sets.  Set 1: ../shared/data/arxiv/dev_abstracts.json + dev_abstracts_mirrors.json (25
abstracts), labelled in tests/labels/arxiv_dev_labels.json.  Set 2: dev_abstracts_2.json (80
abstracts), labels read from that file at run time.  Both follow the labelling conventions of
dev_abstracts_2.md.

Figures, per set:
- precision / recall / F1 on core claims: dataset imagenet-1k, metric top1/top5 acc/err,
  matched with the labels on arxiv id + metric + value (gains, drops, bounds and non-core
  metrics are claims too, but not scored here);
- setting accuracy: share of matched core claims whose setting equals the label's.  Strict:
  `frozen` (a k-NN or other non-linear read-out of frozen features) and `linear_probe` are
  different settings, as they are different leaderboard protocols in rules/settings.toml, so
  one for the other counts as wrong;
- role accuracy: share of matched core claims whose role (proposed / baseline / variant)
  equals the label's;
- speed: abstracts/s of ``extract_claims`` against a bare-regex pass over the same abstracts
  (the set repeated, with varied ids, to a corpus of N), the ratio being the median of five
  runs that alternate the two.  N = 20,000 per set (1,000 with --quick; 600 for the combined bench).

``run(quick)`` returns the rows the combined bench (bench/run.py) shows: the same figures over
both sets together, without role accuracy (that table has a fixed set of rows).

The dev abstracts live beside the repository (../shared/data/arxiv).  Without them the
script says so and exits 0, or 1 when the environment variable CI is "true".
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

from bench.common import fmt
from ingest.extract import extract_claims

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = REPO.parent / "shared" / "data" / "arxiv"
LABELS = REPO / "tests" / "labels" / "arxiv_dev_labels.json"
SET1_FILES = ("dev_abstracts.json", "dev_abstracts_mirrors.json")
SET2_FILE = "dev_abstracts_2.json"
CORE_METRICS = frozenset({"top1_acc", "top5_acc", "top1_err", "top5_err"})
BASELINE_RE = re.compile(r"(\d+(?:\.\d+)?)\s*\\?%")  # what a bare-regex "extractor" would do
TARGETS = {"precision": 0.97, "recall": 0.95, "setting accuracy": 0.90, "role accuracy": 0.90, "speed ratio": 0.2}
RUNS = 5


def load_sets() -> dict[str, tuple[list[dict], dict]]:
    """{"set 1": (items, gold), "set 2": (items, gold)}: items carry arxiv_id, title, abstract;
    gold maps (id, metric, value) -> {"setting", "role"} for the core claims.
    FileNotFoundError when the dev abstracts are absent."""
    set1: list[dict] = []
    for name in SET1_FILES:
        set1 += json.loads((DATA_DIR / name).read_text(encoding="utf-8"))
    labels = json.loads(LABELS.read_text(encoding="utf-8"))
    gold1 = {(c["id"], c["metric"], float(c["value"])): c for c in labels["claims"] if _core(c)}
    set2 = json.loads((DATA_DIR / SET2_FILE).read_text(encoding="utf-8"))
    gold2 = {(r["arxiv_id"], c["metric"], float(c["value"])): c for r in set2 for c in r["claims"] if _core(c)}
    return {"set 1": (set1, gold1), "set 2": (set2, gold2)}


def _core(claim: dict) -> bool:
    return claim["dataset"] == "imagenet-1k" and claim["metric"] in CORE_METRICS


def quality(items: list[dict], gold: dict) -> dict[str, float]:
    """Precision, recall, F1, setting and role accuracy of the core claims (see the module doc)."""
    pred = {}
    for it in items:
        for c in extract_claims(it["abstract"], it["title"]):
            if _core(c):
                pred.setdefault((it["arxiv_id"], c["metric"], float(c["value"])), c)
    hits = set(gold) & set(pred)
    precision = len(hits) / len(pred) if pred else 0.0
    recall = len(hits) / len(gold) if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    share = (lambda key: sum(pred[k][key] == gold[k][key] for k in hits) / len(hits)) if hits else (lambda key: 0.0)
    return {"precision": precision, "recall": recall, "f1": f1, "setting accuracy": share("setting"),
            "role accuracy": share("role"), "gold": len(gold), "predicted": len(pred)}


def throughput(items: list[dict], n: int, runs: int = RUNS) -> tuple[float, float, float]:
    """(ours, bare regex) abstracts/s over the same corpus of n, each the median of `runs`
    alternating runs, and the median of the runs' ratios."""
    corpus = [(f"{items[i % len(items)]['arxiv_id']}v{i}", items[i % len(items)]["abstract"],
               items[i % len(items)]["title"]) for i in range(n)]
    for _, abstract, title in corpus[:200]:  # warm up both (compiled patterns, caches)
        extract_claims(abstract, title)
        BASELINE_RE.findall(abstract)
    ours, bare, ratios = [], [], []
    for _ in range(runs):
        started = time.perf_counter()
        for _, abstract, _ in corpus:
            BASELINE_RE.findall(abstract)
        middle = time.perf_counter()
        for _, abstract, title in corpus:
            extract_claims(abstract, title)
        ended = time.perf_counter()
        bare.append(n / (middle - started))
        ours.append(n / (ended - middle))
        ratios.append(ours[-1] / bare[-1])
    return statistics.median(ours), statistics.median(bare), statistics.median(ratios)


def _row(figure: str, value: float, baseline: float | None = None, target: float | None = None,
         ratio: float | None = None) -> dict:
    """A table row; `ratio` (ours / baseline) is checked against the target when given."""
    if ratio is None and baseline:
        ratio = value / baseline
    checked = value if ratio is None else ratio
    return {"figure": figure, "value": value, "baseline": baseline, "ratio": ratio,
            "target": f">= {target}" if target is not None else None,
            "pass": None if target is None else checked >= target}


def set_rows(items: list[dict], gold: dict, n: int, prefix: str = "", roles: bool = True) -> list[dict]:
    """The rows of one set (or of several, concatenated)."""
    q = quality(items, gold)
    ours, bare, ratio = throughput(items, n)
    rows = [
        _row(f"{prefix}precision (core claims)", q["precision"], target=TARGETS["precision"]),
        _row(f"{prefix}recall (core claims)", q["recall"], target=TARGETS["recall"]),
        _row(f"{prefix}F1 (core claims)", q["f1"]),
        _row(f"{prefix}setting accuracy", q["setting accuracy"], target=TARGETS["setting accuracy"]),
    ]
    if roles:
        rows.append(_row(f"{prefix}role accuracy", q["role accuracy"], target=TARGETS["role accuracy"]))
    rows.append(_row(f"{prefix}abstracts/s vs bare regex", ours, baseline=bare, target=TARGETS["speed ratio"],
                     ratio=ratio))
    return rows


def run(quick: bool = False) -> list[dict]:
    """The rows of both sets, each under its name ("set 1: precision (core claims)", ...);
    1,000 abstracts per set for the speed figure with `quick`, else 20,000.

    Raises FileNotFoundError when the dev abstracts are not beside the repository.
    """
    rows = []
    for name, (items, gold) in load_sets().items():
        rows += set_rows(items, gold, 1_000 if quick else 20_000, prefix=f"{name}: ")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 abstracts per set instead of 20,000")
    args = parser.parse_args(argv)
    try:
        rows = run(args.quick)
    except FileNotFoundError as missing:
        print(f"bench.extraction: dev abstracts not found ({missing.filename}); they are expected in "
              f"{DATA_DIR} (../shared/data/arxiv beside the repository).")
        return 1 if os.environ.get("CI") == "true" else 0
    n = 1_000 if args.quick else 20_000
    header = ("figure", "value", "baseline", "ratio", "target", "pass")
    table = [header] + [tuple(fmt(r[h]) for h in header) for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    for line in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths)))
    print(f"(speed: {n:,} abstracts per set, ratio = median of {RUNS} alternating runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
