"""Downloader middlewares: replay from a loopback mirror, and archive every response.

Scrapy 2.19 calls middleware methods without the `spider` argument, so both
take it as optional.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, urlsplit

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.archive import ResponseArchive

ORIGINAL_URL = "replay_original_url"


def replay_url(base: str, url: str) -> str:
    """Map a production URL onto the replay server: `<base>/<host><path>[?query]`."""
    parts = urlsplit(url)
    path = quote(f"{parts.netloc}{parts.path}", safe="/:@!$&'()*+,;=-._~")
    return f"{base.rstrip('/')}/{path}" + (f"?{parts.query}" if parts.query else "")


class ReplayMiddleware:
    """Send every request to the loopback replay server, keep the real URL for the spider.

    The request is rewritten just before download; its response gets the
    production URL back, so spiders, `source_url` and the archive all see the
    URL the data stands for. robots.txt is still fetched for the real host
    (through this same rewrite) before the rewritten request goes out.
    """

    def __init__(self, base: str):
        self.base = base

    @classmethod
    def from_crawler(cls, crawler):
        base = crawler.settings.get("REPLAY_BASE_URL")
        if not base:
            raise NotConfigured
        return cls(base)

    def process_request(self, request, spider=None):
        if ORIGINAL_URL in request.meta:
            return None
        meta = {**request.meta, ORIGINAL_URL: request.url, "dont_obey_robotstxt": True}
        return request.replace(url=replay_url(self.base, request.url), meta=meta)

    def process_response(self, request, response, spider=None):
        original = request.meta.get(ORIGINAL_URL)
        if original and response.url == request.url:
            return response.replace(url=original)
        return response


class ArchiveMiddleware:
    """Archive every response's raw bytes (before decompression) for the run."""

    def __init__(self, archive: ResponseArchive):
        self.archive = archive

    @classmethod
    def from_crawler(cls, crawler):
        out = crawler.settings.get("SOTA_OUT_DIR")
        if not out:
            raise NotConfigured
        mw = cls(ResponseArchive(Path(out)))
        crawler.signals.connect(mw.close, signal=signals.spider_closed)
        return mw

    def process_response(self, request, response, spider=None):
        headers = [(k.decode("latin-1"), b", ".join(v).decode("latin-1"))
                   for k, v in response.headers.items()]
        self.archive.record(response.url, response.status, headers, response.body)
        return response

    def close(self, spider=None):
        self.archive.close()
