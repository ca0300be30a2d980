"""Abstract claims as result items: what `extract_claims` found, with provenance."""
from __future__ import annotations

import re
from collections import Counter

from ingest.items import ResultItem
from ingest.extract import extract_claims
from rules.metrics import leaderboard_metrics


def claim_items(paper: dict, fetched_at: str) -> list[ResultItem]:
    """Every result the paper reports for its own models in its abstract, as a `reported`
    result: claims with a leaderboard metric (rules/metrics.toml) whose role is not
    `baseline`.  A baseline number is another paper's result, and a gain, drop or bound
    is no value to rank; the results table has no column for either, so they stay in
    `sota extract`'s output.

    The key names the paper, dataset, metric, setting and model, so a new
    abstract version that changes a number updates the row (history keeps the
    old one); an ordinal separates two claims that share all of those.
    """
    ranked = set(leaderboard_metrics())
    claims = [c for c in extract_claims(paper.get("abstract") or "", paper.get("title") or "")
              if c["metric"] in ranked and c.get("role") != "baseline"]
    ref = {"id": paper["id"], "arxiv_id": paper["arxiv_id"], "title": paper["title"],
           "url": paper["url"], "published": paper.get("published")}
    seen: Counter = Counter()
    items = []
    for claim in claims:
        model_key = re.sub(r"[^a-z0-9]+", "", str(claim["model"]).lower())
        base = f"arxiv|{paper['arxiv_id']}|{claim['dataset']}|{claim['metric']}|{claim.get('setting')}|{model_key}"
        seen[base] += 1
        extra = claim.get("extra_data")
        items.append(ResultItem(
            source="arxiv", key=base if seen[base] == 1 else f"{base}#{seen[base]}",
            model=claim["model"], dataset=claim["dataset"], metric=claim["metric"],
            value=float(claim["value"]), raw_value=str(claim.get("raw_value") or claim["value"]),
            source_url=paper["url"], fetched_at=fetched_at, evidence=claim["evidence"],
            kind="reported", setting=claim.get("setting"),
            extra_data=None if extra is None else bool(extra),
            extra_data_corpus=extra if isinstance(extra, str) else None,
            params=claim.get("params"), published=paper.get("published"), paper=ref,
            confidence=claim.get("confidence"), evidence_start=claim["start"],
            evidence_end=claim["end"],
        ))
    return items
