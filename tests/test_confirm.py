"""Confirmations: another source, the paper's own table, or another paper quoting a number as
its baseline stands behind a leaderboard row; a baseline never makes a row of its own."""
from __future__ import annotations

import dataclasses

from db.connect import open_db, write_transaction
from db.queries import leaderboard
from db.runs import start_run
from ingest.items import ResultItem
from ingest.load import save_items
from ingest.reconcile import reconcile
from runs.prepare import prepare_db

DEIT = {"id": "2012.12877", "arxiv_id": "2012.12877", "title": "Training data-efficient image transformers",
        "url": "https://arxiv.org/abs/2012.12877", "published": "2020-12-23"}
OTHER = {"id": "2103.14030", "arxiv_id": "2103.14030", "title": "Swin Transformer",
         "url": "https://arxiv.org/abs/2103.14030", "published": "2021-03-25"}
THIRD = {"id": "2201.03545", "arxiv_id": "2201.03545", "title": "A ConvNet for the 2020s",
         "url": "https://arxiv.org/abs/2201.03545", "published": "2022-01-10"}


def item(source, key, model, value, paper, role=None, raw=None):
    return dataclasses.asdict(ResultItem(
        source=source, key=key, model=model, dataset="imagenet-1k", metric="top1_acc", value=value,
        raw_value=raw or str(value), source_url=paper["url"], fetched_at="2026-01-01T00:00:00+00:00",
        evidence=f"{model} {value}%", kind="reported", paper=paper, published=paper["published"], role=role))


def build(path, items):
    prepare_db(path)
    db = open_db(path)
    for source in {i["source"] for i in items}:
        run = start_run(db, source, None, None)
        with write_transaction(db):
            save_items(db, run, [i for i in items if i["source"] == source])
    with write_transaction(db):
        reconcile(db)
    return db


def test_a_quoted_baseline_confirms_the_row_and_makes_none(tmp_path):
    db = build(tmp_path / "c.db", [
        item("pwc", "pwc|deit-b", "DeiT-B", 81.8, DEIT, raw="81.8%"),
        item("arxiv", "arxiv|swin|b", "DeiT-B", 81.8, OTHER, role="baseline"),       # Swin quotes it
        item("arxiv", "arxiv|cnx|b", "DeiT-B", 81.8, THIRD, role="baseline"),        # ConvNeXt too
        item("arxiv", "arxiv|swin|own", "Swin-B", 83.5, OTHER, role="proposed"),
        item("arxiv", "arxiv|cnx|vit", "ViT-B/16", 77.9, THIRD, role="baseline"),    # fits no row
    ])
    rows = {r["model"]: r for r in leaderboard(db, "imagenet-1k", "top1_acc", top=10)}
    assert set(rows) == {"DeiT-B", "Swin-B"}            # no row made by a baseline
    assert (rows["DeiT-B"]["confirmations"], rows["DeiT-B"]["confirming_papers"]) == (2, 2)
    assert rows["DeiT-B"]["confirmed"] is True and rows["Swin-B"]["confirmed"] is False
    assert [r["how"] for r in db.query("SELECT how FROM confirmations ORDER BY by_paper")] == [
        "quoted as a baseline by 2103.14030", "quoted as a baseline by 2201.03545"]


def test_a_different_number_or_model_confirms_nothing(tmp_path):
    db = build(tmp_path / "c.db", [
        item("pwc", "pwc|deit-b", "DeiT-B", 81.8, DEIT, raw="81.8%"),
        item("arxiv", "arxiv|swin|b", "DeiT-B", 81.5, OTHER, role="baseline"),       # another number
        item("arxiv", "arxiv|swin|s", "DeiT-S", 81.8, OTHER, role="baseline"),       # another size
    ])
    [row] = leaderboard(db, "imagenet-1k", "top1_acc", top=10)
    assert (row["model"], row["confirmations"]) == ("DeiT-B", 0)


def test_the_same_paper_in_another_source_confirms(tmp_path):
    db = build(tmp_path / "c.db", [
        item("pwc", "pwc|deit-b", "DeiT-B", 81.8, DEIT, raw="81.8%"),
        item("arxiv", "arxiv|deit|b", "DeiT-B", 81.8, DEIT, role="proposed"),
    ])
    [row] = leaderboard(db, "imagenet-1k", "top1_acc", top=10)
    assert (row["sources"], row["confirmations"], row["confirming_papers"]) == (["arxiv", "pwc"], 1, 0)
