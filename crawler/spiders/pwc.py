"""Papers With Code leaderboard pages (archived in the Wayback Machine).

The table is the JSON inside `<script id="evaluation-table-data">` (falling
back to `community-table-data`). Rows are keyed on `row_id`: method names repeat.
"""
from __future__ import annotations

import json
import re

from crawler.items import ResultItem, now_iso
from crawler.spiders.base import SourceSpider
from ingest.normalize import date_only, params_absolute, parse_number
from rules.corpora import from_leaderboard_tags as corpus_from_leaderboard_tags
from rules.settings import setting_from_label

PWC_SITE = "https://paperswithcode.com"
PARAM_KEYS = ("Number of params", "Number of Params")


def page_slug(url: str) -> str | None:
    match = re.search(r"paperswithcode\.com/sota/([a-z0-9-]+)", url)
    return match.group(1) if match else None


class PwcSpider(SourceSpider):
    name = "pwc"

    async def start(self):
        for url in self.start_urls:
            yield self.request(url, self.parse)

    def parse(self, response):
        """A leaderboard page → one result per row and accuracy metric.

        @url https://web.archive.org/web/20231214000000id_/https://paperswithcode.com/sota/image-classification-on-imagenet
        @returns items 900
        """
        slug = page_slug(response.url)
        page = self.conf["pages"].get(slug or "")
        if page is None:
            self.fail(response.url, f"not a known leaderboard page (slug {slug!r})")
            return
        rows, error = table_rows(response)
        if error:
            self.fail(response.url, error)
            return
        dataset, default_setting = page[0], page[1] or None
        fetched = now_iso()
        for row in rows:
            yield from self.row_items(row, slug, dataset, default_setting, response.url, fetched)

    def row_items(self, row, slug, dataset, default_setting, url, fetched):
        evidence = json.dumps(row, ensure_ascii=False, sort_keys=True)
        if not isinstance(row, dict) or "row_id" not in row or not row.get("method"):
            yield self.reject(url, evidence, "row without row_id or method")
            return
        metrics = row.get("metrics") or {}
        raw_metrics = row.get("raw_metrics") or {}
        found = [(k, m) for k, m in self.conf["metrics"].items()
                 if metrics.get(k) is not None or raw_metrics.get(k) is not None]
        if not found:
            yield self.reject(url, evidence, "no accuracy metric in row")
            return
        tags = [t.get("name", "") for t in row.get("tags") or [] if isinstance(t, dict)]
        corpus = corpus_from_leaderboard_tags(tags)
        uses_extra = bool(row.get("uses_additional_data")) or corpus is not None
        paper = paper_record(row.get("paper") or {})
        published = (paper or {}).get("published") or date_only(row.get("evaluation_date"))
        try:
            params = next((params_absolute(raw_metrics.get(k)) for k in PARAM_KEYS
                           if raw_metrics.get(k) is not None), None)
        except ValueError:
            params = None
        setting = setting_for(row["method"], default_setting)
        for column, (metric, data_note) in found:
            raw = metrics.get(column)
            try:
                value = parse_number(raw_metrics.get(column) if raw_metrics.get(column) is not None else raw)
            except ValueError as exc:
                yield self.reject(url, evidence, f"{column}: {exc}")
                continue
            yield ResultItem(
                source=self.name, key=f"pwc|{slug}|{row['row_id']}|{column}",
                model=row["method"].strip(), dataset=dataset, metric=metric, value=value,
                raw_value=str(raw if raw is not None else raw_metrics.get(column)),
                source_url=url, fetched_at=fetched, evidence=evidence, kind="reported",
                setting=setting,
                extra_data=True if (uses_extra or data_note == "private data") else False,
                extra_data_corpus=corpus or (data_note or None),
                params=params, published=published, paper=paper,
            )


def table_rows(response) -> tuple[list, str | None]:
    """The evaluation table's rows, or an error saying why there are none."""
    for script_id in ("evaluation-table-data", "community-table-data"):
        text = response.css(f"script#{script_id}::text").get()
        if text is None:
            continue
        try:
            rows = json.loads(text)
        except json.JSONDecodeError as exc:
            return [], f"invalid JSON in <script id={script_id}>: {exc}"
        if not isinstance(rows, list):
            return [], f"<script id={script_id}> is not a list"
        if rows:
            return rows, None
    return [], "no evaluation-table-data rows on the page"


def paper_record(paper: dict) -> dict | None:
    if not paper.get("url") and not paper.get("title"):
        return None
    path = paper.get("url") or ""
    slug = path.rstrip("/").rsplit("/", 1)[-1] if path else str(paper.get("id"))
    return {
        "id": f"pwc:{slug}",
        "arxiv_id": None,
        "title": paper.get("title"),
        "url": PWC_SITE + path if path.startswith("/") else path or None,
        "published": date_only(paper.get("published")),
    }


def setting_for(method: str, default: str | None) -> str | None:
    """The page decides the protocol; a row label that names one ("(frozen)") overrides it."""
    return setting_from_label(method) or default
