"""The arXiv page object on Atom feeds: papers, claims, per-entry rejects, paging, windows.

Our own small feeds (tests/fixtures/arxiv, in the live API's format) plus the real replay feed.
The HTTP side (retries, Retry-After, robots) is the shared Scrapy policy, tested in test_faults_network.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from conftest import FIXTURES, shared_path
from crawler.pages import Follow, Page, PageError, load_pages
from crawler.pages.arxiv import query_url, window_query, windows
from crawler.sources import get_source
from ingest.items import PaperItem, RejectItem, ResultItem

FEEDS = FIXTURES / "arxiv"


def pages():
    return load_pages("arxiv", get_source("arxiv"))


def parse(body: bytes, url: str | None = None, parser=None):
    parser = parser or pages()
    return list(parser.parse(Page(url=url or query_url("abs:ImageNet", 0, 2), body=body))), parser


def of(kind, out):
    return [o for o in out if isinstance(o, kind)]


def test_entries_become_papers_with_every_field():
    out, parser = parse((FEEDS / "feed_window.xml").read_bytes())
    papers = of(PaperItem, out)
    assert len(papers) == 4 and not of(RejectItem, out)
    with_doi = [p for p in papers if p.doi]
    assert with_doi and all(p.journal_ref for p in with_doi)
    for p in papers:
        assert p.id == p.arxiv_id and p.url == f"https://arxiv.org/abs/{p.arxiv_id}"
        assert p.published and len(p.published) == 10 and p.version and p.authors and p.title
        assert "\n" not in p.title
    assert parser.summary()["cursor"][:10] == max(p.published for p in papers)


def test_paging_follows_total_results_and_old_ids():
    first, parser = parse((FEEDS / "page_a.xml").read_bytes())
    [follow] = of(Follow, first)
    args = parse_qs(urlsplit(follow.url).query)
    assert args["start"] == ["2"] and args["max_results"] == ["2"]
    second, _ = parse((FEEDS / "page_b.xml").read_bytes(), follow.url, parser)
    assert not of(Follow, second)   # 3 of 3 seen
    ids = [p.arxiv_id for p in of(PaperItem, first + second)]
    assert "math/0211159" in ids and len(ids) == 3


def test_empty_page_ends_paging():
    out, _ = parse((FEEDS / "empty.xml").read_bytes())
    assert out == []


def test_error_feed_and_non_atom_fail_the_page_in_one_line():
    with pytest.raises(PageError, match="arXiv API error: incorrect id format"):
        parse((FEEDS / "error_400.xml").read_bytes())
    for body in (b"<html><body>captive portal</body></html>", b"not xml at all", b""):
        with pytest.raises(PageError, match="not an Atom feed"):
            parse(body)


def test_one_malformed_entry_is_a_reject_and_the_others_load():
    feed = (FEEDS / "feed_window.xml").read_text("utf-8")
    first = feed.index("<published>") + len("<published>")
    broken = feed[:first] + "2022-02T00:00:00+00:00" + feed[feed.index("</published>", first):]
    out, _ = parse(broken.encode())
    [reject] = of(RejectItem, out)
    assert "2022-02T00:00:00+00:00" in reject.reason and reject.locator == "entry 0"
    assert len(of(PaperItem, out)) == 3


def test_window_in_the_url_bounds_what_is_kept():
    # A replay mirror answers any query with the whole feed; the window in the URL decides.
    q = window_query("abs:ImageNet", datetime(2022, 1, 1, tzinfo=timezone.utc),
                     datetime(2022, 3, 31, 23, 59, tzinfo=timezone.utc))
    out, _ = parse((FEEDS / "feed_window.xml").read_bytes(), query_url(q, 0, 100))
    assert sorted(p.published for p in of(PaperItem, out)) == ["2022-01-10", "2022-03-10"]


def test_start_urls_cursor_backfill_and_first_run():
    p = pages()
    [first] = p.start_urls()
    assert parse_qs(urlsplit(first).query)["sortOrder"] == ["descending"]
    [cursor] = p.start_urls(since="2022-05-04T00:00:00+00:00")
    assert "submittedDate:[202205040000 TO" in parse_qs(urlsplit(cursor).query)["search_query"][0]
    back = p.start_urls(since="2024-01-01", until="2024-03-31")
    assert len(back) == 4 and "202403" in back[0]        # 30-day windows, newest first
    assert windows(date(2024, 1, 1), date(2024, 1, 10), 4) == [
        (date(2024, 1, 7), date(2024, 1, 10)), (date(2024, 1, 3), date(2024, 1, 6)), (date(2024, 1, 1), date(2024, 1, 2))]


def test_terms_of_use_floor_is_shared_across_processes(tmp_path):
    """arXiv's one request every 3 s: a floor of the HTTP policy for arxiv.org and its
    subdomains, on a clock file every crawl process of the database shares."""
    from crawler.pace import stamp_if_due
    from crawler.policy import floor_for

    assert floor_for("export.arxiv.org") == ("arxiv.org", 3.0) == floor_for("arxiv.org")
    assert floor_for("raw.githubusercontent.com") is None
    clock = tmp_path / "arxiv.org.clock"
    assert stamp_if_due(clock, 3.0) == 0                  # first request: go
    assert 2.9 < stamp_if_due(clock, 3.0) <= 3.0          # another process right after: wait
    clock.write_text(str(float(clock.read_text()) - 3.0))  # three seconds later
    assert stamp_if_due(clock, 3.0) == 0


def test_real_replay_feed_every_paper_and_claims():
    feed = shared_path("replay", "export.arxiv.org", "api", "query").read_bytes()
    out, _ = parse(feed, query_url("abs:ImageNet", 0, 100))
    papers = of(PaperItem, out)
    assert len(papers) == feed.count(b"<entry>") and not of(RejectItem, out)
    coca = sorted((r.value, r.setting) for r in of(ResultItem, out) if r.paper["id"] == "2205.01917"
                  and r.metric == "top1_acc" and r.dataset == "imagenet-1k")
    assert coca == [(86.3, "zero_shot"), (90.6, "linear_probe"), (91.0, "finetuned")]


def test_nothing_new_judges_the_cursor_window_by_stored_papers():
    """The parent settles an arXiv run with no child when the cursor's window holds only papers
    stored as the feed has them; a newer version, a journal reference changed without one, a next
    page or an unreadable entry means the crawl parses it."""
    from crawler.pages.arxiv import ATOM, STORED, paper_of

    p = pages()
    body = (FEEDS / "feed_window.xml").read_bytes()
    [cursor] = p.start_urls(since="2022-01-01T00:00:00+00:00")
    [first_run] = p.start_urls()
    assert p.judges_news(cursor) and not p.judges_news(first_run)
    root = p.feed(body)
    held = {e["arxiv_id"]: {k: e[k] for k in STORED} for e in map(paper_of, root.iterfind(ATOM + "entry"))}
    del held["1409.0575"]                                    # outside the window: not asked about
    assert p.nothing_new(cursor, body, held.get)
    assert not p.nothing_new(cursor, body, {**held, "2205.01917": {**held["2205.01917"], "version": 1}}.get)
    assert not p.nothing_new(cursor, body, {**held, "2203.05482": {**held["2203.05482"], "journal_ref": "ICML 2022"}}.get)
    assert not p.nothing_new(cursor, body, {k: v for k, v in held.items() if k != "2201.03545"}.get)
    assert not p.nothing_new(cursor, body.replace(b"2203.05482v3", b"2203.05482"), held.get)   # no version: doubt
    assert not p.nothing_new(cursor, (FEEDS / "page_a.xml").read_bytes(), lambda _: None)     # a page follows
    assert not p.nothing_new(cursor, (FEEDS / "error_400.xml").read_bytes(), held.get)
    assert p.nothing_new(cursor, (FEEDS / "empty.xml").read_bytes(), held.get)
