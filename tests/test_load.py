"""The load path at its seam: `ingest.load.save_items` on a fresh database, no crawl."""
from __future__ import annotations

import pytest

from db.connect import open_db, write_transaction
from db.runs import start_run
from ingest.load import Seen, save_items
from runs.prepare import prepare_db


def result(i: int, **changes) -> dict:
    paper = {"id": f"pwc:paper-{i}", "arxiv_id": None, "title": f"Scaling Vision {i}",
             "url": f"https://paperswithcode.com/paper/paper-{i}", "published": "2021-03-04"}
    return {"record": "result", "source": "pwc", "key": f"pwc|board|{i}|top1_acc", "model": f"ViT-{i}",
            "dataset": "imagenet-1k", "metric": "top1_acc", "value": 80.0 + i / 1000, "raw_value": "80%",
            "source_url": "https://paperswithcode.com/sota/board", "fetched_at": "2026-01-01T00:00:00+00:00",
            "evidence": f"row {i}", "kind": "reported", "published": "2021-03-04", "paper": paper,
            "derived_by": "v1", **changes}


@pytest.fixture
def db(db_path):
    prepare_db(db_path)
    db = open_db(db_path)
    yield db
    db.close()


def load(db, items, seen=None):
    run = start_run(db, "pwc", None, None)
    with write_transaction(db):
        return run, save_items(db, run, items, seen)


def test_reload_writes_nothing_and_a_change_keeps_the_old_version(db):
    first, counts = load(db, [result(i) for i in range(3)])
    assert (counts.inserted, counts.updated, counts.unchanged) == (3, 0, 0)
    before = db.conn.total_changes
    _, counts = load(db, [result(i) for i in range(3)])
    assert (counts.inserted, counts.updated, counts.unchanged) == (0, 0, 3)
    assert db.conn.total_changes - before == 1   # start_run's crawl_runs row only
    second, counts = load(db, [result(0, value=81.5), result(1), result(2)])
    assert (counts.inserted, counts.updated, counts.unchanged) == (0, 1, 2)
    assert db.execute("SELECT value, crawl_run, inserted_run FROM results WHERE key = ?",
                      ["pwc|board|0|top1_acc"]).fetchall() == [(81.5, second, first)]
    assert db.execute("SELECT value, crawl_run, replaced_by_run, derived_by FROM results_history").fetchall() \
        == [(80.0, first, second, "v1")]


def test_a_new_derivation_alone_refreshes_the_row_without_a_version(db):
    load(db, [result(0)])
    run, counts = load(db, [result(0, derived_by="v2", locator="row 1")])
    assert (counts.updated, counts.unchanged) == (0, 1)
    assert db.execute("SELECT derived_by, locator, crawl_run FROM results").fetchall() == [("v2", "row 1", run)]
    assert db.execute("SELECT count(*) FROM results_history").fetchone()[0] == 0


def test_the_same_key_twice_in_one_load(db):
    _, counts = load(db, [result(0), result(0)])
    assert (counts.inserted, counts.unchanged) == (1, 1)
    # A second row for one key with another value: the first stands, the second is a reject.
    _, counts = load(db, [result(1), result(1, value=90.0)])
    assert (counts.inserted, counts.rejected) == (1, 1)
    [(reason,)] = db.execute("SELECT reason FROM rejects").fetchall()
    assert "appears twice in one load" in reason
    assert db.execute("SELECT value FROM results WHERE key = 'pwc|board|1|top1_acc'").fetchall() == [(80.001,)]


def test_bad_rows_are_rejects_and_seen(db):
    seen = Seen()
    _, counts = load(db, [result(0), result(1, model=None), {"record": "reject", "source": "pwc",
                                                             "url": "u", "raw": "x", "reason": "torn"}], seen)
    assert (counts.seen, counts.inserted, counts.rejected) == (3, 1, 2)
    assert seen.results == {"pwc|board|0|top1_acc"} and len(seen.rejects) == 2
    assert sorted(r for r, in db.execute("SELECT reason FROM rejects")) == ["missing model", "torn"]


def test_papers_of_a_large_load_are_stored_and_searchable(db):
    # More papers than one INSERT statement holds (_PAPERS_PER_STATEMENT).
    n = 1203
    _, counts = load(db, [result(i) for i in range(n)])
    assert counts.inserted == n
    assert db.execute("SELECT count(*) FROM papers").fetchone()[0] == n
    assert db.execute("SELECT count(*) FROM papers_fts WHERE papers_fts MATCH 'scaling'").fetchone()[0] == n
    assert db.execute("SELECT rowid FROM papers_fts WHERE papers_fts MATCH '1202'").fetchall() \
        == db.execute("SELECT rowid FROM papers WHERE id = 'pwc:paper-1202'").fetchall()
    # A leaderboard's reference fills gaps only; the paper's own record replaces what is stored.
    ref = result(5)["paper"] | {"title": "Another Title"}
    load(db, [result(5, paper=ref)])
    assert db.execute("SELECT title FROM papers WHERE id = 'pwc:paper-5'").fetchone()[0] == "Scaling Vision 5"
    load(db, [{"record": "paper", **ref}])
    assert db.execute("SELECT title FROM papers WHERE id = 'pwc:paper-5'").fetchone()[0] == "Another Title"
    assert db.execute("SELECT count(*) FROM papers_fts WHERE papers_fts MATCH 'another'").fetchone()[0] == 1
