"""Model identity: merge precision and recall on hand-labelled pairs of names.

`python -m bench.identity [--quick] [--db PATH]` crawls the replay mirror into a fresh database
(the default sources plus the three 2023-12 PWC captures; `--quick` reads only timm's ImageNet
results file), runs the real `reconcile`, and scores tests/labels/identity_pairs.json: a pair is
merged when both names map to the same canonical key in `model_map`. Precision = merged pairs that
are the same model / merged pairs; recall = merged same pairs / same pairs. Figures are printed
for all pairs, the dev half (which guided the rules) and the held-out half (only ever scored).
`--db PATH` scores an existing crawled database instead (reconciling it again first).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import PWC_CAPTURES, REPLAY, REPO

LABELS = REPO / "tests" / "labels" / "identity_pairs.json"
TIMM_RESULTS = "https://raw.githubusercontent.com/huggingface/pytorch-image-models/main/results/results-imagenet.csv"


def load_pairs(path: Path = LABELS) -> list[dict]:
    return json.loads(path.read_text("utf-8"))["pairs"]


def score(key_of: dict, pairs: list[dict]) -> dict:
    """Precision, recall and counts of `pairs` under the name → canonical key map `key_of`."""
    tp = fp = fn = tn = missing = 0
    wrong = []
    for p in pairs:
        ka = key_of.get((p["a"]["source"], p["a"]["name"]))
        kb = key_of.get((p["b"]["source"], p["b"]["name"]))
        if ka is None or kb is None:
            missing += 1
        merged = ka is not None and ka == kb
        if merged and p["same"]:
            tp += 1
        elif merged:
            fp += 1
            wrong.append(("merged", p))
        elif p["same"]:
            fn += 1
            wrong.append(("missed", p))
        else:
            tn += 1
    return {"pairs": len(pairs), "same": tp + fn, "merged": tp + fp,
            "precision": tp / (tp + fp) if tp + fp else 1.0,
            "recall": tp / (tp + fn) if tp + fn else 1.0,
            "missing_names": missing, "wrong": wrong}


def key_map(db_path: Path) -> dict:
    import sqlite3

    conn = sqlite3.connect(db_path)
    try:
        return {(s, m): k for s, m, k in conn.execute("SELECT source, model, canonical_key FROM model_map")}
    finally:
        conn.close()


def unmapped(db_path: Path) -> int:
    """Names the sources give that have no model_map row (must be 0)."""
    import sqlite3

    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("SELECT count(*) FROM (SELECT DISTINCT source, model FROM results) r "
                            "LEFT JOIN model_map m USING (source, model) WHERE m.canonical_key IS NULL").fetchone()[0]
    finally:
        conn.close()


def _sota(db: Path, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "sota", *args, "--db", str(db)], cwd=REPO,
                   capture_output=True, text=True, timeout=900)


def build(db: Path, quick: bool) -> None:
    """A database from the replay mirror, crawled by the real CLI (failures of absent sources are expected)."""
    replay = str(REPLAY)
    if quick:
        _sota(db, "crawl", "timm", "--replay", replay, "--url", TIMM_RESULTS)
        _sota(db, "crawl", "eff", "arxiv", "--replay", replay)
    else:
        _sota(db, "crawl", "--replay", replay)
    _sota(db, "crawl", "pwc", "--replay", replay, *sum((["--url", u] for u in PWC_CAPTURES), []))


def reconcile_again(db_path: Path) -> float:
    from db.connect import open_db, write_transaction
    from db.migrations import ensure_db_shape
    from ingest.reconcile import reconcile

    db = open_db(db_path)
    ensure_db_shape(db)
    start = time.perf_counter()
    with write_transaction(db):
        reconcile(db)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="crawl only timm's ImageNet results file")
    parser.add_argument("--db", type=Path, help="score this crawled database instead of crawling")
    parser.add_argument("--show", action="store_true", help="list the pairs scored wrong")
    args = parser.parse_args(argv)
    if not REPLAY.exists() and args.db is None:
        print(f"{REPLAY} missing: the identity bench needs the replay mirror", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "identity.db"
        if args.db is None:
            build(db, args.quick)
        seconds = reconcile_again(db)
        keys = key_map(db)
        pairs = load_pairs()
        print(f"reconcile {seconds:.1f} s; names without a model_map row: {unmapped(db)}")
        print(f"{'pairs':10} {'n':>4} {'same':>5} {'merged':>6} {'precision':>9} {'recall':>7}")
        for label, subset in (("all", pairs), ("dev", [p for p in pairs if p["split"] == "dev"]),
                              ("held-out", [p for p in pairs if p["split"] == "heldout"])):
            s = score(keys, subset)
            print(f"{label:10} {s['pairs']:>4} {s['same']:>5} {s['merged']:>6} {s['precision']:>9.3f} {s['recall']:>7.3f}")
        if args.show:
            for kind, p in score(keys, pairs)["wrong"]:
                print(f"  {kind:6} [{p['split']}] {p['a']['source']} '{p['a']['name']}' ~ "
                      f"{p['b']['source']} '{p['b']['name']}': {p['why']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
