"""timm's results CSVs: timm's own re-evaluation of its checkpoints (kind=measured).

`model_metadata-in1k.csv` (`model,pretrain`) is context: its `pretrain` value names the
extra data of every row of that model, so it is parsed first and on every run. Each results
file gives two results per row (top-1 and top-5), keyed on file's dataset, model, resolution
and metric; a row that cannot be read is a reject with the CSV line.
"""
from __future__ import annotations

import csv
from urllib.parse import urlsplit

from crawler.pages.base import Page, PageError, SourcePages
from ingest.items import ResultItem
from ingest.normalize import params_from_millions, parse_number
from rules.corpora import from_timm_tag

REQUIRED_COLUMNS = {"model", "img_size", "top1", "top5", "param_count"}
METRICS = (("top1", "top1_acc"), ("top5", "top5_acc"))
METADATA_FILE = "model_metadata-in1k.csv"


def file_name(url: str) -> str:
    return urlsplit(url).path.rsplit("/", 1)[-1]


class TimmPages(SourcePages):
    rules = ("corpora",)

    def __init__(self, source: str, conf: dict):
        super().__init__(source, conf)
        self.pretrain: dict[str, str] = {}

    def context(self, url: str) -> bool:
        return file_name(url) == METADATA_FILE

    def parse(self, page: Page):
        if file_name(page.url) == METADATA_FILE:
            self.parse_metadata(page)
            return
        yield from self.parse_results(page)

    def parse_metadata(self, page: Page) -> None:
        rows = csv.DictReader(page.text().splitlines())
        if not {"model", "pretrain"} <= set(rows.fieldnames or ()):
            raise PageError(f"unexpected header {rows.fieldnames}")
        self.pretrain = {r["model"]: r["pretrain"] for r in rows if r.get("model")}

    def parse_results(self, page: Page):
        name = file_name(page.url)
        dataset = self.conf["datasets"].get(name)
        if dataset is None:
            raise PageError(f"no dataset configured for results file {name!r}")
        lines = page.text().splitlines()
        header = next(csv.reader(lines[:1]), [])
        missing = REQUIRED_COLUMNS - set(header)
        if missing:
            raise PageError(f"unexpected CSV header (missing {', '.join(sorted(missing))})")
        for number, line in enumerate(lines[1:], start=2):
            if line.strip():
                yield from self.record(page, line, f"line {number}",
                                       self.line_items(page, header, line, number, dataset))

    def line_items(self, page: Page, header: list[str], line: str, number: int, dataset: str):
        if "\ufffd" in line:
            yield self.reject(page, line, "invalid UTF-8 in row")
            return
        cells = next(csv.reader([line]))
        if len(cells) != len(header):
            yield self.reject(page, line, f"{len(cells)} cells, header has {len(header)}")
            return
        row = dict(zip(header, cells))
        model = row["model"].strip()
        if not model:
            yield self.reject(page, line, "no model name")
            return
        try:
            resolution = int(parse_number(row["img_size"]))
            params = params_from_millions(row["param_count"])
        except ValueError as exc:
            yield self.reject(page, line, str(exc))
            return
        corpus = from_timm_tag(model, self.pretrain.get(model))
        for column, metric in METRICS:
            try:
                value = parse_number(row[column])
            except ValueError as exc:
                yield self.reject(page, line, f"{column}: {exc}")
                continue
            yield ResultItem(
                source=self.source, key=f"timm|{dataset}|{model}|{resolution}|{metric}",
                model=model, dataset=dataset, metric=metric, value=value,
                raw_value=row[column], source_url=page.url, fetched_at=page.fetched_at,
                evidence=line, kind="measured", extra_data=corpus is not None,
                extra_data_corpus=corpus, params=params, resolution=resolution,
                locator=f"line {number}, column {column}",
            )
