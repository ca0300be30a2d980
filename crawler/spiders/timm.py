"""timm's results CSVs: timm's own re-evaluation of its checkpoints (kind=measured)."""
from __future__ import annotations

import csv
from urllib.parse import urlsplit

from crawler.items import ResultItem, now_iso
from crawler.spiders.base import SourceSpider
from ingest.normalize import parse_number, params_from_millions
from rules.corpora import from_timm_tag as corpus_from_timm_tag

REQUIRED_COLUMNS = {"model", "img_size", "top1", "top5", "param_count"}
METRICS = (("top1", "top1_acc"), ("top5", "top5_acc"))
METADATA_FILE = "model_metadata-in1k.csv"


def file_name(url: str) -> str:
    return urlsplit(url).path.rsplit("/", 1)[-1]


class TimmSpider(SourceSpider):
    name = "timm"

    def __init__(self, urls=None, **kwargs):
        super().__init__(urls, **kwargs)
        self.pretrain: dict[str, str] = {}

    async def start(self):
        # model_metadata first: its `pretrain` column feeds extra_data of every row.
        meta = [u for u in self.start_urls if file_name(u) == METADATA_FILE]
        if meta:
            # Parsed on every crawl, changed or not: a changed results file needs it.
            yield self.request(meta[0], self.parse_metadata, meta={"always_parse": True})
        else:
            for request in self.result_requests():
                yield request

    def result_requests(self):
        for url in self.start_urls:
            if file_name(url) != METADATA_FILE:
                yield self.request(url, self.parse)

    def on_error(self, failure):
        super().on_error(failure)
        # A missing metadata file must not stop the results files.
        if file_name(failure.request.url) == METADATA_FILE:
            yield from self.result_requests()

    def parse_metadata(self, response):
        """Read `model,pretrain`, then fetch the results files."""
        rows = csv.DictReader(_text(response).splitlines())
        if not {"model", "pretrain"} <= set(rows.fieldnames or ()):
            self.fail(response.url, f"unexpected header {rows.fieldnames}")
        else:
            self.pretrain = {r["model"]: r["pretrain"] for r in rows if r.get("model")}
        yield from self.result_requests()

    def parse(self, response):
        """One results CSV → two results per row (top-1 and top-5 accuracy).

        @url https://raw.githubusercontent.com/huggingface/pytorch-image-models/main/results/results-imagenet.csv
        @returns items 3000
        @scrapes model dataset metric value params
        """
        name = file_name(response.url)
        dataset = self.conf["datasets"].get(name)
        if dataset is None:
            self.fail(response.url, f"no dataset configured for results file {name!r}")
            return
        lines = _text(response).splitlines()
        header = next(csv.reader(lines[:1]), [])
        missing = REQUIRED_COLUMNS - set(header)
        if missing:
            self.fail(response.url, f"unexpected CSV header (missing {', '.join(sorted(missing))})")
            return
        fetched = now_iso()
        for line in lines[1:]:
            if not line.strip():
                continue
            if "\ufffd" in line:
                yield self.reject(response.url, line, "invalid UTF-8 in row")
                continue
            cells = next(csv.reader([line]))
            if len(cells) != len(header):
                yield self.reject(response.url, line, f"{len(cells)} cells, header has {len(header)}")
                continue
            yield from self.row_items(dict(zip(header, cells)), line, dataset, response.url, fetched)

    def row_items(self, row, line, dataset, url, fetched):
        model = row["model"].strip()
        try:
            resolution = int(parse_number(row["img_size"]))
            params = params_from_millions(row["param_count"])
        except ValueError as exc:
            yield self.reject(url, line, str(exc))
            return
        corpus = corpus_from_timm_tag(model, self.pretrain.get(model))
        for column, metric in METRICS:
            try:
                value = parse_number(row[column])
            except ValueError as exc:
                yield self.reject(url, line, f"{column}: {exc}")
                continue
            yield ResultItem(
                source=self.name, key=f"timm|{dataset}|{model}|{resolution}|{metric}",
                model=model, dataset=dataset, metric=metric, value=value,
                raw_value=row[column], source_url=url, fetched_at=fetched, evidence=line,
                kind="measured", extra_data=corpus is not None, extra_data_corpus=corpus,
                params=params, resolution=resolution,
            )


def _text(response) -> str:
    # utf-8-sig drops a BOM if a mirror adds one; undecodable bytes become U+FFFD
    # and then fail number parsing row by row instead of killing the file.
    return response.body.decode("utf-8-sig", errors="replace")
