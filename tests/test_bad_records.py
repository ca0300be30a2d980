"""A bad record is a reject, never a failed page: every source's page object, and arXiv through
a real crawl.

Each case is a small response in the source's format (written here) with good records and one
bad one (a date without its day or outside the calendar, a number that is not one, a field of
the wrong type, a missing field): the good records give their results, the bad one gives one
reject with its reason and its locator. Only a response that cannot be read at all fails.
"""
from __future__ import annotations

import json
import shutil
from urllib.parse import unquote

import pytest

from conftest import FIXTURES, q
from crawler.pages import Follow, Page, PageError, load_pages, run_page
from crawler.pages.arxiv import query_url
from crawler.sources import get_source
from ingest.items import RejectItem, ResultItem
from ingest.normalize import date_only
from runs.crawl import crawl

TIMM = "https://raw.githubusercontent.com/huggingface/pytorch-image-models/main/results/results-imagenet.csv"
PWC = "https://web.archive.org/web/20231214000000id_/https://paperswithcode.com/sota/image-classification-on-imagenet"
EFF = "https://raw.githubusercontent.com/paperswithcode/sota-extractor/master/data/tasks/eff.json"
PWCCO_SEARCH = "https://paperswithcode.co/api/v1/datasets/?q=ImageNet&page=1&page_size=100"
PWCCO_BOARD = "https://paperswithcode.co/api/v1/datasets/1042/evaluations/?page=1&page_size=100&ordering=best_rank"
CODESOTA = "https://www.codesota.com/api/sota/image-classification?tier=sota"
HF = "https://huggingface.co/test-org/some-model/raw/main/README.md"


def parse(source: str, url: str, body: str | bytes):
    pages = load_pages(source, get_source(source))
    page = Page(url=url, body=body.encode() if isinstance(body, str) else body)
    return list(run_page(pages, page, "test"))


def split(out):
    results = [o for o in out if isinstance(o, ResultItem)]
    rejects = [o for o in out if isinstance(o, RejectItem)]
    return results, rejects


def test_dates_are_read_strictly():
    assert date_only("2022-05-04T00:00:00.000000") == "2022-05-04"
    assert date_only("") is None and date_only(None) is None
    for bad in ("2022-02T00:00:00+00:00", "2022-13-45", "2022-02-30", "May 2022", "2022-05-041", 20220504):
        with pytest.raises(ValueError):
            date_only(bad)


def test_timm_bad_lines_are_rejects_with_their_line():
    csv = ("model,img_size,top1,top1_err,top5,top5_err,param_count,crop_pct,interpolation\n"
           "good_a,224,80.1,19.9,95.0,5.0,10.0,0.9,bicubic\n"
           "bad_size,2x4,80.1,19.9,95.0,5.0,10.0,0.9,bicubic\n"
           ",224,80.1,19.9,95.0,5.0,10.0,0.9,bicubic\n"
           "short,224,80.1\n"
           "good_b,224,70.2,29.8,90.0,10.0,5.0,0.9,bicubic\n")
    results, rejects = split(parse("timm", TIMM, csv))
    assert sorted({r.model for r in results}) == ["good_a", "good_b"] and len(results) == 4
    assert [(r.locator, r.reason) for r in rejects] == [
        ("line 3", "not a number: '2x4'"), ("line 4", "no model name"), ("line 5", "3 cells, header has 9")]


def test_timm_unmappable_header_fails_the_page():
    with pytest.raises(PageError, match="unexpected CSV header"):
        parse("timm", TIMM, "name,acc\nx,1\n")


def pwc_page(rows) -> str:
    return f'<html><script id="evaluation-table-data">{json.dumps(rows)}</script></html>'


def test_pwc_bad_rows_are_rejects():
    good = {"row_id": 1, "method": "Good-L", "metrics": {"Top 1 Accuracy": "88.5%"},
            "paper": {"title": "A paper", "url": "/paper/a", "published": "2021-06-01T00:00:00"}}
    bad_date = {**good, "row_id": 2, "method": "Dated-L",
                "paper": {"title": "B paper", "url": "/paper/b", "published": "2021-06T00:00:00"}}
    bad_type = {**good, "row_id": 3, "method": 42}
    bad_metrics = {**good, "row_id": 4, "method": "Odd-L", "metrics": ["88.5"]}
    results, rejects = split(parse("pwc", PWC, pwc_page([good, bad_date, bad_type, bad_metrics, "a string"])))
    assert [r.model for r in results] == ["Good-L"]
    assert [r.locator for r in rejects] == [f"evaluation-table-data row {i}" for i in (1, 2, 3, 4)]
    assert "not a date: '2021-06T00:00:00'" in rejects[0].reason
    assert rejects[1].reason == "row without row_id or method"


def test_taskdump_bad_rows_and_datasets_are_rejects():
    row = {"model_name": "Net-A", "paper_title": "Net A", "paper_url": "https://arxiv.org/abs/1512.03385",
           "paper_date": "2015-12-10", "metrics": {"Top 1 Accuracy": "76.1"}}
    dump = [{"task": "Image Classification", "datasets": [
        {"dataset": "ImageNet", "sota": {"rows": [
            row,
            {**row, "model_name": "Net-B", "paper_date": "2015-12"},          # a month, not a day
            {**row, "model_name": 7},                                          # not text
            {**row, "model_name": "Net-C", "metrics": {"Top 1 Accuracy": "n/a"}},
        ]}},
        {"dataset": "ImageNet-1k", "sota": ["not", "an", "object"]},
    ]}]
    results, rejects = split(parse("eff", EFF, json.dumps(dump)))
    assert [(r.model, r.published) for r in results] == [("Net-A", "2015-12-10")]
    reasons = {r.locator: r.reason for r in rejects}
    assert reasons == {
        "Image Classification / ImageNet: sota.rows[1]": "unreadable record: not a date: '2015-12'",
        "Image Classification / ImageNet: sota.rows[2]": "unreadable record: TypeError: model_name is a int, not text",
        "Image Classification / ImageNet: sota.rows[3]": "Top 1 Accuracy: not a number: 'n/a'",
        "Image Classification / ImageNet-1k: sota": "'sota' is not an object with a list of rows",
    }


def test_pwcco_bad_rows_are_rejects_and_a_page_of_nothing_but_fails():
    good = {"id": 1, "model_name": "Good-H", "metrics": {"Top 1 Accuracy": 88.1},
            "paper_id": 11, "paper_published_date": "2023-01-02"}
    rows = [good, "not an object", {"id": 2, "model_name": "NoMetrics"},
            {**good, "id": 3, "model_name": "Dated-H", "paper_published_date": "2023-02-31"}]
    results, rejects = split(parse("pwcco", PWCCO_BOARD, json.dumps({"count": 4, "results": rows})))
    assert [r.model for r in results] == ["Good-H"]
    assert [(r.locator, r.reason) for r in rejects] == [
        ("results[1]", "row 1 is a str, not an object"),
        ("results[2]", "row 2 has no 'metrics'"),
        ("results[3] (id 3)", "unreadable record: not a calendar date: '2023-02-31'")]
    with pytest.raises(PageError, match="row 0 is a int"):
        parse("pwcco", PWCCO_BOARD, json.dumps({"count": 2, "results": [1, 2]}))


def test_pwcco_search_skips_a_bad_dataset_entry():
    body = {"count": 2, "results": [["junk"], {"id": 1042, "name": "ImageNet", "slug": "imagenet"}]}
    out = parse("pwcco", PWCCO_SEARCH, json.dumps(body))
    assert [type(o).__name__ for o in out] == ["RejectItem", "Follow"]
    assert isinstance(out[1], Follow) and "/datasets/1042/evaluations/" in out[1].url


def test_codesota_bad_entry_is_a_reject():
    body = {"task": "image-classification", "benchmark": "imagenet", "as_of": "2025-09-01",
            "pick": {"model_id": "good-model", "score": 91.2, "metric_id": "top1", "result_date": "2025-08-20"},
            "runners_up": [{"model_id": "dated-model", "score": 90.1, "result_date": "20-08-2025"},
                           {"model_id": "scoreless", "score": "tbd"}]}
    results, rejects = split(parse("codesota", CODESOTA, json.dumps(body)))
    assert [(r.model, r.published) for r in results] == [("good-model", "2025-08-20")]
    assert [(r.locator, r.reason) for r in rejects] == [
        ("runner_up_1 (model_id dated-model)", "unreadable record: not a date: '20-08-2025'"),
        ("runner_up_2 (model_id scoreless)", "score: not a number: 'tbd'")]


def test_hf_bad_results_are_rejects():
    card = """---
model-index:
- name: some-model
  results:
  - task: {type: image-classification}
    dataset: {name: ImageNet-1k, type: imagenet-1k}
    metrics:
    - {type: accuracy, value: 0.812}
  - just a string
  - task: {type: image-classification}
    dataset: {name: ImageNet-1k, type: imagenet-1k}
    metrics:
    - {type: top5, value: not-a-number}
---
A card.
"""
    results, rejects = split(parse("hf", HF, card))
    assert [(r.model, r.value) for r in results] == [("some-model", 81.2)]
    assert [r.locator for r in rejects] == ["model-index[0].results[1]", "model-index[0].results[2]"]
    assert rejects[0].reason == "result is a str, not a mapping"


def test_arxiv_feed_with_one_malformed_entry_through_a_real_crawl(tmp_path):
    """The measured failure: one entry of a feed dated without its day ended the whole arXiv
    run `failed`. Through a real crawl child and load, the others are stored."""
    feed = (FIXTURES / "arxiv" / "feed_window.xml").read_text()
    first = feed.index("<published>") + len("<published>")
    broken = feed[:first] + "2014-09T20:03:34Z" + feed[feed.index("</published>", first):]
    url = query_url("abs:ImageNet", 0, 100)
    mirror = tmp_path / "mirror" / "export.arxiv.org" / "api"
    mirror.mkdir(parents=True)
    (mirror / ("query?" + unquote(url.split("?", 1)[1]))).write_text(broken)
    db = tmp_path / "a.db"
    [run] = crawl(db, ["arxiv"], [url], str(tmp_path / "mirror"), budget=60)
    assert run.status == "ok", run.error
    assert q(db, "SELECT count(*) FROM papers") == [(3,)]
    [(reason, locator)] = q(db, "SELECT reason, locator FROM rejects")
    assert "2014-09T20:03:34Z" in reason and locator == "entry 0"


def test_a_bad_row_never_fails_a_real_timm_crawl(tmp_path):
    """Through the crawl child and the loader: a row with a bad number among good ones."""
    mirror = tmp_path / "mirror"
    shutil.copytree(FIXTURES / "mirror", mirror)
    path = mirror / TIMM.removeprefix("https://")
    lines = path.read_text().splitlines()
    lines.insert(2, "odd_model,224,eighty,19.9,95.0,5.0,10.0,0.9,bicubic")
    path.write_text("\n".join(lines) + "\n")
    db = tmp_path / "t.db"
    [run] = crawl(db, ["timm"], [TIMM], str(mirror), budget=60)
    assert run.status == "ok", run.error
    assert q(db, "SELECT reason, locator FROM rejects WHERE raw LIKE 'odd_model%'") == [
        ("top1: not a number: 'eighty'", "line 3")]
    assert q(db, "SELECT count(*) FROM results WHERE model = 'odd_model'") == [(1,)]   # its top-5 loads
