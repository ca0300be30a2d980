"""The one spider: fetches a registered source's URLs and runs its page object on each response.

Parsing lives in the source's page object (crawler/pages/); this spider only turns its
`Follow`s into requests and its items into Scrapy items, and collects one-line reasons for
whatever failed (HTTP errors, timeouts, robots.txt refusals, pages that cannot be read),
which crawler.run reports, and the URLs parsed to the end (what a complete run has seen, see
runs/crawl.py on delisting). A source = one page object + one registry entry.
"""
from __future__ import annotations

import errno
import time
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError

from crawler.export import PageItems
from crawler.middlewares import FIRST_SENT, NOT_SENT, ORIGINAL_URL
from crawler.replay import NOT_IN_MIRROR, REPLAY_MISS
from crawler.pages import Follow, Page, PageError, load_pages, run_page
from crawler.sources import get_source
from db.connect import explain

# Failure types → what happened, in words a person running `sota status` understands.
_FAILURES = {
    "ResponseDataLossError": "response cut short (body shorter than its Content-Length)",
    "DownloadCancelledError": "response larger than the download size cap (DOWNLOAD_MAXSIZE)",
    "DownloadConnectionRefusedError": "connection refused",
    "ConnectionRefusedError": "connection refused",
    "CannotResolveHostError": "host name not found (DNS)",
    "DNSLookupError": "host name not found (DNS)",
    "BadGzipFile": "body declared gzip but is not",
}
# Errors of our own file system (archiving a response), not of the network.
_LOCAL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.ENOENT, errno.EACCES}
# Failures that mean the server did not answer (in full) within the attempt's timeout.
_NO_ANSWER = ("DownloadTimeoutError", "TimeoutError")


def describe(failure) -> str:
    name = failure.type.__name__
    detail = failure.getErrorMessage()
    words = _FAILURES.get(name)
    if words:
        return words
    return f"{name}: {detail}" if detail and detail != name else name


def page_of(response) -> Page:
    headers = {k.decode("latin-1").lower(): b", ".join(v).decode("latin-1")
               for k, v in response.headers.items()}
    return Page(url=response.url, body=response.body, status=response.status, headers=headers)


class SourceSpider(scrapy.Spider):
    """Crawls one source: `urls` (from `sota crawl --url`) replace its start URLs; `since` /
    `until` bound a cursor source's query (arXiv)."""

    name = "source"

    def __init__(self, source: str, urls: list[str] | None = None, since: str | None = None,
                 until: str | None = None, **kwargs):
        super().__init__(name=source, **kwargs)
        self.pages = load_pages(source, get_source(source))
        self.derived_by = self.pages.derived_by()
        self.start_urls = self.pages.start_urls(urls, since, until)
        self.errors: list[str] = []
        self.unchanged: list[str] = []
        self.missing: list[str] = []     # 404s the page object calls facts (missing_ok)
        self.fell_back: list[str] = []   # "url -> fallback" lines
        self.parsed: list[str] = []      # URLs parsed to the end (runs/crawl.py: delisting)
        self.yielded = 0                 # items handed to the feed (in PageItems)
        self.opened = time.monotonic()

    async def start(self):
        # Context pages first (timm's metadata feeds every results row): the rest once they are
        # parsed or have failed (`_after_context`), so what a row says never depends on which
        # response happened to arrive first.
        self._context = {u for u in self.start_urls if self.pages.context(u)}
        for url in (self._context or self.start_urls):
            yield self.request(url, self.pages.always_parse(url))

    def _after_context(self, request):
        """The remaining start requests, once the last context page is done (parsed, failed,
        or its fallback done)."""
        url = request.meta.get("first_url", request.url)
        if url in self._context:
            self._context.discard(url)
            if not self._context:
                for other in self.start_urls:
                    if not self.pages.context(other):
                        yield self.request(other, self.pages.always_parse(other))

    def request(self, url: str, always_parse: bool, first: str | None = None) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse, errback=self.on_error,
                              meta={"always_parse": always_parse, "first_url": first or url})

    def parse(self, response):
        """Requests for the page's Follows, then its items as one PageItems (crawler/export.py:
        Scrapy's per-item cost once per page); a page that cannot be read to the end keeps
        what it gave before, as a streamed page did."""
        found = PageItems()
        try:
            for out in run_page(self.pages, page_of(response), self.derived_by):
                if isinstance(out, Follow):
                    yield self.request(out.url, out.always_parse)
                else:
                    found.items.append(out)
        except PageError as exc:
            self.errors.append(f"{response.url}: {exc}")
        else:
            self.parsed.append(response.url)
        if found.items:
            self.yielded += len(found.items)
            yield found
        yield from self._after_context(response.request)

    def on_error(self, failure):
        meta = failure.request.meta
        url = meta.get(ORIGINAL_URL, failure.request.url)
        status = failure.value.response.status if failure.check(HttpError) else None
        other = self.pages.fallback(url) if status in (404, 410) else None
        if other:
            # Another rendering or capture of the same content: its result stands for this URL's.
            self.fell_back.append(f"{url} -> {other}")
            yield self.request(other, meta.get("always_parse", False), meta.get("first_url"))
            return
        # A failed context page must not stop the others.
        yield from self._after_context(failure.request)
        if failure.check(IgnoreRequest) and str(failure.value).startswith("unchanged"):
            self.unchanged.append(failure.request.url)
        elif failure.check(IgnoreRequest) and str(failure.value).startswith(NOT_SENT):
            self.errors.append(f"{failure.value}: {failure.request.url}")
        elif status is not None:
            if status == 404 and self.pages.missing_ok(meta.get("first_url", url)):
                self.missing.append(meta.get("first_url", url))
            elif failure.value.response.headers.get(REPLAY_MISS):
                self.errors.append(f"{NOT_IN_MIRROR}: {url}")
            else:
                self.errors.append(f"HTTP {status} from {url}")
        elif failure.check(OSError) and failure.value.errno in _LOCAL_ERRNOS:
            # Our side failed (archiving a response: disk full, read-only, folder gone).
            self.errors.append(f"{explain(failure.value)} (archiving {url})")
        elif failure.type.__name__ in _NO_ANSWER:
            waited = time.monotonic() - meta.get(FIRST_SENT, self.opened)
            tries = meta.get("retry_times", 0) + 1
            self.errors.append(f"no response from {urlsplit(url).hostname} in {waited:.0f} s "
                               f"({tries} attempt{'s' if tries > 1 else ''}): {url}")
        else:
            self.errors.append(f"{describe(failure)}: {url}")

    def closed(self, reason):
        if reason == "closespider_timeout":
            self.errors.append(f"run budget spent: stopped after {time.monotonic() - self.opened:.0f} s "
                               "with requests still to fetch")
        self.errors.extend(e for e in self.pages.finish() if e not in self.errors)
