"""Benchmark 5, arXiv pacing: a paged arXiv query through the real crawl (`sota crawl arxiv`,
the Scrapy spider under the policy's 3 s floor for arxiv.org, crawler/policy.py) against a loopback Atom
server standing in for export.arxiv.org (`--replay http://...`: the floor holds under replay).

The server logs each request's arrival; the figures are the spacing between feed requests
(robots.txt aside). Targets: mean spacing <= 1.1x the floor (polite but not slow), minimum
spacing never below it. --quick asks 3 pages, the full run 6.
"""
from __future__ import annotations

import os
import sqlite3
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

from bench.common import Row, remove_db, run_timed, sota_cmd

PAGE_SIZE = 5


def feed(start: int, size: int, total: int) -> bytes:
    entries = []
    for i in range(start, min(start + size, total)):
        day = f"2020-{1 + i % 12:02d}-{1 + i % 28:02d}T12:00:00Z"
        entries.append(f"""  <entry>
    <id>http://arxiv.org/abs/2001.{10000 + i:05d}v1</id>
    <title>Pacing paper {i}: scaling vision models on ImageNet</title>
    <updated>{day}</updated>
    <link href="https://arxiv.org/abs/2001.{10000 + i:05d}v1" rel="alternate" type="text/html"/>
    <summary>{escape(f"Model {i} reaches {70 + i % 20}.{i % 10}% top-1 accuracy on ImageNet.")}</summary>
    <category term="cs.CV" scheme="http://arxiv.org/schemas/atom"/>
    <published>{day}</published>
    <arxiv:primary_category term="cs.CV"/>
    <author><name>Author {i}</name></author>
  </entry>""")
    body = f"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">
  <id>https://arxiv.org/api/bench-pacing</id>
  <title>arXiv Query: bench</title>
  <updated>2026-01-01T00:00:00Z</updated>
  <opensearch:itemsPerPage>{size}</opensearch:itemsPerPage>
  <opensearch:totalResults>{total}</opensearch:totalResults>
  <opensearch:startIndex>{start}</opensearch:startIndex>
{chr(10).join(entries)}
</feed>
"""
    return body.encode("utf-8")


class PagedFeedServer:
    """Serves `start`/`max_results` pages of one result set; logs each request's arrival."""

    def __init__(self, total: int):
        self.hits: list[float] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path.endswith("/robots.txt"):
                    self.send_error(404)
                    return
                outer.hits.append(time.monotonic())
                query = parse_qs(urlsplit(self.path).query)
                body = feed(int(query.get("start", ["0"])[0]), int(query.get("max_results", ["10"])[0]), total)
                self.send_response(200)
                self.send_header("Content-Type", "application/atom+xml; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

        self.httpd = Server(("127.0.0.1", 0), Handler)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def run(out: Path, quick: bool, notes: list[str]) -> list[Row]:
    from crawler.pages.arxiv import query_url
    from crawler.policy import floor_for

    floor = floor_for("export.arxiv.org")[1]
    pages = 3 if quick else 6
    total = pages * PAGE_SIZE
    db = out / "pacing.db"
    remove_db(db)
    with PagedFeedServer(total) as server:
        # The loopback server stands in for arXiv: the real floor, not replay's scaled one.
        os.environ["SOTA_REPLAY_FLOOR_SCALE"] = "1"
        try:
            spent, code = run_timed(sota_cmd("crawl", "arxiv", "--db", str(db), "--replay", server.base_url,
                                             "--url", query_url("abs:ImageNet", 0, PAGE_SIZE)), out / "pacing.log")
        finally:
            del os.environ["SOTA_REPLAY_FLOOR_SCALE"]
    papers = sqlite3.connect(db).execute("SELECT count(*) FROM papers").fetchone()[0]
    remove_db(db)
    if code != 0 or len(server.hits) != pages or papers != total:
        raise AssertionError(f"expected {pages} requests and {total} papers, got {len(server.hits)} "
                             f"and {papers} (exit {code}; see {out / 'pacing.log'})")
    gaps = [b - a for a, b in zip(server.hits, server.hits[1:])]
    mean, low = sum(gaps) / len(gaps), min(gaps)
    notes.append(f"arxiv pacing: `sota crawl arxiv` paging {pages} pages x {PAGE_SIZE} papers through the "
                 f"Scrapy spider, floor {floor} s (the real one); server-side gaps "
                 f"{', '.join(f'{g:.3f}' for g in gaps)} s")
    return [Row.compare("arxiv pacing: mean request spacing (s) vs floor", mean, floor, "<= 1.1"),
            Row.compare("arxiv pacing: min request spacing (s) vs floor", low, floor, ">= 1.0")]
