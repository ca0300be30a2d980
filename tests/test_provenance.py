"""Provenance everywhere: the baseline's citations, the offline first page, PWC's pinned
captures, readable conflicts in one unit, feeds as Atom, and the shareable snapshot."""
from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import stat
import urllib.request

import feedparser
import pytest

from conftest import PWC_CAPTURES, sota
from db.connect import open_db
from db.queries import changes, conflicts, leaderboard
from db.snapshot import SnapshotError, write_snapshot
from ingest.baseline import load_baseline, read_baseline
from ingest.conflicts import beyond_rounding, millions, params_conflicts, printed_step
from ingest.normalize import params_count
from runs.crawl import crawl
from runs.prepare import prepare_db


def test_packaged_baseline_cites_every_row():
    data = read_baseline()
    rows = [dict(zip(data["result_fields"], r)) for r in data["results"]]
    assert "evidence" not in data["result_fields"]          # facts, not copied text
    assert all(r["source_url"] and r["archive_url"] and r["locator"] for r in rows)
    pwc = [r for r in rows if r["source"] == "pwc"]
    assert pwc and all(r["archive_url"] in PWC_CAPTURES and r["locator"].startswith("evaluation-table-data row ")
                       for r in pwc)
    arxiv = [r for r in rows if r["source"] == "arxiv"]
    assert arxiv and all(r["locator"].startswith(f"abstract of arXiv:{r['paper_id']}v") for r in arxiv)


def test_offline_first_page_names_a_source_for_every_number(db_path):
    prepare_db(db_path)            # as `sota up` does first: schema, sources, rules
    db = open_db(db_path)
    data = read_baseline()
    load_baseline(db, data)
    rows = leaderboard(db, "imagenet-1k", "top1_acc", top=40)
    assert len(rows) == 40
    assert [r["model"] for r in rows if not r["source_url"] or not (r["evidence"] or r["locator"])] == []
    # The seeding is a run of its own: every insert in the change log names it, and says why.
    [(run, kind)] = db.execute("SELECT id, kind FROM crawl_runs").fetchall()
    assert kind == "baseline"
    inserts = [c for c in changes(db) if c["change"] == "insert"]
    assert len(inserts) == len(data["results"])
    assert {(c["run"], c["why"]) for c in inserts} == {(run, "seeded from the bundled baseline")}
    assert db.execute("SELECT count(*) FROM flags WHERE run = ? AND flag = 'withdrawn'", [run]).fetchone() == (1,)


def test_pwc_reads_pinned_captures_when_its_start_urls_answer_404(db_path, mirror):
    # Our small mirror holds one of the three pinned captures and none of the 2025 start URLs.
    [run] = crawl(db_path, ["pwc"], None, str(mirror))
    assert run.fallbacks == 3 and run.counts.inserted == 3
    assert run.status == "failed" and run.error.startswith(
        "not in the replay mirror (HTTP 404 for 2 URLs, first https://web.archive.org/web/20231214000000id_/")
    db = open_db(db_path)
    assert db.execute("SELECT DISTINCT source_url, archive_url FROM results").fetchall() == [
        (PWC_CAPTURES[0], PWC_CAPTURES[0])]


def test_numbers_in_one_unit_at_their_printed_precision():
    assert params_count(7.8, 100_000) == 7_800_000           # PWC's "Number of params" in millions
    assert params_count("2440M", 100_000) == 2_440_000_000
    assert params_count("1.2B", 100_000) == 1_200_000_000
    assert params_count(86_000_000.0, 100_000) == 86_000_000 and params_count(0, 100_000) is None
    assert printed_step("0.9104", 91.04) == pytest.approx(0.01)   # a fraction's 4th decimal
    assert printed_step("91.0%", 91.0) == pytest.approx(0.1)
    assert not beyond_rounding(91.04, "0.9104", 91.0, "91.0")
    assert beyond_rounding(91.06, "0.9106", 91.0, "91.0")
    assert millions(2_440_000_000) == "2,440M" and millions(356_460_000) == "356.46M"


def test_params_conflict_only_when_no_count_agrees():
    def row(source, params, rid):
        return {"canonical": "ConViT-B", "canonical_key": "convitb", "dataset": "imagenet-1k",
                "metric": "top1_acc", "protocol": "supervised", "source": source, "params": params,
                "score": 80.0, "id": rid, "evidence": "", "source_url": "u", "locator": None,
                "paper_version": None}
    # Two variants merged under one model on one side: agreeing with either is agreement.
    assert params_conflicts([row("pwc", 86_000_000, 1), row("pwc", 152_000_000, 2),
                             row("timm", 86_540_000, 3)]) == []
    [found] = params_conflicts([row("pwc", 4_700_000, 1), row("timm", 7_780_000, 2)])
    assert found["note"].startswith("pwc gives 4.7M parameters, timm 7.78M: 39.6% apart")


def test_conflicts_read_in_units(replay_crawl):
    db = open_db(replay_crawl.db)
    rows = conflicts(db)
    assert rows and all(r["unit"] == "params" and r["shown_a"].endswith("M") for r in rows)
    # No count read in the wrong unit (PWC once gave MobileOne-S2 as 8 parameters).
    assert all(min(r["value_a"], r["value_b"]) >= 100_000 for r in rows)
    out = sota("conflicts", db=replay_crawl.db)
    assert out.returncode == 0 and "e+" not in out.stdout
    value = sota("conflicts", "--field", "value", db=replay_crawl.db)
    assert value.stdout == "" and "no value conflicts" in value.stderr


def test_feeds_are_atom(replay_server):
    for path, least in (("/sota/new_sota.atom", 5), ("/sota/changes.atom", 100)):
        with urllib.request.urlopen(replay_server + path, timeout=60) as response:
            assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
            feed = feedparser.parse(response.read())
        assert not feed.bozo, feed.get("bozo_exception")
        assert len(feed.entries) >= least
        assert all(e.get("link") and e.get("updated") and e.get("title") and e.get("id") for e in feed.entries)
    record = feedparser.parse(urllib.request.urlopen(replay_server + "/sota/new_sota.atom", timeout=60).read())
    omnivec = next(e for e in record.entries if e.title.startswith("OmniVec"))
    assert "[implausible, unconfirmed]" in omnivec.title and "Flags: implausible: beats" in omnivec.summary


def test_snapshot_is_one_readonly_file_that_plain_sqlite_and_datasette_serve(replay_crawl, tmp_path):
    out = tmp_path / "share" / "snap.db"
    done = write_snapshot(replay_crawl.db, out)
    assert done["rows"]["leaderboard"] > 50 and not stat.S_IMODE(os.stat(out).st_mode) & 0o222
    assert sorted(p.name for p in out.parent.iterdir()) == ["snap.db"]      # no -wal / -shm
    conn = sqlite3.connect(f"file:{out}?mode=ro", uri=True)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    views = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'")}
    assert {"leaderboard", "progression", "conflicts_readable", "changes", "active_flags"} <= views
    # The stored leaderboard is exactly what its SQL derives from the snapshot's own results.
    assert conn.execute("SELECT count(*) FROM (SELECT * FROM leaderboard EXCEPT "
                        "SELECT * FROM leaderboard_derived)").fetchone() == (0,)
    assert conn.execute("SELECT count(*) FROM leaderboard").fetchone() == \
        conn.execute("SELECT count(*) FROM leaderboard_derived").fetchone()
    assert json.loads(conn.execute("SELECT value FROM state WHERE key = 'snapshot'").fetchone()[0])["from"] == \
        str(replay_crawl.db)
    conn.close()
    with pytest.raises(SnapshotError, match="never overwritten"):
        write_snapshot(replay_crawl.db, out)
    # Datasette with no project code: the file opened immutable, as `datasette -i` does.
    from datasette.app import Datasette

    async def first_rows():
        ds = Datasette(immutables=[str(out)])
        await ds.invoke_startup()
        response = await ds.client.get("/snap/leaderboard.json?_shape=array&_size=5")
        return response.status_code, response.json()
    status, body = asyncio.run(first_rows())
    assert status == 200 and len(body) == 5 and body[0]["source_url"]
