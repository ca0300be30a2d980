"""sota-extractor task dumps (EFF AI-metrics, RedditSota): Task → datasets → sota.rows.

Only datasets named in the registry's `datasets` table are read. Values are
numbers (EFF's fractions: 0.28191 → 28.191%) or strings with or without `%`.
ILSVRC rows have no `paper_date`; the year comes from the competition name
("ILSVRC2015 Results" → 2015, counted as 31 December), else the month from an
arXiv id in the paper URL. A row named "withdrawn" is kept and flagged.
"""
from __future__ import annotations

import calendar
import json
import re

from crawler.items import ResultItem, now_iso
from crawler.spiders.base import SourceSpider
from ingest.normalize import parse_number

YEAR_IN_TITLE = re.compile(r"ILSVRC\s?(\d{4})|Competition (\d{4})", re.I)
ARXIV_IN_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/(\d{2})(\d{2})\.\d{4,5}")


def result_date(row: dict) -> tuple[str | None, str | None]:
    """(YYYY-MM-DD, precision) for a dump row; (None, None) when nothing dates it."""
    if row.get("paper_date"):
        return str(row["paper_date"])[:10], "day"
    match = YEAR_IN_TITLE.search(row.get("paper_title") or "")
    if match:
        return f"{match.group(1) or match.group(2)}-12-31", "year"
    match = ARXIV_IN_URL.search(row.get("paper_url") or "")
    if match:
        year, month = 2000 + int(match.group(1)), int(match.group(2))
        return f"{year}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}", "month"
    return None, None


def arxiv_id(url: str) -> str | None:
    match = re.search(r"arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})", url or "")
    return match.group(1) if match else None


def walk(tasks: list, path: tuple = ()):
    """(task path, dataset) for every dataset in a task tree, subtasks and subdatasets included."""
    for task in tasks or []:
        if not isinstance(task, dict):
            continue
        here = path + (str(task.get("task", "")),)
        stack = list(task.get("datasets") or [])
        while stack:
            dataset = stack.pop(0)
            if isinstance(dataset, dict):
                yield here, dataset
                stack.extend(dataset.get("subdatasets") or [])
        yield from walk(task.get("subtasks") or [], here)


class TaskDumpSpider(SourceSpider):
    """One spider for every source in this format; crawler.run names it after the source."""

    name = "taskdump"

    async def start(self):
        for url in self.start_urls:
            yield self.request(url, self.parse)

    def parse(self, response):
        """A task dump → one result per ImageNet row and known metric.

        @url https://raw.githubusercontent.com/paperswithcode/sota-extractor/master/data/tasks/eff.json
        @returns items 9 9
        """
        try:
            tasks = json.loads(response.body.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            self.fail(response.url, f"not a JSON task dump: {exc}")
            return
        if not isinstance(tasks, list):
            self.fail(response.url, "not a JSON task dump: top level is not a list")
            return
        fetched = now_iso()
        for path, dataset in walk(tasks):
            name = str(dataset.get("dataset") or dataset.get("subdataset") or "")
            dataset_id = self.conf["datasets"].get(name.strip().lower())
            if dataset_id is None:
                continue
            for row in (dataset.get("sota") or {}).get("rows") or []:
                yield from self.row_items(row, path, name, dataset_id, response.url, fetched)

    def row_items(self, row, path, dataset_name, dataset_id, url, fetched):
        evidence = json.dumps(row, ensure_ascii=False, sort_keys=True)
        if not isinstance(row, dict) or not isinstance(row.get("metrics"), dict):
            yield self.reject(url, evidence, "row without metrics")
            return
        name = (row.get("model_name") or "").strip()
        flags = "withdrawn" if name.lower() == "withdrawn" else None
        title = (row.get("paper_title") or "").strip()
        if not name or flags:
            # RedditSota leaves names empty and EFF writes "withdrawn": the paper names the model.
            name = title.split(":")[0].strip() or title
        if not name:
            yield self.reject(url, evidence, "row names neither a model nor a paper")
            return
        published, precision = result_date(row)
        aid = arxiv_id(row.get("paper_url"))
        paper = None
        if title or row.get("paper_url"):
            paper = {"id": aid or f"url:{row.get('paper_url') or title}", "arxiv_id": aid,
                     "title": title or None, "url": row.get("paper_url"),
                     "published": published if precision == "day" else None}
        for metric_name, raw in row["metrics"].items():
            rule = self.conf["metrics"].get(str(metric_name).strip().lower())
            if rule is None:
                yield self.reject(url, evidence, f"unknown metric {metric_name!r}")
                continue
            metric, scale = rule
            try:
                value = parse_number(raw)
            except ValueError as exc:
                yield self.reject(url, evidence, f"{metric_name}: {exc}")
                continue
            if scale == "fraction" and not str(raw).strip().endswith("%"):
                value = round(value * 100, 6)
            yield ResultItem(
                source=self.name,
                key=f"{self.name}|{'/'.join(path)}|{dataset_name}|{title}|{row.get('model_name')}|{metric_name}",
                model=name, dataset=dataset_id, metric=metric, value=value, raw_value=str(raw),
                source_url=url, fetched_at=fetched, evidence=evidence, kind="reported",
                published=published, date_precision=precision, paper=paper, flags=flags,
            )
