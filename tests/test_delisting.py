"""Rows a source stops listing: flagged `delisted` by the complete run that noticed, off the
leaderboards and progression (on again with --include-delisted), back with history when the
source lists them again; never by a failed or partial run, never for responses not parsed.

Three small versions of a timm results file in its real format (the names follow timm's
December 2022 renaming to tagged names), served one after another at the same URL, as timm's
own file changes under its URL; real crawls (child process), real loads.
"""
from __future__ import annotations

import json

import pytest

from conftest import q, sota
from runs.crawl import crawl
from runs.reprocess import reprocess

RESULTS = "https://raw.githubusercontent.com/huggingface/pytorch-image-models/main/results/"
IMAGENET, SKETCH = RESULTS + "results-imagenet.csv", RESULTS + "results-sketch.csv"
HEADER = "model,img_size,top1,top1_err,top5,top5_err,param_count,crop_pct,interpolation"
V1 = [HEADER,
      "tf_efficientnet_l2_ns,800,88.348,11.652,98.648,1.352,480.31,0.960,bicubic",
      "beit_large_patch16_512,512,88.60,11.40,98.66,1.34,305.67,1.000,bicubic",
      "resnet50,224,79.04,20.96,94.39,5.61,25.56,0.875,bicubic"]
V2 = [HEADER,   # renamed to tagged names; BEiT-L re-evaluated; resnet50 unchanged
      "tf_efficientnet_l2.ns_jft_in1k,800,88.352,11.648,98.650,1.350,480.31,0.960,bicubic",
      "beit_large_patch16_512.in22k_ft_in22k_in1k,512,88.596,11.404,98.656,1.344,305.67,1.000,bicubic",
      "resnet50,224,79.04,20.96,94.39,5.61,25.56,0.875,bicubic"]
V3 = V2 + ["tf_efficientnet_l2_ns,800,88.348,11.652,98.648,1.352,480.31,0.960,bicubic"]   # listed again
SKETCH_ROWS = [HEADER, "resnet50,224,24.10,75.90,41.30,58.70,25.56,0.875,bicubic"]


def mirror(tmp_path, imagenet: list[str], sketch: list[str] | None = SKETCH_ROWS, name: str = "m"):
    root = tmp_path / name
    folder = root / RESULTS.removeprefix("https://")
    folder.mkdir(parents=True)
    (folder / "results-imagenet.csv").write_text("\n".join(imagenet) + "\n")
    if sketch is not None:
        (folder / "results-sketch.csv").write_text("\n".join(sketch) + "\n")
    return str(root)


def flags(db):
    return q(db, "SELECT r.model, f.flag, f.run, f.cleared_run FROM flags f JOIN results r ON r.id = f.result_id "
                 "WHERE r.metric = 'top1_acc' ORDER BY r.model, f.id")


def test_delisted_rows_leave_the_leaderboard_and_come_back_with_history(tmp_path):
    db = tmp_path / "d.db"
    [one] = crawl(db, ["timm"], [IMAGENET, SKETCH], mirror(tmp_path, V1, name="v1"))
    [two] = crawl(db, ["timm"], [IMAGENET, SKETCH], mirror(tmp_path, V2, name="v2"))
    assert (one.status, two.status) == ("ok", "ok")
    # results-sketch.csv did not change: not parsed again, so nothing of it can be delisted.
    assert two.unchanged == 1
    assert flags(db) == [("beit_large_patch16_512", "delisted", two.run_id, None),
                         ("tf_efficientnet_l2_ns", "delisted", two.run_id, None)]
    assert two.flagged == 4   # two models, top-1 and top-5
    # Nothing is deleted: the old rows stay, hidden from the views that rank.
    assert q(db, "SELECT count(*) FROM results WHERE dataset = 'imagenet-1k'") == [(10,)]
    assert q(db, "SELECT model, hidden_by FROM results_canonical WHERE hidden AND metric = 'top1_acc' "
                 "ORDER BY model") == [("beit_large_patch16_512", "delisted"), ("tf_efficientnet_l2_ns", "delisted")]
    def beit(*options):
        board = json.loads(sota("leaderboard", "--format", "json", *options, db=db).stdout)
        return [(r["measured_model"], r["measured"]) for r in board
                if (r["measured_model"] or "").startswith("beit_large")]

    # BEiT-L shows what timm reports now; its 2022 value only when asked for.
    assert beit() == [("beit_large_patch16_512.in22k_ft_in22k_in1k", 88.596)]
    # (the untagged 2022 name is its own model to identity: both rows then show)
    assert ("beit_large_patch16_512", 88.6) in beit("--include-delisted")

    [three] = crawl(db, ["timm"], [IMAGENET, SKETCH], mirror(tmp_path, V3, name="v3"))
    assert three.status == "ok"
    assert flags(db) == [("beit_large_patch16_512", "delisted", two.run_id, None),
                         ("tf_efficientnet_l2_ns", "delisted", two.run_id, three.run_id)]
    assert q(db, "SELECT count(*) FROM results_canonical WHERE hidden AND model = 'tf_efficientnet_l2_ns'") == [(0,)]
    # A complete run that lists the same rows again changes nothing more.
    [four] = crawl(db, ["timm"], [IMAGENET, SKETCH], mirror(tmp_path, V3 + ["resnet18,224,69.7,30.3,89.1,10.9,11.69,0.875,bilinear"],
                                                           name="v4"))
    assert (four.flagged, len(flags(db))) == (0, 2)


def test_a_failed_or_partial_run_never_delists(tmp_path):
    db = tmp_path / "f.db"
    crawl(db, ["timm"], [IMAGENET, SKETCH], mirror(tmp_path, V1, name="v1"))
    # V2 parsed in full, but the other file is gone (HTTP 404): the run fails, nothing is delisted.
    [failed] = crawl(db, ["timm"], [IMAGENET, SKETCH], mirror(tmp_path, V2, sketch=None, name="v2"))
    assert failed.status == "failed" and "HTTP 404" in failed.error
    assert flags(db) == []
    # The renamed rows it read still load (a failed run keeps what it read); none are hidden.
    assert q(db, "SELECT count(*) FROM results WHERE model = 'tf_efficientnet_l2.ns_jft_in1k'") == [(2,)]
    assert q(db, "SELECT count(*) FROM results_canonical WHERE hidden") == [(0,)]


def test_a_page_that_cannot_be_read_delists_nothing(tmp_path):
    db = tmp_path / "p.db"
    crawl(db, ["timm"], [IMAGENET], mirror(tmp_path, V1, name="v1"))
    [bad] = crawl(db, ["timm"], [IMAGENET], mirror(tmp_path, ["name,acc", "x,1"], name="bad"))
    assert bad.status == "failed" and "unexpected CSV header" in bad.error
    assert flags(db) == []


def test_reprocess_leaves_a_delisted_row_delisted(tmp_path):
    """`sota reprocess` settles the same rule (ingest.flags.settle_absent): a row hidden as
    delisted is not flagged underived on top, and stays visible to --include-delisted."""
    db = tmp_path / "r.db"
    crawl(db, ["timm"], [IMAGENET], mirror(tmp_path, V1, name="v1"))
    crawl(db, ["timm"], [IMAGENET], mirror(tmp_path, V2, name="v2"))
    [again] = reprocess(db, ["timm"])
    assert (again.status, again.flagged) == ("ok", 0)
    assert {f for _, f, _, _ in flags(db)} == {"delisted"}


@pytest.mark.parametrize("source", ["arxiv"])
def test_a_feed_is_not_a_listing(source):
    from crawler.sources import get_source

    assert get_source(source).get("listing") is False
