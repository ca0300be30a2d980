"""paperswithcode.co (the 2026 Papers With Code relaunch): its read-only JSON API v1.

Two steps: the dataset search (`/datasets/?q=ImageNet&page=1&page_size=100`)
names the ImageNet-1K benchmark (matched on the registry's `benchmark`
slugs, names, hf_url endings, in that order of preference), then its
leaderboard is paged (`/datasets/<id>/evaluations/?page=N&page_size=100&ordering=best_rank`)
until `next` is null, a page is short, or `count` rows have been seen.

No real response has been recorded: the shapes come from the official client
(huggingface/pwc-cli). A list response is `{"count", "results"}` (also
`{"total", "items"}` or a bare list); every row must be an object with `id`,
`model_name` and a `metrics` object. A row that is not is a reject; a page where
no row is (the API changed shape) fails with a one-line reason naming what
differs, rather than guessing. One result per row and metric; metric names map
through the registry's `metrics` table (unknown → reject, `ignore_metrics` are
skipped, `params_metrics` fill `params`).
"""
from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlencode, urlsplit

from crawler.pages.base import Follow, Page, PageError, SourcePages
from ingest.items import ResultItem
from ingest.normalize import date_only, params_absolute, parse_number
from rules.settings import setting_from_label

API = "https://paperswithcode.co/api/v1"
EVALUATIONS_PATH = re.compile(r"/api/v1/datasets/([^/]+)/evaluations/?$")
SEARCH_PATH = re.compile(r"/api/v1/datasets/?$")
ARXIV_ID = re.compile(r"^(\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$")
MAX_PAGES = 200          # 20,000 rows: far beyond any ImageNet leaderboard; a loop guard


def metric_key(name: str) -> str:
    """"Top-1 Accuracy" / "top 1  accuracy" / "TOP_1 ACCURACY" → "top 1 accuracy"."""
    return re.sub(r"[\s_-]+", " ", str(name).strip().lower())


def query_int(url: str, name: str, default: int) -> int:
    try:
        return int(parse_qs(urlsplit(url).query).get(name, [str(default)])[0])
    except ValueError:
        return default


def list_body(data) -> tuple[list | None, int | None, bool | None, str | None]:
    """(rows, count, has_next, error) of a documented list response."""
    if isinstance(data, list):
        return data, None, None, None
    if not isinstance(data, dict):
        return None, None, None, f"response is a JSON {type(data).__name__}, not a list response"
    key = "results" if "results" in data else "items" if "items" in data else None
    if key is None:
        return None, None, None, f"list response without 'results' (keys: {', '.join(sorted(data)[:8])})"
    rows = data[key]
    if not isinstance(rows, list):
        return None, None, None, f"'{key}' is a {type(rows).__name__}, not a list"
    count = data.get("count", data.get("total"))
    if count is not None and (isinstance(count, bool) or not isinstance(count, int)):
        return None, None, None, f"'count' is {count!r}, not an integer"
    has_next = None if "next" not in data else data["next"] is not None
    return rows, count, has_next, None


def row_shape_error(row, index: int) -> str | None:
    if not isinstance(row, dict):
        return f"row {index} is a {type(row).__name__}, not an object"
    for field in ("id", "model_name", "metrics"):
        if field not in row:
            return f"row {index} has no '{field}'"
    if not isinstance(row["metrics"], dict):
        return f"row {index}: 'metrics' is a {type(row['metrics']).__name__}, not an object"
    return None


class PwcCoPages(SourcePages):
    rules = ("settings",)

    def __init__(self, source: str, conf: dict):
        super().__init__(source, conf)
        self.page_size = int(self.conf.get("page_size", 100))

    def always_parse(self, url: str) -> bool:
        # Every page leads to the next (search → leaderboard → page 2 ...), so an unchanged
        # page is still parsed; unchanged rows then cost no write.
        return True

    def parse(self, page: Page):
        """A dataset search or a leaderboard page, told apart by the URL path."""
        path = urlsplit(page.url).path
        match = EVALUATIONS_PATH.search(path)
        if match:
            yield from self.parse_evaluations(page, match.group(1))
        elif SEARCH_PATH.search(path):
            yield from self.parse_search(page)
        else:
            raise PageError(f"not a paperswithcode.co datasets URL ({path})")

    def load(self, page: Page) -> tuple[list, int | None, bool | None]:
        rows, count, has_next, error = list_body(page.json())
        if error:
            raise PageError(error)
        return rows, count, has_next

    def parse_search(self, page: Page):
        """Search results → the ImageNet-1K benchmark's first leaderboard page."""
        rows, count, has_next = self.load(page)
        good = [r for r in rows if isinstance(r, dict) and "id" in r]
        for index, row in enumerate(rows):
            if not (isinstance(row, dict) and "id" in row):
                yield self.reject(page, json.dumps(row, ensure_ascii=False, sort_keys=True)[:2000],
                                  "dataset is not an object with an 'id'", f"results[{index}]")
        if rows and not good:
            raise PageError("no dataset in the search results is an object with an 'id'")
        found, error = self.pick_benchmark(good)
        if error:
            raise PageError(error)
        if found is not None:
            yield Follow(evaluations_url(found["id"], 1, self.page_size), always_parse=True)
            return
        number = query_int(page.url, "page", 1)
        size = query_int(page.url, "page_size", self.page_size)
        if more_pages(number, len(rows), count, has_next, size) and number < 10:
            yield Follow(with_page(page.url, number + 1), always_parse=True)
        else:
            names = ", ".join(repr(r.get("name")) for r in rows[:10])
            raise PageError(f"no ImageNet-1K benchmark among {len(rows)} datasets ({names})")

    def pick_benchmark(self, rows: list[dict]) -> tuple[dict | None, str | None]:
        """The one dataset the registry's `benchmark` table names; ambiguity is an error."""
        want = self.conf["benchmark"]
        tests = (
            ("slug", lambda r: str(r.get("slug") or "").lower() in {s.lower() for s in want.get("slugs", [])}),
            ("name", lambda r: str(r.get("name") or "").strip().lower() in {s.lower() for s in want.get("names", [])}),
            ("hf_url", lambda r: any(str(r.get("hf_url") or "").rstrip("/").lower().endswith(s.lower())
                                     for s in want.get("hf_url_suffixes", []))),
        )
        for field, test in tests:
            hits = {str(r["id"]): r for r in rows if test(r)}
            if len(hits) == 1:
                return next(iter(hits.values())), None
            if len(hits) > 1:
                return None, f"{len(hits)} datasets match the ImageNet-1K {field} (ids {', '.join(sorted(hits))})"
        return None, None

    def parse_evaluations(self, page: Page, dataset_id: str):
        """One leaderboard page → one result per row and metric, then the next page."""
        rows, count, has_next = self.load(page)
        errors = [row_shape_error(row, i) for i, row in enumerate(rows)]
        if rows and all(errors):
            raise PageError(errors[0])   # not one readable row: the API changed shape
        for index, (row, error) in enumerate(zip(rows, errors)):
            evidence = json.dumps(row, ensure_ascii=False, sort_keys=True)
            locator = f"results[{index}]" + (f" (id {row['id']})" if not error else "")
            if error:
                yield self.reject(page, evidence[:2000], error, locator)
            else:
                yield from self.record(page, evidence, locator, self.row_items(page, row, evidence, index, dataset_id))
        # A leaderboard URL given with `--url` keeps its own page_size.
        number = query_int(page.url, "page", 1)
        size = query_int(page.url, "page_size", self.page_size)
        if more_pages(number, len(rows), count, has_next, size):
            if number >= MAX_PAGES:
                self.errors.append(f"{page.url}: stopped after {MAX_PAGES} pages")
            else:
                yield Follow(evaluations_url(dataset_id, number + 1, size), always_parse=True)

    def row_items(self, page: Page, row: dict, evidence: str, index: int, dataset_id):
        model = str(row["model_name"] or "").strip()
        if not model:
            yield self.reject(page, evidence, "row with an empty model_name")
            return
        ignore = {metric_key(m) for m in self.conf.get("ignore_metrics", [])}
        params_names = {metric_key(m) for m in self.conf.get("params_metrics", [])}
        params = None
        for name, raw in row["metrics"].items():
            if metric_key(name) in params_names:
                try:
                    params = params_absolute(raw)
                except ValueError:
                    params = None   # a display string ("86M"): not an absolute count
        table = {metric_key(k): v for k, v in self.conf["metrics"].items()}
        paper = paper_record(row)
        setting = setting_from_label(model)
        for name, raw in row["metrics"].items():
            if metric_key(name) in ignore or metric_key(name) in params_names:
                continue
            metric = table.get(metric_key(name))
            if metric is None:
                yield self.reject(page, evidence, f"unknown metric {name!r}")
                continue
            try:
                value = parse_number(raw)
            except ValueError as exc:
                yield self.reject(page, evidence, f"{name}: {exc}")
                continue
            key = f"pwcco|{dataset_id}|{row['id']}|{name}"
            if not self.first_time(key):   # a row that moved across a page boundary while paging
                continue
            yield ResultItem(
                source=self.source, key=key, model=model, dataset=self.conf["dataset"],
                metric=metric, value=value, raw_value=str(raw), source_url=page.url,
                fetched_at=page.fetched_at, evidence=evidence, kind="reported", setting=setting,
                params=params, published=(paper or {}).get("published"), paper=paper,
                locator=f"results[{index}] (id {row['id']}), {name}",
            )


def paper_record(row: dict) -> dict | None:
    """The row's paper: its bare arXiv id when given, else the site's paper id (`pwcco:<id>`)."""
    raw_arxiv = str(row.get("paper_arxiv_id") or "").strip()
    match = ARXIV_ID.match(raw_arxiv)
    arxiv = match.group(1) if match else None
    if arxiv is None and row.get("paper_id") in (None, ""):
        return None
    return {
        "id": arxiv or f"pwcco:{row['paper_id']}",
        "arxiv_id": arxiv,
        "title": (row.get("paper_title") or "").strip() or None,
        "url": f"https://arxiv.org/abs/{arxiv}" if arxiv else None,
        "published": date_only(row.get("paper_published_date")),
    }


def more_pages(page: int, n_rows: int, count: int | None, has_next: bool | None, page_size: int) -> bool:
    """Is there a page after this one? Any stop signal wins."""
    if has_next is False or n_rows == 0 or n_rows < page_size:
        return False
    if count is not None and page * page_size >= count:
        return False
    return True


def evaluations_url(dataset_id, page: int, page_size: int) -> str:
    query = urlencode({"page": page, "page_size": page_size, "ordering": "best_rank"})
    return f"{API}/datasets/{dataset_id}/evaluations/?{query}"


def with_page(url: str, page: int) -> str:
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    query["page"] = [str(page)]
    return parts._replace(query=urlencode(query, doseq=True)).geturl()
