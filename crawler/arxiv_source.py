"""The arXiv source: papers from the `arxiv` client, claims from their abstracts.

Runs in the crawl child process like a spider and writes the same run folder:
`items.jsonl` (a paper line per paper, a result line per claim), the response
archive, and a summary whose `cursor` is the newest submission time seen (the
parent stores it, so the next run asks only for newer papers).
"""
from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path

from crawler.archive import ResponseArchive
from crawler.arxiv_fetch import fetch_papers, make_client, window_queries
from crawler.items import PaperItem, now_iso
from crawler.sources import get_source, source_query
from ingest.claims import claim_items


def paper_item(p: dict) -> PaperItem:
    return PaperItem(
        id=p["arxiv_id"], arxiv_id=p["arxiv_id"], title=p["title"], url=p["url"],
        published=p.get("published"), version=p.get("version"), authors=p.get("authors"),
        abstract=p.get("abstract"), categories=p.get("categories"),
        primary_category=p.get("primary_category"), updated=p.get("updated"),
        comment=p.get("comment"), journal_ref=p.get("journal_ref"), doi=p.get("doi"),
        links=p.get("links"),
    )


def run(source: str, out_dir: Path, urls: list[str] | None = None, replay_base: str | None = None,
        since: str | None = None, until: str | None = None) -> dict:
    conf = get_source(source)
    out_dir.mkdir(parents=True, exist_ok=True)
    query = source_query(conf, urls)
    archive = ResponseArchive(out_dir)
    client = make_client(replay_base, archive, delay_seconds=conf.get("delay_seconds", 3.0),
                         timeout=conf.get("timeout_seconds", 30), page_size=conf.get("page_size", 100))
    if since and until:
        windows = window_queries(date.fromisoformat(since[:10]), date.fromisoformat(until[:10]),
                                 conf.get("backfill_window_days", 30))
        spans = [(a.isoformat(), b.isoformat()) for a, b in windows]
    else:
        spans = [(since, None)]
    errors, newest, papers, claims = [], None, 0, 0
    fetched_at = now_iso()
    with open(out_dir / "items.jsonl", "w", encoding="utf-8") as out:
        try:
            for lo, hi in spans:
                limit = None if (lo or hi) else conf.get("initial_max_results")
                for paper in fetch_papers(query, since=lo, until=hi, client=client, max_results=limit):
                    papers += 1
                    out.write(json.dumps(dataclasses.asdict(paper_item(paper)), ensure_ascii=False) + "\n")
                    for item in claim_items({**paper, "id": paper["arxiv_id"]}, fetched_at):
                        claims += 1
                        out.write(json.dumps(dataclasses.asdict(item), ensure_ascii=False) + "\n")
                    stamp = paper["published"]
                    newest = max(newest or stamp, stamp)
        except Exception as exc:  # one line for the run's error column; the daemon goes on
            errors.append(f"{type(exc).__name__}: {exc}".splitlines()[0][:300])
        finally:
            archive.close()
    # incremental: an empty answer means "nothing new since the cursor", not a failure.
    return {"source": source, "errors": errors, "cursor": newest, "query": query,
            "incremental": True, "stats": {"papers": papers, "claims": claims}}
