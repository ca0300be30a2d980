"""Abstract claims as result items: what `extract_claims` found, with provenance."""
from __future__ import annotations

import re
from collections import Counter

from ingest.items import ResultItem
from ingest.extract import extract_claims


def claim_items(paper: dict, fetched_at: str) -> list[ResultItem]:
    """Every ImageNet claim of the paper's abstract as a `reported` result with its `role`:
    the paper's own results (`proposed`), the numbers it quotes for other models (`baseline`:
    they confirm other sources' rows, never make a record themselves), its ablations
    (`variant`), and gains, drops and bounds under their own metrics (rules/metrics.toml
    says which metrics rank: those never do).

    The key names the paper, dataset, metric, setting, role (when not the paper's own) and
    model, so a new abstract version that changes a number updates the row (history keeps
    the old one); an ordinal separates two claims that share all of those.
    """
    claims = extract_claims(paper.get("abstract") or "", paper.get("title") or "")
    ref = {"id": paper["id"], "arxiv_id": paper["arxiv_id"], "title": paper["title"],
           "url": paper["url"], "published": paper.get("published"), "version": paper.get("version")}
    # Where a reader finds the number: this version of the abstract, these characters.
    version = f"v{paper['version']}" if paper.get("version") else ""
    where = f"abstract of arXiv:{paper['arxiv_id']}{version}, characters"
    seen: Counter = Counter()
    items = []
    for claim in claims:
        model_key = re.sub(r"[^a-z0-9]+", "", str(claim["model"]).lower())
        role = claim.get("role") or "proposed"
        base = (f"arxiv|{paper['arxiv_id']}|{claim['dataset']}|{claim['metric']}|{claim.get('setting')}|"
                + (f"{role}|" if role != "proposed" else "") + model_key)
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
            evidence_end=claim["end"], role=role, locator=f"{where} {claim['start']}-{claim['end']}",
        ))
    return items
