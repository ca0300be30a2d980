"""arXiv HTML renderings (LaTeXML) of stored papers: every ImageNet accuracy cell of their
result tables (ingest.table_claims), each with its cell as evidence and a locator.

A paper's page is `https://arxiv.org/html/<id>` (arXiv answers with its newest rendering, the
version in the URL it redirects to); when arXiv has none, ar5iv's rendering
`https://ar5iv.labs.arxiv.org/html/<id>` stands in (`fallback`); a 404 from both is a recorded
fact ("no HTML" for that version, retried when a new version appears), not a failed run
(`missing_ok`). Which papers to fetch is the parent's choice (`targets = "imagenet_papers"` in
the registry: runs.crawl asks the database for papers that mention ImageNet and have no state
for their current version). Only cells with a named dataset become results: the table
extractor leaves an accuracy column whose dataset nothing names with dataset None.
"""
from __future__ import annotations

import re

from crawler.pages.base import Page, PageError, SourcePages
from ingest.items import ResultItem
from ingest.table_claims import extract_table_values

ARXIV_HTML = "https://arxiv.org/html/"
AR5IV_HTML = "https://ar5iv.labs.arxiv.org/html/"
PAGE_URL = re.compile(r"^https?://(?:arxiv\.org|ar5iv\.labs\.arxiv\.org|ar5iv\.org)/html/"
                      r"(?P<id>\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v(?P<version>\d+))?/?(?:[#?].*)?$")


def paper_of(url: str) -> tuple[str, int | None] | None:
    """(arXiv id, version or None) of an arXiv or ar5iv HTML page URL."""
    found = PAGE_URL.match(url)
    if not found:
        return None
    return found["id"], int(found["version"]) if found["version"] else None


def page_url(arxiv_id: str) -> str:
    return ARXIV_HTML + arxiv_id


class ArxivHtmlPages(SourcePages):
    rules = ("corpora", "settings")
    code = SourcePages.code + ("ingest.table_claims", "ingest.html_tables", "ingest.table_cells",
                               "ingest.table_columns", "ingest.table_grid", "ingest.table_layout",
                               "ingest.table_roles", "ingest.table_vocab")

    def target_url(self, paper_id: str) -> str:
        return page_url(paper_id)

    def summary(self) -> dict:
        # Papers without HTML are facts: a run that found no tables is not a failure.
        return {"incremental": True}

    def fallback(self, url: str) -> str | None:
        found = paper_of(url)
        if found and url.startswith(ARXIV_HTML):
            return AR5IV_HTML + found[0]
        return None

    def missing_ok(self, url: str) -> bool:
        return paper_of(url) is not None

    def parse(self, page: Page):
        found = paper_of(page.url)
        if found is None:
            raise PageError("not an arXiv or ar5iv HTML page URL")
        arxiv_id, version = found
        try:
            records = extract_table_values(page.body, arxiv_id)
        except ValueError as exc:
            raise PageError(f"no readable HTML: {exc}") from None
        paper = {"id": arxiv_id, "arxiv_id": arxiv_id, "title": None,
                 "url": f"https://arxiv.org/abs/{arxiv_id}", "published": None}
        for r in records:
            if not r.get("dataset") or r.get("value") is None:
                continue   # an accuracy column whose dataset the paper never names
            table = r["table_id"]
            corpus = r.get("extra_data")
            yield ResultItem(
                source=self.source,
                key=f"{self.source}|{arxiv_id}|{table}|{r['row']}|{r['col']}|{r['metric']}",
                model=r["model"] or f"{table} row {r['row']}", dataset=r["dataset"], metric=r["metric"],
                value=float(r["value"]), raw_value=str(r.get("raw_value") or r["value"]),
                source_url=f"{ARXIV_HTML}{arxiv_id}{f'v{version}' if version else ''}#{table}",
                fetched_at=page.fetched_at, evidence=r.get("evidence"), kind="reported",
                setting=r.get("setting"), extra_data=None if corpus is None else bool(corpus),
                extra_data_corpus=corpus if isinstance(corpus, str) else None,
                params=r.get("params"), resolution=r.get("resolution"), paper=paper, role=r.get("role"),
                locator=f"{table} row {r['row']} col {r['col']} ({r.get('header') or 'value'}: "
                        f"{r.get('evidence')!r}); caption: {(r.get('caption') or '')[:200]}",
            )
