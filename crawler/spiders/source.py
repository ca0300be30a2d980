"""The one spider: fetches a registered source's URLs and runs its page object on each response.

Parsing lives in the source's page object (crawler/pages/); this spider only turns its
`Follow`s into requests and its items into Scrapy items, and collects one-line reasons for
whatever failed (HTTP errors, timeouts, robots.txt refusals, pages that cannot be read),
which crawler.run reports. A source = one page object + one registry entry.
"""
from __future__ import annotations

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError

from crawler.middlewares import ORIGINAL_URL
from crawler.replay import NOT_IN_MIRROR, REPLAY_MISS
from crawler.pages import Follow, Page, PageError, load_pages, run_page
from crawler.sources import get_source

# Failure types → what happened, in words a person running `sota status` understands.
_FAILURES = {
    "ResponseDataLossError": "response cut short (body shorter than its Content-Length)",
    "DownloadCancelledError": "response larger than the download size cap (DOWNLOAD_MAXSIZE)",
    "DownloadTimeoutError": "timed out",
    "TimeoutError": "timed out",
    "DownloadConnectionRefusedError": "connection refused",
    "ConnectionRefusedError": "connection refused",
    "CannotResolveHostError": "host name not found (DNS)",
    "DNSLookupError": "host name not found (DNS)",
    "BadGzipFile": "body declared gzip but is not",
}


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
        self.fallbacks: list[list[str]] = []   # [url that answered 404, url read instead]

    async def start(self):
        # Context pages first (timm's metadata feeds every results row); the rest once they
        # are parsed or have failed (see `_after_context`).
        self._context = {u for u in self.start_urls if self.pages.context(u)}
        for url in (self._context or self.start_urls):
            yield self.request(url, self.pages.always_parse(url))

    def _after_context(self, url: str):
        """The remaining start requests, once the last context page is done."""
        if url in self._context:
            self._context.discard(url)
            if not self._context:
                for other in self.start_urls:
                    if not self.pages.context(other):
                        yield self.request(other, self.pages.always_parse(other))

    def request(self, url: str, always_parse: bool) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse, errback=self.on_error,
                              meta={"always_parse": always_parse})

    def parse(self, response):
        try:
            for out in run_page(self.pages, page_of(response), self.derived_by):
                yield self.request(out.url, out.always_parse) if isinstance(out, Follow) else out
        except PageError as exc:
            self.errors.append(f"{response.url}: {exc}")
        yield from self._after_context(response.url)

    def on_error(self, failure):
        url = failure.request.meta.get(ORIGINAL_URL, failure.request.url)
        if failure.check(IgnoreRequest) and str(failure.value).startswith("unchanged"):
            self.unchanged.append(failure.request.url)
        elif failure.check(HttpError):
            response = failure.value.response
            instead = self.pages.fallback(url) if response.status in (404, 410) else None
            if instead:
                self.fallbacks.append([url, instead])
                yield self.request(instead, self.pages.always_parse(instead))
            elif response.headers.get(REPLAY_MISS):
                self.errors.append(f"{NOT_IN_MIRROR}: {url}")
            else:
                self.errors.append(f"HTTP {response.status} from {url}")
        else:
            self.errors.append(f"{describe(failure)}: {url}")
        # A missing context page must not stop the others.
        yield from self._after_context(url)

    def closed(self, reason):
        self.errors.extend(e for e in self.pages.finish() if e not in self.errors)
