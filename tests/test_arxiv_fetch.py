"""crawler.arxiv_fetch against real loopback servers and the real `arxiv` client (no mocks).

Fixtures in tests/fixtures/arxiv are small feeds in the live API's format. Fault scenarios use a
scripted loopback server that timestamps every request, so spacing and Retry-After are checked
on the server side.
"""
from __future__ import annotations

import json
import math
import os
import shutil
import threading
import time
from datetime import date, datetime, timezone
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.archive import ResponseArchive
from crawler.arxiv_fetch import (DEFAULT_QUERY, ArxivFetchError, fetch_papers, make_client,
                                 retry_after_seconds, window_queries)
from crawler.replay import ReplayServer

FIX = Path(__file__).resolve().parent / "fixtures" / "arxiv"
SHARED = Path(__file__).resolve().parents[2] / "shared"
DELAY = 0.2


def feed(name: str) -> bytes:
    return (FIX / name).read_bytes()


def ok(name: str, hang: float = 0.0):
    return (200, {}, feed(name), hang)


class ScriptedServer:
    """Answers the i-th request with steps[i] (the last step repeats) and logs every request.

    A step is `(status, headers, body, hang_seconds)` or a callable returning one (evaluated
    when the request arrives). `hits` holds `(monotonic, wall_clock, path)` per request.
    """

    def __init__(self, steps):
        self.steps, self.hits = steps, []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                outer.hits.append((time.monotonic(), time.time(), self.path))
                step = outer.steps[min(len(outer.hits), len(outer.steps)) - 1]
                status, headers, body, hang = step() if callable(step) else step
                time.sleep(hang)
                try:
                    self.send_response(status)
                    headers = {"Content-Type": "application/atom+xml; charset=utf-8",
                               "Content-Length": str(len(body)), **headers}
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:  # the client gave up (timeout test)
                    pass

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # a late write to a client that timed out is expected

        self.httpd = Server(("127.0.0.1", 0), Handler)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def gaps(self) -> list[float]:
        times = [t for t, _, _ in self.hits]
        return [b - a for a, b in zip(times, times[1:])]

    def __enter__(self):
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def manifest(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "responses.jsonl").read_text().splitlines()]


def client_for(server, archive=None, **kwargs):
    kwargs = {"delay_seconds": DELAY, "timeout": 5.0, "num_retries": 2, **kwargs}
    return make_client(server.base_url, archive, **kwargs)


# --- replay mirror (crawler.replay.ReplayServer) ---------------------------------------------

WINDOW_QUERY = ("search_query=(abs:ImageNet+AND+cat:cs.CV)+AND+submittedDate:[202203010000+TO+202205312359]"
                "&id_list=&sortBy=submittedDate&sortOrder=ascending&start=0&max_results=100")


def test_window_query_syntax_dicts_and_archive(tmp_path):
    # Only the query-specific mirror file exists: a wrong query string would 404.
    api = tmp_path / "mirror" / "export.arxiv.org" / "api"
    api.mkdir(parents=True)
    shutil.copy(FIX / "feed_window.xml", api / f"query?{WINDOW_QUERY}")
    archive = ResponseArchive(tmp_path / "run")
    with ReplayServer(tmp_path / "mirror") as server:
        client = make_client(server.base_url, archive, delay_seconds=DELAY)
        papers = list(fetch_papers("abs:ImageNet AND cat:cs.CV", since="2022-03-01", until="2022-05-31",
                                   client=client))
    archive.close()
    assert [p["arxiv_id"] for p in papers] == ["2203.05482", "2205.01917"]  # 2014 and Jan 2022 filtered
    soups, coca = papers
    assert soups["title"].startswith("Model soups: averaging weights of multiple fine-tuned models improves accuracy")
    assert "\n" not in soups["abstract"] and soups["primary_category"] == "cs.LG"
    assert soups["categories"] == ["cs.LG", "cs.CL", "cs.CV"] and soups["version"] == 3
    assert coca == {
        "arxiv_id": "2205.01917", "version": 2,
        "title": "CoCa: Contrastive Captioners are Image-Text Foundation Models",
        "authors": ["Jiahui Yu", "Zirui Wang"],
        "abstract": coca["abstract"], "categories": ["cs.CV", "cs.LG", "cs.MM"], "primary_category": "cs.CV",
        "published": "2022-05-04", "updated": "2022-06-14T00:14:27+00:00",
        "comment": "Preprint", "journal_ref": None, "doi": None,
        "links": [{"href": "https://arxiv.org/abs/2205.01917v2", "title": None, "rel": "alternate"},
                  {"href": "https://arxiv.org/pdf/2205.01917v2", "title": "pdf", "rel": "related"}],
        "url": "https://arxiv.org/abs/2205.01917", "entry_id": "http://arxiv.org/abs/2205.01917v2",
    }
    assert coca["abstract"].startswith("Fixture text: an image-text encoder-decoder")
    # Archived under the production URL (as the Scrapy archive does in replay mode), bytes intact.
    (row,) = manifest(tmp_path / "run")
    assert row["status"] == 200
    assert row["url"] == "https://export.arxiv.org/api/query?" + WINDOW_QUERY.replace("(", "%28").replace(
        ")", "%29").replace(":", "%3A").replace("[", "%5B").replace("]", "%5D")
    with open(tmp_path / "run" / "responses.warc.gz", "rb") as fh:
        bodies = [r.content_stream().read() for r in ArchiveIterator(fh) if r.rec_type == "response"]
    assert bodies == [feed("feed_window.xml")]


def test_doi_journal_ref_and_since_only(tmp_path):
    with ScriptedServer([ok("feed_window.xml")]) as server:
        papers = list(fetch_papers("abs:ImageNet", since=None, until="2015-01-01", client=client_for(server)))
        later = list(fetch_papers("abs:ImageNet", since="2022-03-01T00:00:00Z", until=None,
                                  client=client_for(server)))
    (ilsvrc,) = papers
    assert ilsvrc["doi"] == "10.1007/s11263-015-0816-y"
    assert ilsvrc["journal_ref"] == "International Journal of Computer Vision, 2015"
    assert {"href": "https://doi.org/10.1007/s11263-015-0816-y", "title": "doi", "rel": "related"} in ilsvrc["links"]
    assert [p["arxiv_id"] for p in later] == ["2203.05482", "2205.01917"]
    queries = [parse_qs(urlsplit(path).query)["search_query"][0] for _, _, path in server.hits]
    today = datetime.now(timezone.utc).strftime("%Y%m%d")
    assert queries == ["(abs:ImageNet) AND submittedDate:[199101010000 TO 201501012359]",
                       f"(abs:ImageNet) AND submittedDate:[202203010000 TO {today}2359]"]


def test_real_replay_feed():
    replay = SHARED / "replay"
    if not (replay / "export.arxiv.org" / "api" / "query").is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{replay} missing: the real replay data is mandatory when CI=true")
        pytest.skip(f"{replay} not present: the real-data test needs ../shared beside the checkout")
    with ReplayServer(replay) as server:
        client = make_client(server.base_url, None, delay_seconds=DELAY)
        papers = list(fetch_papers(DEFAULT_QUERY, since=None, until=None, client=client))
        recent = list(fetch_papers(DEFAULT_QUERY, since="2022-01-01", until=None, client=client))
    assert len(papers) == 25 and len({p["arxiv_id"] for p in papers}) == 25
    coca = next(p for p in papers if p["arxiv_id"] == "2205.01917")
    assert coca["title"].startswith("CoCa: Contrastive Captioners")
    assert coca["published"] == "2022-05-04" and "ImageNet" in coca["abstract"]
    assert all(p["abstract"] and p["authors"] and p["published"] for p in papers)
    assert {p["arxiv_id"] for p in recent} == {p["arxiv_id"] for p in papers if p["published"] >= "2022-01-01"}
    assert 0 < len(recent) < 25


# --- paging, spacing, retries (scripted loopback server) ------------------------------------

def test_paging_is_spaced_and_parses_old_ids():
    with ScriptedServer([ok("page_a.xml"), ok("page_b.xml")]) as server:
        papers = list(fetch_papers("abs:ImageNet", since=None, until=None,
                                   client=client_for(server, page_size=2)))
    assert [(p["arxiv_id"], p["version"]) for p in papers] == [
        ("1512.03385", 1), ("2010.11929", 2), ("math/0211159", 1)]
    assert papers[2]["url"] == "https://arxiv.org/abs/math/0211159"
    starts = [parse_qs(urlsplit(path).query)["start"][0] for _, _, path in server.hits]
    assert starts == ["0", "2"]
    assert all(gap >= DELAY for gap in server.gaps())


@pytest.mark.parametrize("steps, requests, n_papers", [
    (["page_a.xml", "empty.xml", "page_b.xml"], 3, 3),               # empty page 2, retry recovers
    (["page_a.xml", "empty.xml", "empty.xml", "empty.xml"], 4, 2),   # still empty: the end
])
def test_empty_page_after_first_is_retried_then_ends(steps, requests, n_papers):
    with ScriptedServer([ok(s) for s in steps]) as server:
        papers = list(fetch_papers("abs:ImageNet", since=None, until=None,
                                   client=client_for(server, page_size=2, num_retries=2)))
    assert len(papers) == n_papers and len(server.hits) == requests
    assert all(gap >= DELAY for gap in server.gaps())


def test_503_retry_after_seconds_is_honoured_and_archived(tmp_path):
    archive = ResponseArchive(tmp_path / "run")
    with ScriptedServer([(503, {"Retry-After": "1"}, b"busy", 0), ok("feed_window.xml")]) as server:
        papers = list(fetch_papers("abs:ImageNet", since=None, until=None, client=client_for(server, archive)))
    archive.close()
    assert len(papers) == 4
    assert len(server.hits) == 2 and server.gaps()[0] >= 1.0
    rows = manifest(tmp_path / "run")
    assert [r["status"] for r in rows] == [503, 200]
    assert all(r["url"].startswith("https://export.arxiv.org/api/query?search_query=") for r in rows)


def test_429_retry_after_http_date_is_honoured():
    asked = []

    def too_many():
        # HTTP-dates have 1 s resolution: the earliest allowed retry is a whole second, 1-2 s ahead.
        asked.append(math.floor(time.time()) + 2)
        return 429, {"Retry-After": formatdate(asked[-1], usegmt=True)}, b"", 0

    with ScriptedServer([too_many, ok("feed_window.xml")]) as server:
        papers = list(fetch_papers("abs:ImageNet", since=None, until=None, client=client_for(server)))
    assert len(papers) == 4 and len(server.hits) == 2
    assert server.hits[1][1] >= asked[0]  # wall clock, as HTTP-dates are


def test_http_400_error_feed_is_one_line_and_not_retried(tmp_path):
    archive = ResponseArchive(tmp_path / "run")
    with ScriptedServer([(400, {}, feed("error_400.xml"), 0)]) as server:
        with pytest.raises(ArxivFetchError) as info:
            list(fetch_papers("abs:ImageNet", since=None, until=None, client=client_for(server, archive)))
    archive.close()
    assert str(info.value) == "arXiv API error: incorrect id format for not-an-id"
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert len(server.hits) == 1
    assert [r["status"] for r in manifest(tmp_path / "run")] == [400]


@pytest.mark.parametrize("step, message, requests", [
    ((200, {}, feed("error_400.xml"), 0), "arXiv API error: incorrect id format for not-an-id", 1),
    ((404, {}, b"not found", 0), "arXiv API: HTTP 404 for http://127.0.0.1:", 1),
    ((200, {"Content-Type": "text/html"}, b"<html><body>down for maintenance</body></html>", 0),
     "arXiv API: response is not an Atom feed: http://", 1),   # not retried: fails fast
])
def test_other_failures_are_one_line_errors(step, message, requests):
    with ScriptedServer([step]) as server:
        with pytest.raises(ArxivFetchError) as info:
            list(fetch_papers("abs:ImageNet", since=None, until=None, client=client_for(server, num_retries=1)))
    assert str(info.value).startswith(message) and "\n" not in str(info.value)
    assert len(server.hits) == requests


def test_hang_past_timeout_is_retried_after_the_delay():
    started = time.monotonic()
    with ScriptedServer([ok("feed_window.xml", hang=3.0), ok("feed_window.xml")]) as server:
        papers = list(fetch_papers("abs:ImageNet", since=None, until=None,
                                   client=client_for(server, timeout=0.4)))
        elapsed = time.monotonic() - started
    assert len(papers) == 4 and len(server.hits) == 2
    # Timed out after 0.4 s, then waited the delay. The server logs a hit a moment after the
    # client's timeout clock starts, hence the small tolerance on top of the strict delay check.
    assert server.gaps()[0] >= DELAY and server.gaps()[0] >= 0.4 + DELAY - 0.05
    assert elapsed < 2.5  # did not wait for the hung response


def test_retries_exhausted_is_a_clear_error():
    with ScriptedServer([(503, {"Retry-After": "0"}, b"down", 0)]) as server:
        with pytest.raises(ArxivFetchError, match=r"^arXiv API: HTTP 503 after 2 tries: http://"):
            list(fetch_papers("abs:ImageNet", since=None, until=None,
                              client=client_for(server, num_retries=1)))
    assert len(server.hits) == 2 and server.gaps()[0] >= DELAY  # Retry-After 0 never beats the delay


def test_connection_refused_backs_off_then_fails():
    with ScriptedServer([]) as server:
        base = server.base_url  # the port is closed once the block ends
    client = make_client(base, None, delay_seconds=DELAY, timeout=1.0, num_retries=2)
    started = time.monotonic()
    with pytest.raises(ArxivFetchError, match="ConnectionError.* after 3 tries"):
        list(fetch_papers("abs:ImageNet", since=None, until=None, client=client))
    assert time.monotonic() - started >= DELAY + 2 * DELAY  # backoff 0.2 s, then 0.4 s


# --- helpers --------------------------------------------------------------------------------

def test_retry_after_parsing():
    now = datetime(2026, 6, 1, 12, 0, 0, tzinfo=timezone.utc)
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds("86400") == 86400.0  # the caller caps it
    assert retry_after_seconds("Mon, 01 Jun 2026 12:00:10 GMT", now=now) == 10.0
    assert retry_after_seconds("Mon, 01 Jun 2026 11:00:00 GMT", now=now) == 0.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_window_queries_newest_first_contiguous():
    windows = window_queries(date(2024, 1, 1), date(2024, 1, 25), 10)
    assert windows == [(date(2024, 1, 16), date(2024, 1, 25)), (date(2024, 1, 6), date(2024, 1, 15)),
                       (date(2024, 1, 1), date(2024, 1, 5))]
    assert window_queries(date(2024, 1, 1), date(2024, 1, 1), 30) == [(date(2024, 1, 1), date(2024, 1, 1))]
    assert window_queries(date(2024, 2, 1), date(2024, 1, 1), 7) == []
    with pytest.raises(ValueError):
        window_queries(date(2024, 1, 1), date(2024, 1, 2), 0)


def test_production_client_keeps_the_terms_of_use():
    client = make_client(None, None, delay_seconds=0.1)
    assert client.query_url_format == "https://export.arxiv.org/api/query?{}"
    assert client.delay_seconds == 3.0
    with pytest.raises(ValueError):
        make_client(None, None, page_size=5000)
