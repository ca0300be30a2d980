"""What every source spider shares: start URLs from the registry, error capture."""
from __future__ import annotations

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError

from crawler.items import RejectItem
from crawler.middlewares import ORIGINAL_URL
from crawler.sources import source_for_spider


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


class SourceSpider(scrapy.Spider):
    """A spider for one registered source.

    `urls` (from `sota crawl --url`) replaces the registry's start URLs.
    Failures (HTTP errors, timeouts, robots.txt refusals, unparseable bodies)
    are collected in `self.errors` as one-line reasons; crawler.run reports them.
    """

    def __init__(self, urls: list[str] | None = None, **kwargs):
        super().__init__(**kwargs)
        self.name, self.conf = source_for_spider(self.name)
        self.start_urls = list(urls) if urls else list(self.conf["start_urls"])
        self.errors: list[str] = []
        self.unchanged: list[str] = []
        self._keys: set[str] = set()

    @classmethod
    def update_settings(cls, settings):
        super().update_settings(settings)
        if settings.get("REPLAY_BASE_URL"):
            # The loopback mirror answers at once: no politeness delay towards ourselves,
            # whatever a spider's custom_settings ask of the real host.
            settings.set("DOWNLOAD_DELAY", 0, priority="spider")

    def first_time(self, key: str) -> bool:
        """False for a result key this run has already yielded (a row repeated across pages)."""
        if key in self._keys:
            return False
        self._keys.add(key)
        return True

    def request(self, url: str, callback, **kwargs) -> scrapy.Request:
        return scrapy.Request(url, callback=callback, errback=self.on_error, **kwargs)

    def on_error(self, failure):
        if failure.check(IgnoreRequest) and str(failure.value).startswith("unchanged"):
            self.unchanged.append(failure.request.url)
            return
        url = failure.request.meta.get(ORIGINAL_URL, failure.request.url)
        if failure.check(HttpError):
            self.errors.append(f"HTTP {failure.value.response.status} from {url}")
        else:
            self.errors.append(f"{describe(failure)}: {url}")

    def fail(self, url: str, reason: str) -> None:
        """Record that a fetched body could not be parsed at all."""
        self.errors.append(f"{url}: {reason}")

    def reject(self, url: str, raw: str, reason: str) -> RejectItem:
        return RejectItem(source=self.name, url=url, raw=raw, reason=reason)
