"""The pwcco, codesota and hf sources on our own fixtures in their documented formats
(tests/fixtures/extra): one real crawl (child process, loopback mirror) per source for the
exact rows and the unchanged rerun; the failure shapes at the page object's seam."""
import json
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from conftest import parse_mirror
from crawler.sources import get_source
from db.connect import open_db
from ingest.items import ResultItem
from ingest.units import percent_from_fraction_or_percent
from runs.crawl import crawl

EXTRA = Path(__file__).resolve().parent / "fixtures" / "extra"
API = "https://paperswithcode.co/api/v1/datasets/"
SEARCH = API + "?q=ImageNet&page=1&page_size=100"
BOARD = API + "1042/evaluations/?page={page}&page_size={size}&ordering=best_rank"
CODESOTA = "https://www.codesota.com/api/sota/{task}?tier=sota"


def card(repo: str) -> str:
    return f"https://huggingface.co/{repo}/raw/main/README.md"


GOOD_CARDS = [card(r) for r in ("facebook/convnextv2-huge-22k-512", "test-org/vit-trainer-imagenet",
                                "test-org/resnet-docs", "test-org/clip-zero-shot")]


def rows(db_path, sql, params=()):
    return [tuple(r) for r in open_db(db_path).execute(sql, params).fetchall()]


def mirror_file(root: Path, url: str) -> Path:
    parts = urlsplit(url)
    return root / f"{parts.netloc}{parts.path}{'?' + parts.query if parts.query else ''}"


def mirror_with(tmp_path: Path, url: str, body: str) -> Path:
    """A copy of the fixture mirror where `url` answers `body`."""
    root = tmp_path / "mirror"
    shutil.copytree(EXTRA, root)
    target = mirror_file(root, url)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(body, encoding="utf-8")
    return root


# --- paperswithcode.co ---------------------------------------------------------------

def test_pwcco_search_then_leaderboard_rows_exact(db_path):
    [run] = crawl(db_path, ["pwcco"], [SEARCH], str(EXTRA))
    assert run.status == "ok", run.error
    assert (run.counts.inserted, run.counts.rejected) == (5, 3)
    board = BOARD.format(page=1, size=100)
    got = rows(db_path, "SELECT key, model, dataset, metric, value, raw_value, setting, params, "
                        "published, paper_id, kind, source_url FROM results ORDER BY key")
    assert got == [
        ("pwcco|1042|9001|Top 1 Accuracy", "CoCa (finetuned)", "imagenet-1k", "top1_acc", 91.0, "91.0%", "finetuned", 2100000000, "2022-05-04", "2205.01917", "reported", board),
        ("pwcco|1042|9002|Top 1 Accuracy", "CoCa (frozen)", "imagenet-1k", "top1_acc", 90.6, "90.6", "linear_probe", None, "2022-05-04", "2205.01917", "reported", board),
        ("pwcco|1042|9003|Top 5 Accuracy", "ResNet-50", "imagenet-1k", "top5_acc", 92.9, "92.9", None, None, "2015-12-10", "1512.03385", "reported", board),
        ("pwcco|1042|9003|Top-1 Accuracy", "ResNet-50", "imagenet-1k", "top1_acc", 76.1, "76.1", None, None, "2015-12-10", "1512.03385", "reported", board),
        ("pwcco|1042|9007|Top 1 Error", "Agent Four (zero-shot)", "imagenet-1k", "top1_err", 11.5, "11.5%", "zero_shot", None, "2025-06-30", "pwcco:79", "reported", board),
    ]
    assert rows(db_path, "SELECT reason FROM rejects ORDER BY reason") == [
        ("Top 1 Accuracy: not a number: 'N/A'",), ("top1_acc 123.4 outside 0..100",), ("unknown metric 'mAP'",)]
    assert rows(db_path, "SELECT id, arxiv_id, title, url, published FROM papers ORDER BY id") == [
        ("1512.03385", "1512.03385", "Deep Residual Learning for Image Recognition", "https://arxiv.org/abs/1512.03385", "2015-12-10"),
        ("2205.01917", "2205.01917", "CoCa: Contrastive Captioners are Image-Text Foundation Models", "https://arxiv.org/abs/2205.01917", "2022-05-04"),
        ("pwcco:79", None, "Another paper without an arXiv id", None, "2025-06-30"),
    ]
    # Evidence is the API row itself; both steps were fetched and archived.
    first = json.loads(mirror_file(EXTRA, board).read_text())["results"][0]
    assert rows(db_path, "SELECT evidence FROM results WHERE key = 'pwcco|1042|9001|Top 1 Accuracy'") == [
        (json.dumps(first, ensure_ascii=False, sort_keys=True),)]
    assert {SEARCH, board} <= {u for (u,) in rows(db_path, "SELECT url FROM responses WHERE status = 200")}

    [again] = crawl(db_path, ["pwcco"], [SEARCH], str(EXTRA))
    # API pages chain into each other, so they are parsed again; nothing changed, nothing written.
    assert (again.status, again.counts.inserted, again.counts.updated, again.counts.unchanged) == ("ok", 0, 0, 5)


def results_of(items):
    return [i for i in items if isinstance(i, ResultItem)]


def test_pwcco_pages_until_next_is_null():
    items, errors = parse_mirror("pwcco", EXTRA, [BOARD.format(page=1, size=3)])
    assert errors == []
    # Page 2 repeats Model C (the board moved while paging): kept once.
    assert sorted(((r.model, r.value, r.source_url) for r in results_of(items)), key=lambda r: -r[1]) == [
        ("Model A", 90.1, BOARD.format(page=1, size=3)),
        ("Model B", 89.2, BOARD.format(page=1, size=3)),
        ("Model C", 88.3, BOARD.format(page=1, size=3)),
        ("Model D", 87.4, BOARD.format(page=2, size=3)),
        ("Model E", 86.5, BOARD.format(page=2, size=3)),
    ]


@pytest.mark.parametrize("url,body,reason", [
    (BOARD.format(page=1, size=100), '{"count": 1, "data": []}', "list response without 'results' (keys: count, data)"),
    (BOARD.format(page=1, size=100), '{"count": 1, "results": [{"id": 1, "model_name": "X"}]}', "row 0 has no 'metrics'"),
    (BOARD.format(page=1, size=100), '{"count": 1, "results": [{"id": 1, "metrics": {"Top 1 Accuracy": 80}}]}', "row 0 has no 'model_name'"),
    (BOARD.format(page=1, size=100), '{"count": 1, "results": [{"id": 1, "model_name": "X", "metrics": [80]}]}', "row 0: 'metrics' is a list, not an object"),
    (BOARD.format(page=1, size=100), "<html><body>Too Many Requests</body></html>", "not JSON: Expecting value: line 1 column 1 (char 0)"),
    (SEARCH, '{"count": 1, "results": [{"id": 7, "name": "ImageNet-A", "slug": "imagenet-a", "hf_url": null}]}',
     "no ImageNet-1K benchmark among 1 datasets ('ImageNet-A')"),
])
def test_pwcco_shape_violation_fails_loudly(tmp_path, url, body, reason):
    items, errors = parse_mirror("pwcco", mirror_with(tmp_path, url, body), [SEARCH])
    assert errors == [f"{url}: {reason}"]
    assert results_of(items) == []


# --- CodeSOTA --------------------------------------------------------------------------

def test_codesota_rows_exact_from_registry_start_url(db_path):
    [run] = crawl(db_path, ["codesota"], None, str(EXTRA))   # the registry's start URL
    assert run.status == "ok", run.error
    assert (run.counts.inserted, run.counts.rejected) == (3, 2)
    url = CODESOTA.format(task="image-classification")
    assert rows(db_path, "SELECT key, model, dataset, metric, value, raw_value, published, kind, source_url "
                         "FROM results ORDER BY value DESC") == [
        ("codesota|image-classification|imagenet-1k|top1_acc|coca-finetuned", "CoCa (finetuned)", "imagenet-1k", "top1_acc", 91.0, "91.0", "2022-05-04", "reported", url),
        ("codesota|image-classification|imagenet-1k|top1_acc|vit-g-14", "vit-g-14", "imagenet-1k", "top1_acc", 90.45, "90.45", None, "reported", url),
        ("codesota|image-classification|imagenet-1k|top1_acc|eva-02-l", "EVA-02-L", "imagenet-1k", "top1_acc", 90.06, "90.06", "2023-03-20", "reported", url),
    ]
    assert rows(db_path, "SELECT reason FROM rejects ORDER BY reason") == [
        ("runner_up_5 without a model_id",), ("score: no value",)]
    [(evidence,)] = rows(db_path, "SELECT evidence FROM results WHERE model = 'EVA-02-L'")
    assert json.loads(evidence) == {
        "snapshot_id": "reg-2026-04-20-0f3c9a", "as_of": "2026-04-20T00:00:00.000Z",
        "task": "image-classification", "task_full_id": "image-classification", "benchmark": "imagenet-1k",
        "benchmark_version": None, "tier": "sota", "rank": "runner_up_2",
        "entry": {"model_id": "eva-02-l", "model_name": "EVA-02-L", "score": "90.06", "result_date": "2023-03-20"}}
    assert rows(db_path, "SELECT licence, attribution, default_enabled FROM sources WHERE name = 'codesota'") == [
        ("CC-BY-4.0", "Data from the CodeSOTA registry (https://www.codesota.com), CC BY 4.0.", 0)]

    [again] = crawl(db_path, ["codesota"], None, str(EXTRA))
    # Unchanged responses (304 / same hash) are not parsed again: nothing to write.
    assert (again.status, again.counts.inserted, again.counts.updated, again.unchanged) == ("ok", 0, 0, 1)


def test_codesota_pick_on_another_benchmark_yields_nothing():
    items, errors = parse_mirror("codesota", EXTRA, [CODESOTA.format(task="object-detection")])
    assert errors == ["no ImageNet results: object-detection pick is on benchmark 'coco'; "
                      "object-detection runner_up_1 is on benchmark 'coco'"]
    assert items == []


@pytest.mark.parametrize("body,reason", [
    ("[]", "response is a JSON list, not an object"),
    ('{"task": "image-classification", "pick": null}', "'pick' is NoneType, not an object"),
    ('{"error": "tier not implemented"}', "no 'task' in the response (keys: error)"),
])
def test_codesota_shape_violation_fails(tmp_path, body, reason):
    url = CODESOTA.format(task="image-classification")
    items, errors = parse_mirror("codesota", mirror_with(tmp_path, url, body), [url])
    assert (items, errors) == ([], [f"{url}: {reason}"])


# --- Hugging Face model cards -----------------------------------------------------------

def test_hf_model_index_rows_exact(db_path):
    [run] = crawl(db_path, ["hf"], GOOD_CARDS, str(EXTRA))
    assert run.status == "ok", run.error
    assert (run.counts.inserted, run.counts.rejected) == (6, 2)
    got = rows(db_path, "SELECT model, dataset, metric, value, raw_value, setting, params, resolution, "
                        "paper_id, kind, source_url FROM results ORDER BY model, metric")
    assert got == [
        ("clip-zero-shot", "imagenet-1k", "top1_acc", 68.3, "68.3", "zero_shot", None, None, None, "reported", GOOD_CARDS[3]),
        ("convnextv2-huge-22k-512", "imagenet-1k", "top1_acc", 88.9, "88.9", None, None, None, "2301.00808", "reported", GOOD_CARDS[0]),
        ("convnextv2-huge-22k-512", "imagenet-1k", "top5_acc", 98.9, "98.9%", None, None, None, "2301.00808", "reported", GOOD_CARDS[0]),
        ("resnet18", "imagenet-1k", "top1_acc", 69.74, "69.74%", None, 11690000, 224, None, "reported", GOOD_CARDS[2]),
        ("resnet18", "imagenet-1k", "top5_acc", 89.09, "89.09%", None, 11690000, 224, None, "reported", GOOD_CARDS[2]),
        # Trainer-generated card: a fraction, scaled to a percent.
        ("vit-trainer-imagenet", "imagenet-1k", "top1_acc", 59.176, "0.59176", None, None, None, None, "reported", GOOD_CARDS[1]),
    ]
    assert rows(db_path, "SELECT reason FROM rejects ORDER BY reason") == [
        ("Top 5 Accuracy: not a number: 'n/a'",), ("unknown metric 'f1'",)]
    # Evidence is that result's YAML block, re-serialised.
    [(evidence,)] = rows(db_path, "SELECT evidence FROM results WHERE model = 'vit-trainer-imagenet'")
    assert yaml.safe_load(evidence) == {
        "task": {"name": "Image Classification", "type": "image-classification"},
        "dataset": {"name": "/data/imagenet-1k-hf", "type": "imagenet-1k", "config": "default",
                    "split": "validation", "args": "default"},
        "metrics": [{"name": "Accuracy", "type": "accuracy", "value": 0.59176}]}

    [again] = crawl(db_path, ["hf"], GOOD_CARDS, str(EXTRA))
    # Unchanged responses (304 / same hash) are not parsed again: nothing to write.
    assert (again.status, again.counts.inserted, again.counts.updated, again.unchanged) == ("ok", 0, 0, 4)


def test_hf_cards_without_a_readable_model_index_fail():
    bad = {r: card(f"test-org/{r}") for r in ("no-model-index", "malformed", "unsafe", "plain")}
    items, errors = parse_mirror("hf", EXTRA, list(bad.values()))
    assert sorted(errors) == sorted([
        f"{bad['no-model-index']}: no model-index in the YAML front matter",
        f"{bad['malformed']}: malformed YAML front matter: expected the node content, but found '<stream end>' (line 5)",
        # safe_load only: a python tag is an error, never executed.
        f"{bad['unsafe']}: malformed YAML front matter: could not determine a constructor for the tag "
        "'tag:yaml.org,2002:python/object/apply:os.system' (line 2)",
        f"{bad['plain']}: no YAML front matter",
    ])
    assert results_of(items) == []


def test_hf_start_urls_come_from_the_registry_models(db_path):
    [run] = crawl(db_path, ["hf"], None, str(EXTRA))
    wanted = {card(m) for m in get_source("hf")["models"]}
    assert wanted <= {u for (u,) in rows(db_path, "SELECT url FROM responses")}
    # Only the ConvNeXt V2 card is in the mirror: the others are 404s, and the run says so.
    assert run.status == "failed" and "HTTP 404" in run.error
    assert rows(db_path, "SELECT DISTINCT model FROM results") == [("convnextv2-huge-22k-512",)]


@pytest.mark.parametrize("raw,want", [("82.21%", 82.21), (0.59176, 59.176), (82.21, 82.21), ("76.1", 76.1),
                                      ("0.9", 90.0), (1.0, 100.0), ("0.5%", 0.5)])
def test_fraction_or_percent(raw, want):
    assert percent_from_fraction_or_percent(raw) == pytest.approx(want)
