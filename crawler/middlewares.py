"""Downloader middlewares: replay from a loopback mirror, archive every response, robots.txt
from the shared cache, retries with the policy's backoff.

Scrapy 2.19 calls middleware methods without the `spider` argument, so both
take it as optional.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import time
from pathlib import Path
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.response import response_status_message

from crawler.archive import ResponseArchive
from crawler.pace import clock_for, floor_scale, stamp_if_due
from crawler.policy import backoff_seconds
from crawler.replay import replay_url
from crawler.robots import RobotsCache
from crawler.validators import conditional_headers, unchanged

ORIGINAL_URL = "replay_original_url"
FIRST_SENT = "sota_first_sent"     # monotonic time of a request's first attempt (kept by retries)
NOT_SENT = "not sent"              # IgnoreRequest reason for a request to a host that went silent


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
    """Archive every response's raw bytes (before decompression), and skip what did not change.

    The parent leaves the last crawl's validators (`validators.json`: url →
    sha256, etag, last_modified) in the run folder. Requests carry
    If-None-Match / If-Modified-Since; a 304, or a 200 whose body hashes as
    before, is recorded in the manifest only (the WARC grows only when content
    changes) and dropped with `IgnoreRequest("unchanged ...")`, so the spider
    does not parse it again. robots.txt and requests marked
    `meta["always_parse"]` (inputs other files' parsing depends on) are never
    dropped and never asked for conditionally.
    """

    def __init__(self, archive: ResponseArchive, validators: dict[str, dict]):
        self.archive = archive
        self.validators = validators

    @classmethod
    def from_crawler(cls, crawler):
        out = crawler.settings.get("SOTA_OUT_DIR")
        if not out:
            raise NotConfigured
        path = Path(out) / "validators.json"
        validators = json.loads(path.read_text("utf-8")) if path.exists() else {}
        mw = cls(ResponseArchive(Path(out)), validators)
        crawler.signals.connect(mw.close, signal=signals.spider_closed)
        return mw

    def process_request(self, request, spider=None):
        known = self.validators.get(request.url)
        if not known or _is_robots(request.url) or request.meta.get("always_parse"):
            return None
        for name, value in conditional_headers(known).items():
            request.headers.setdefault(name, value)
        return None

    def process_response(self, request, response, spider=None):
        known = self.validators.get(response.url) or {}
        same = unchanged(response.status, hashlib.sha256(response.body).hexdigest(), known)
        headers = [(k.decode("latin-1"), b", ".join(v).decode("latin-1"))
                   for k, v in response.headers.items()]
        if response.status == 304:
            # Keep the validators we sent, so the next crawl asks the same way.
            headers += [(k, v) for k, v in (("ETag", known.get("etag")),
                                            ("Last-Modified", known.get("last_modified"))) if v]
        self.archive.record(response.url, response.status, headers, response.body,
                            store=not same)
        if same and not _is_robots(response.url) and not request.meta.get("always_parse"):
            raise IgnoreRequest(f"unchanged since the last crawl: {response.url}")
        return response

    def close(self, spider=None):
        self.archive.close()


def _host(request) -> str | None:
    """The production host a request is for (under replay, not the loopback mirror's)."""
    return urlsplit(request.meta.get(ORIGINAL_URL, request.url)).hostname


def _is_robots(url: str) -> bool:
    # endswith: under replay the path is `/<host>/robots.txt`
    return urlsplit(url).path.endswith("/robots.txt")


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, with the policy's pause first (crawler/policy.py: `Retry-After` when
    the server sends one, else exponential backoff). A Retry-After beyond the policy's cap, or
    past the run's deadline (`SOTA_DEADLINE`), is not waited for: the run fails and the next
    schedule retries. Notes when a request was first sent (FIRST_SENT), for the spider's
    "no response from HOST in N s". A host that let one request time out on every attempt is
    not asked again in this run: its other requests fail at once (NOT_SENT)."""

    def __init__(self, settings):
        super().__init__(settings)
        self.deadline = settings.getfloat("SOTA_DEADLINE") or None
        self.silent_hosts: set[str] = set()

    def process_request(self, request, spider=None):
        host = _host(request)
        if host in self.silent_hosts and not _is_robots(request.url):
            raise IgnoreRequest(f"{NOT_SENT}: {host} did not answer an earlier request")
        request.meta.setdefault(FIRST_SENT, time.monotonic())

    async def process_response(self, request, response, spider=None):
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        tries = request.meta.get("retry_times", 0)
        if tries >= request.meta.get("max_retry_times", self.max_retry_times):
            return response  # let it through: the spider's errback reports the final status
        wait = backoff_seconds(tries, response.headers.get(b"Retry-After", b"").decode("latin-1"))
        if wait is None or (self.deadline and time.time() + wait > self.deadline):
            return response
        await asyncio.sleep(wait)
        return self._retry(request, response_status_message(response.status)) or response

    async def process_exception(self, request, exception, spider=None):
        if _is_robots(request.url):
            return None  # an unreachable robots.txt means "allowed": no retries, no waiting
        tries = request.meta.get("retry_times", 0)
        will_retry = tries < request.meta.get("max_retry_times", self.max_retry_times)
        if not will_retry and type(exception).__name__ in ("DownloadTimeoutError", "TimeoutError"):
            self.silent_hosts.add(_host(request))
        if isinstance(exception, self.exceptions_to_retry) and not request.meta.get("dont_retry") and will_retry:
            await asyncio.sleep(backoff_seconds(tries))
        return super().process_exception(request, exception)


class PacingMiddleware:
    """The policy's host floors (crawler/policy.py HOST_FLOORS), across processes: before a
    request to such a host, wait until the floor has passed since the last request any crawl of
    this database made to it (crawler.pace: a clock file per domain in PACE_DIR). Sees the
    production URL (it runs before the replay rewrite); under --replay floors are scaled
    (crawler.pace.floor_scale)."""

    def __init__(self, root: Path, scale: float = 1.0):
        self.root = root
        self.scale = scale

    @classmethod
    def from_crawler(cls, crawler):
        root = crawler.settings.get("PACE_DIR")
        if not root:
            raise NotConfigured
        return cls(Path(root), floor_scale(bool(crawler.settings.get("REPLAY_BASE_URL"))))

    async def process_request(self, request, spider=None):
        # The replay rewrite sends the same attempt through the chain again: pace each attempt
        # (a retry or a redirect is one more request to the host) once.
        attempt = (request.meta.get("retry_times", 0), request.meta.get("redirect_times", 0))
        if request.meta.get("paced") == attempt:
            return None
        clock = clock_for(self.root, request.meta.get(ORIGINAL_URL, request.url), self.scale)
        if clock is None:
            return None
        request.meta["paced"] = attempt
        while True:
            wait = stamp_if_due(*clock)
            if wait <= 0:
                return None
            await asyncio.sleep(wait)


class CachedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, answering from RobotsCache when it has a fresh copy."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.cache = RobotsCache(crawler.settings.get("ROBOTS_CACHE_DIR"))

    async def robot_parser(self, request):
        netloc = urlparse_cached(request).netloc
        if netloc not in self._parsers:
            cached = self.cache.get(netloc)
            if cached is not None:
                status, body = cached
                self._parsers[netloc] = build_from_crawler(
                    self._parserimpl, self.crawler, body if status == 200 else b"")
        return await super().robot_parser(request)

    async def _parse_robots(self, response, netloc, request):
        self.cache.put(netloc, response.status, response.body)
        await super()._parse_robots(response, netloc, request)
