"""Benchmark of ingest.extract on the labelled arXiv dev abstracts.

Run from the repository root:

    python -m bench.extraction [--quick]

Figures: precision, recall and F1 on core claims (dataset imagenet-1k, metric one of
top1/top5 acc/err, matched with the hand labels on arxiv id + metric + value), setting
accuracy (share of matched claims whose setting equals the label), and throughput of
``extract_claims`` in abstracts/second against a bare-regex pass over the same texts,
measured in the same run.  The corpus is the dev abstracts repeated with varied ids up
to 100,000 abstracts (5,000 with --quick).

The dev abstracts live beside the repository (../shared/data/arxiv).  Without them the
script says so and exits 0, or 1 when the environment variable CI is "true".
``run(quick)`` returns the table rows so that a combined bench can reuse them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

from ingest.extract import extract_claims

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = REPO.parent / "shared" / "data" / "arxiv"
LABELS = REPO / "tests" / "labels" / "arxiv_dev_labels.json"
DEV_FILES = ("dev_abstracts.json", "dev_abstracts_mirrors.json")
CORE_METRICS = frozenset({"top1_acc", "top5_acc", "top1_err", "top5_err"})
BASELINE_RE = re.compile(r"(\d+(?:\.\d+)?)\s*\\?%")  # what a bare-regex "extractor" would do
TARGETS = {"precision": 0.95, "recall": 0.90, "setting accuracy": 0.85, "speed ratio": 0.2}


def load_dev() -> list[dict]:
    """The dev abstracts (arxiv_id, title, abstract, ...); FileNotFoundError when absent."""
    items: list[dict] = []
    for name in DEV_FILES:
        items += json.loads((DATA_DIR / name).read_text(encoding="utf-8"))
    return items


def _core(claims: list[dict]) -> dict[tuple, dict]:
    """(metric, value) -> first claim, for the core claims only."""
    out: dict[tuple, dict] = {}
    for c in claims:
        if c["dataset"] == "imagenet-1k" and c["metric"] in CORE_METRICS:
            out.setdefault((c["metric"], c["value"]), c)
    return out


def quality(items: list[dict], labels: dict) -> dict[str, float]:
    gold = {(c["id"], c["metric"], c["value"]): c for c in labels["claims"]
            if c["dataset"] == "imagenet-1k" and c["metric"] in CORE_METRICS}
    pred = {}
    for it in items:
        for key, claim in _core(extract_claims(it["abstract"], it["title"])).items():
            pred[(it["arxiv_id"],) + key] = claim
    hits = set(gold) & set(pred)
    precision = len(hits) / len(pred) if pred else 0.0
    recall = len(hits) / len(gold) if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    same_setting = sum(pred[k]["setting"] == gold[k]["setting"] for k in hits)
    return {"precision": precision, "recall": recall, "f1": f1,
            "setting accuracy": same_setting / len(hits) if hits else 0.0}


def throughput(items: list[dict], n: int) -> tuple[float, float]:
    """Abstracts per second of extract_claims and of the bare regex, over the same corpus."""
    corpus = [(f"{items[i % len(items)]['arxiv_id']}v{i}", items[i % len(items)]["abstract"],
               items[i % len(items)]["title"]) for i in range(n)]
    for _, abstract, title in corpus[:200]:  # warm up both (compiled-pattern caches, lru caches)
        extract_claims(abstract, title)
        BASELINE_RE.findall(abstract)
    # Interleave the two in chunks so that a change in machine load hits both alike.
    spent_baseline = spent_ours = 0.0
    for lo in range(0, n, 500):
        chunk = corpus[lo:lo + 500]
        started = time.perf_counter()
        for _, abstract, _ in chunk:
            BASELINE_RE.findall(abstract)
        middle = time.perf_counter()
        for _, abstract, title in chunk:
            extract_claims(abstract, title)
        spent_baseline, spent_ours = spent_baseline + middle - started, spent_ours + time.perf_counter() - middle
    return n / spent_ours, n / spent_baseline


def _row(figure: str, value: float, baseline: float | None = None, target: float | None = None,
         compare: float | None = None) -> dict:
    """compare: the number checked against the target (value itself unless given)."""
    checked = value if compare is None else compare
    return {"figure": figure, "value": value, "baseline": baseline,
            "ratio": value / baseline if baseline else None,
            "target": f">= {target}" if target is not None else None,
            "pass": None if target is None else checked >= target}


def run(quick: bool = False) -> list[dict]:
    """Compute the benchmark rows (figure, value, baseline, ratio, target, pass).

    Raises FileNotFoundError when the dev abstracts are not beside the repository.
    """
    items = load_dev()
    labels = json.loads(LABELS.read_text(encoding="utf-8"))
    q = quality(items, labels)
    ours, baseline = throughput(items, 5_000 if quick else 100_000)
    return [
        _row("precision (core claims)", q["precision"], target=TARGETS["precision"]),
        _row("recall (core claims)", q["recall"], target=TARGETS["recall"]),
        _row("F1 (core claims)", q["f1"]),
        _row("setting accuracy", q["setting accuracy"], target=TARGETS["setting accuracy"]),
        _row("abstracts/s vs bare regex", ours, baseline=baseline, target=TARGETS["speed ratio"],
             compare=ours / baseline),
    ]


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "PASS" if value else "FAIL"
    if isinstance(value, float):
        return f"{value:,.0f}" if value >= 100 else f"{value:.3f}"
    return str(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 abstracts instead of 100,000")
    args = parser.parse_args(argv)
    try:
        rows = run(args.quick)
    except FileNotFoundError as missing:
        print(f"bench.extraction: dev abstracts not found ({missing.filename}); they are expected in "
              f"{DATA_DIR} (../shared/data/arxiv beside the repository).")
        return 1 if os.environ.get("CI") == "true" else 0
    header = ("figure", "value", "baseline", "ratio", "target", "pass")
    table = [header] + [tuple(_fmt(r[h]) for h in header) for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    for line in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
