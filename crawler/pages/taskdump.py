"""sota-extractor task dumps (EFF AI-metrics, RedditSota): Task → datasets → sota.rows.

Only datasets named in the registry's `datasets` table are read. Values are numbers (EFF's
fractions: 0.28191 → 28.191%) or strings with or without `%`. ILSVRC rows have no
`paper_date`; the year comes from the competition name ("ILSVRC2015 Results" → 2015, counted
as 31 December), else the month from an arXiv id in the paper URL. A row named "withdrawn"
is kept and flagged.
"""
from __future__ import annotations

import calendar
import json
import re

from crawler.pages.base import Page, PageError, SourcePages
from ingest.items import ResultItem
from ingest.normalize import date_only, parse_number

YEAR_IN_TITLE = re.compile(r"ILSVRC\s?(\d{4})|Competition (\d{4})", re.I)
ARXIV_IN_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/(\d{2})(\d{2})\.\d{4,5}")


def result_date(row: dict) -> tuple[str | None, str | None]:
    """(YYYY-MM-DD, precision) for a dump row; (None, None) when nothing dates it; ValueError
    for a `paper_date` that is not a day."""
    if row.get("paper_date"):
        return date_only(row["paper_date"]), "day"
    match = YEAR_IN_TITLE.search(row.get("paper_title") or "")
    if match:
        return f"{match.group(1) or match.group(2)}-12-31", "year"
    match = ARXIV_IN_URL.search(row.get("paper_url") or "")
    if match:
        year, month = 2000 + int(match.group(1)), int(match.group(2))
        return f"{year}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}", "month"
    return None, None


def text_field(row: dict, name: str) -> str:
    """A text field of a dump row, stripped ("" when absent); TypeError when it is not text."""
    value = row.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError(f"{name} is a {type(value).__name__}, not text")
    return value.strip()


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


class TaskDumpPages(SourcePages):
    def parse(self, page: Page):
        tasks = page.json()
        if not isinstance(tasks, list):
            raise PageError("not a JSON task dump: top level is not a list")
        for path, dataset in walk(tasks):
            name = str(dataset.get("dataset") or dataset.get("subdataset") or "")
            dataset_id = self.conf["datasets"].get(name.strip().lower())
            if dataset_id is None:
                continue
            where = f"{' / '.join(path)} / {name}"
            sota = dataset.get("sota") or {}
            rows = sota.get("rows") if isinstance(sota, dict) else None
            if not isinstance(rows, (list, type(None))) or not isinstance(sota, dict):
                yield self.reject(page, json.dumps(sota, ensure_ascii=False, sort_keys=True)[:2000],
                                  "'sota' is not an object with a list of rows", f"{where}: sota")
                continue
            for index, row in enumerate(rows or []):
                evidence = json.dumps(row, ensure_ascii=False, sort_keys=True)
                yield from self.record(page, evidence, f"{where}: sota.rows[{index}]",
                                       self.row_items(page, row, evidence, index, path, name, dataset_id))

    def row_items(self, page: Page, row, evidence: str, index: int, path: tuple, dataset_name: str,
                  dataset_id: str):
        if not isinstance(row, dict) or not isinstance(row.get("metrics"), dict):
            yield self.reject(page, evidence, "row without metrics")
            return
        name = text_field(row, "model_name")
        flags = "withdrawn" if name.lower() == "withdrawn" else None
        title = text_field(row, "paper_title")
        if not name or flags:
            # RedditSota leaves names empty and EFF writes "withdrawn": the paper names the model.
            name = title.split(":")[0].strip() or title
        if not name:
            yield self.reject(page, evidence, "row names neither a model nor a paper")
            return
        published, precision = result_date(row)
        aid = arxiv_id(text_field(row, "paper_url"))
        paper = None
        if title or row.get("paper_url"):
            paper = {"id": aid or f"url:{row.get('paper_url') or title}", "arxiv_id": aid,
                     "title": title or None, "url": row.get("paper_url"),
                     "published": published if precision == "day" else None,
                     # code links listed: the paper has code; none listed says nothing
                     "has_code": 1 if row.get("code_links") else None}
        for metric_name, raw in row["metrics"].items():
            rule = self.conf["metrics"].get(str(metric_name).strip().lower())
            if rule is None:
                yield self.reject(page, evidence, f"unknown metric {metric_name!r}")
                continue
            metric, scale = rule
            try:
                value = parse_number(raw)
            except ValueError as exc:
                yield self.reject(page, evidence, f"{metric_name}: {exc}")
                continue
            if scale == "fraction" and not str(raw).strip().endswith("%"):
                value = round(value * 100, 6)
            yield ResultItem(
                source=self.source,
                key=f"{self.source}|{'/'.join(path)}|{dataset_name}|{title}|{row.get('model_name')}|{metric_name}",
                model=name, dataset=dataset_id, metric=metric, value=value, raw_value=str(raw),
                source_url=page.url, fetched_at=page.fetched_at, evidence=evidence, kind="reported",
                published=published, date_precision=precision, paper=paper, flags=flags,
                locator=f"{' / '.join(path)} / {dataset_name}: sota.rows[{index}], {metric_name}",
            )
