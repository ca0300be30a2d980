"""Papers With Code leaderboard pages (archived in the Wayback Machine).

The table is the JSON inside `<script id="evaluation-table-data">` (falling back to
`community-table-data`). Rows are keyed on `row_id`: method names repeat. The page's slug
says the dataset and default setting (registry `pages`); a row label naming a setting
("CoCa (frozen)") overrides it.
"""
from __future__ import annotations

import json
import re

from parsel import Selector

from crawler.pages.base import Page, PageError, SourcePages
from ingest.items import ResultItem
from ingest.normalize import date_only, params_count, parse_number
from rules.corpora import from_leaderboard_tags
from rules.metrics import params_millions_below
from rules.settings import setting_from_label

PWC_SITE = "https://paperswithcode.com"
PARAM_KEYS = ("Number of params", "Number of Params")


def page_slug(url: str) -> str | None:
    match = re.search(r"paperswithcode\.com/sota/([a-z0-9-]+)", url)
    return match.group(1) if match else None


def table_rows(page: Page) -> list:
    """The evaluation table's rows, or PageError saying why there are none."""
    selector = Selector(text=page.text())
    for script_id in ("evaluation-table-data", "community-table-data"):
        text = selector.css(f"script#{script_id}::text").get()
        if text is None:
            continue
        try:
            rows = json.loads(text)
        except json.JSONDecodeError as exc:
            raise PageError(f"invalid JSON in <script id={script_id}>: {exc}") from None
        if not isinstance(rows, list):
            raise PageError(f"<script id={script_id}> is not a list")
        if rows:
            return rows
    raise PageError("no evaluation-table-data rows on the page")


def paper_record(paper: dict) -> dict | None:
    if not isinstance(paper, dict) or (not paper.get("url") and not paper.get("title")):
        return None
    path = paper.get("url") or ""
    slug = path.rstrip("/").rsplit("/", 1)[-1] if path else str(paper.get("id"))
    return {
        "id": f"pwc:{slug}",
        "arxiv_id": None,
        "title": paper.get("title"),
        "url": PWC_SITE + path if path.startswith("/") else path or None,
        "published": date_only(paper.get("published")),
        # PWC's "paper has code" mark (a reader's first check of a claim); absent = unknown.
        "has_code": None if paper.get("code") is None else int(bool(paper.get("code"))),
    }


class PwcPages(SourcePages):
    rules = ("corpora", "settings", "metrics")

    def fallback(self, url: str) -> str | None:
        """The pinned capture (registry `fallback_urls`) of the leaderboard `url` names, for
        when `url` answers 404: a Wayback timestamp with no capture, or a replay mirror that
        holds only the pinned captures."""
        slug = page_slug(url)
        return next((u for u in self.conf.get("fallback_urls") or []
                     if page_slug(u) == slug and u != url), None)

    def parse(self, page: Page):
        slug = page_slug(page.url)
        known = self.conf["pages"].get(slug or "")
        if known is None:
            raise PageError(f"not a known leaderboard page (slug {slug!r})")
        dataset, default_setting = known[0], known[1] or None
        for index, row in enumerate(table_rows(page)):
            evidence = json.dumps(row, ensure_ascii=False, sort_keys=True)
            yield from self.record(page, evidence, f"evaluation-table-data row {index}",
                                   self.row_items(page, row, evidence, index, slug, dataset, default_setting))

    def row_items(self, page: Page, row, evidence: str, index: int, slug: str, dataset: str, default_setting):
        if not isinstance(row, dict) or "row_id" not in row or not isinstance(row.get("method"), str) \
                or not row["method"].strip():
            yield self.reject(page, evidence, "row without row_id or method")
            return
        metrics = row.get("metrics") or {}
        raw_metrics = row.get("raw_metrics") or {}
        found = [(k, m) for k, m in self.conf["metrics"].items()
                 if metrics.get(k) is not None or raw_metrics.get(k) is not None]
        if not found:
            yield self.reject(page, evidence, "no accuracy metric in row")
            return
        tags = [t.get("name", "") for t in row.get("tags") or [] if isinstance(t, dict)]
        corpus = from_leaderboard_tags(tags)
        uses_extra = bool(row.get("uses_additional_data")) or corpus is not None
        paper = paper_record(row.get("paper") or {})
        published = (paper or {}).get("published") or date_only(row.get("evaluation_date"))
        try:
            params = next((params_count(raw_metrics.get(k), params_millions_below()) for k in PARAM_KEYS
                           if raw_metrics.get(k) is not None), None)
        except ValueError:
            params = None
        # The page decides the protocol; a row label that names one ("(frozen)") overrides it.
        setting = setting_from_label(row["method"]) or default_setting
        for column, (metric, data_note) in found:
            raw = metrics.get(column)
            try:
                value = parse_number(raw_metrics.get(column) if raw_metrics.get(column) is not None else raw)
            except ValueError as exc:
                yield self.reject(page, evidence, f"{column}: {exc}")
                continue
            yield ResultItem(
                source=self.source, key=f"pwc|{slug}|{row['row_id']}|{column}",
                model=row["method"].strip(), dataset=dataset, metric=metric, value=value,
                raw_value=str(raw if raw is not None else raw_metrics.get(column)),
                source_url=page.url, fetched_at=page.fetched_at, evidence=evidence, kind="reported",
                setting=setting,
                extra_data=True if (uses_extra or data_note == "private data") else False,
                extra_data_corpus=corpus or (data_note or None),
                params=params, published=published, paper=paper,
                locator=f"evaluation-table-data row {index} (row_id {row['row_id']}), {column}",
            )
