"""The arxiv_html source: stored papers' arXiv HTML result tables, fetched once per version,
ar5iv standing in when arXiv has no rendering, a page nobody has recorded as a fact."""
from __future__ import annotations

import sqlite3

from conftest import parse_mirror, q, shared_path, sota
from crawler.pages.arxiv_html import paper_of
from ingest.items import ResultItem
from runs.crawl import crawl

DYT, QLIP, NONE = "2503.10622", "2502.05178", "2401.00001"


def test_page_urls():
    assert paper_of("https://arxiv.org/html/2503.10622v2") == ("2503.10622", 2)
    assert paper_of("https://ar5iv.labs.arxiv.org/html/1512.03385") == ("1512.03385", None)
    assert paper_of("https://arxiv.org/abs/2503.10622") is None


def test_tables_become_results_with_their_cells():
    items, errors = parse_mirror("arxiv_html", shared_path("replay"),
                                 [f"https://arxiv.org/html/{DYT}", f"https://arxiv.org/html/{NONE}"])
    assert errors == []   # the missing paper fell back to ar5iv, then was recorded as missing
    rows = [i for i in items if isinstance(i, ResultItem)]
    assert len(rows) >= 10 and {r.dataset for r in rows} == {"imagenet-1k"}
    for r in rows:
        assert r.source_url.startswith(f"https://arxiv.org/html/{DYT}#S5.T")
        assert r.evidence.replace("%", "").strip().startswith(r.raw_value)
        assert r.locator.startswith(r.source_url.split("#")[1]) and "caption:" in r.locator
        assert r.paper["id"] == DYT and r.role in ("proposed", "baseline", "variant")
    assert any(r.role == "proposed" for r in rows) and any(r.role == "baseline" for r in rows)


def test_papers_are_read_once_per_version(tmp_path):
    db = tmp_path / "h.db"
    assert sota("init", db=db).returncode == 0
    with sqlite3.connect(db) as conn:   # three stored papers that mention ImageNet
        conn.executemany("INSERT INTO papers (id, arxiv_id, title, url, published, version, abstract) "
                         "VALUES (?, ?, ?, ?, ?, 1, 'Results on ImageNet.')",
                         [(p, p, p, f"https://arxiv.org/abs/{p}", f"2025-0{i + 1}-01") for i, p in
                          enumerate((DYT, QLIP, NONE))])
    replay = str(shared_path("replay"))
    [run] = crawl(db, ["arxiv_html"], None, replay)
    assert run.status == "ok", run.error
    assert q(db, "SELECT paper_id, version, status FROM paper_pages ORDER BY paper_id") == [
        (NONE, 1, "none"), (QLIP, 1, "ok"), (DYT, 1, "ok")]
    assert q(db, "SELECT count(*) FROM results WHERE source = 'arxiv_html' AND paper_id = ?", [DYT]) >= [(10,)]
    [again] = crawl(db, ["arxiv_html"], None, replay)     # nothing new to read: no request at all
    assert (again.status, again.counts.seen) == ("ok", 0)
    assert q(db, "SELECT count(*) FROM responses WHERE crawl_run = ?", [again.run_id]) == [(0,)]
    q(db, "UPDATE papers SET version = 2 WHERE id = ?", [NONE], commit=True)   # a new version
    [third] = crawl(db, ["arxiv_html"], None, replay)
    assert q(db, "SELECT version, status FROM paper_pages WHERE paper_id = ? ORDER BY version", [NONE]) == [
        (1, "none"), (2, "none")]
    # Derived again from the archive, offline: the same rows.
    before = q(db, "SELECT key, value, model, role, locator FROM results ORDER BY key")
    assert sota("reprocess", "arxiv_html", db=db).returncode == 0
    assert q(db, "SELECT key, value, model, role, locator FROM results ORDER BY key") == before
