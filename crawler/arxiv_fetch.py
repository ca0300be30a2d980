"""arXiv fetcher: the `arxiv` package's Client and Search, made polite and archived.

`make_client`: one request at a time, >= `delay_seconds` apart (pages, retries, searches), each
with a timeout; HTTP 429/5xx, connection errors, timeouts, non-Atom bodies and empty non-first
pages retried with backoff honouring `Retry-After`; every response (errors too) archived; error
feeds and exhausted retries raised as one-line `ArxivFetchError`s. `fetch_papers`: plain dicts,
oldest submission first, within `since`/`until`. `window_queries`: backfill windows, newest first.

arxiv 4.0.2 internals: its paging loop `Client._results` and single attempt `__try_parse_feed`
(delay sleep, GET, parse, empty-page check) are kept; its retry wrapper `_parse_feed` is replaced
(it retries every non-200 incl. 400 with no backoff, misses `ReadTimeout`, raises on empty pages).
"""
from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterator

import arxiv
import requests
from lxml import etree
from requests.adapters import HTTPAdapter

from crawler.archive import ResponseArchive
from crawler.backoff import retry_after_seconds

logger = logging.getLogger(__name__)

DEFAULT_QUERY = 'abs:ImageNet AND (cat:cs.CV OR cat:cs.LG OR cat:cs.AI OR cat:cs.CL OR cat:stat.ML)'
PRODUCTION_URL_FORMAT = arxiv.Client.query_url_format  # https://export.arxiv.org/api/query?{}
TOU_DELAY = 3.0            # arXiv API Terms of Use: no more than one request every 3 s
MAX_WAIT = 300.0           # cap on Retry-After / backoff: a server asking for hours is an outage
MAX_PAGE_SIZE = 2000       # arXiv serves at most 2000 results per request ...
QUERY_CAP = 30000          # ... and at most 30,000 per query
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
ARXIV_EPOCH = datetime(1991, 1, 1, tzinfo=timezone.utc)
_TRANSIENT = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)
_ATOM_NS = "http://www.w3.org/2005/Atom"
_ATOM = f"{{{_ATOM_NS}}}"
# The package's (private, name-mangled) single attempt; resolved at import to fail loudly on upgrade.
_TRY_ONCE = arxiv.Client._Client__try_parse_feed  # type: ignore[attr-defined]


class ArxivFetchError(RuntimeError):
    """One-line, user-facing failure: arXiv error feed, non-retryable status, retries exhausted."""


class _TimeoutAdapter(HTTPAdapter):
    """The package calls `session.get(url, headers=...)` with no timeout; supply one."""

    def __init__(self, timeout: float):
        self.timeout = timeout
        super().__init__()  # max_retries=0: every retry goes through our loop, spaced and archived

    def send(self, request, **kwargs):
        kwargs["timeout"] = kwargs.get("timeout") or self.timeout
        return super().send(request, **kwargs)


class PoliteClient(arxiv.Client):
    """`arxiv.Client` with timeouts, archiving and Retry-After-aware retries; see `make_client`.
    Not thread-safe (nor is the package's `requests.Session`): one client, one thread."""

    def __init__(self, *, archive: ResponseArchive | None, timeout: float, **kwargs: Any):
        super().__init__(**kwargs)
        self.archive = archive
        self._last_response: requests.Response | None = None
        adapter = _TimeoutAdapter(timeout)
        for scheme in ("http://", "https://"):
            self._session.mount(scheme, adapter)
        # A response hook sees every response, redirects and errors included, before the
        # package looks at the status code.
        self._session.hooks["response"].append(self._on_response)

    def _on_response(self, resp: requests.Response, *args: Any, **kwargs: Any) -> None:
        self._last_response = resp
        if self.archive is None:
            return
        url, prefix = resp.url, self.query_url_format.split("{}", 1)[0]
        if url.startswith(prefix):  # replay: archive the production URL, as the Scrapy side does
            url = PRODUCTION_URL_FORMAT.split("{}", 1)[0] + url[len(prefix):]
        body = resp.content  # already decoded by requests, so drop the transfer framing headers
        headers = [(k, v) for k, v in resp.headers.items()
                   if k.lower() not in ("content-encoding", "transfer-encoding", "content-length")]
        self.archive.record(url, resp.status_code, headers + [("Content-Length", str(len(body)))], body)

    def _parse_feed(self, url: str, first_page: bool = True, _try_index: int = 0):
        for attempt in range(_try_index, self.num_retries + 1):
            last, retry_after = attempt >= self.num_retries, None
            try:
                feed = _TRY_ONCE(self, url, first_page=first_page, try_index=attempt)
            except arxiv.UnexpectedEmptyPageError as err:
                if last:  # the package's check, retried; still empty means the result set ended
                    logger.warning("still empty after %d tries, taken as the end: %s", attempt + 1, url)
                    return err.raw_feed  # no results: `_results` stops paging
                problem = "empty page"
            except arxiv.HTTPError as err:
                resp = self._last_response  # set by the hook before the package checks the status
                message = _api_error(resp.content)
                if message:  # arXiv's HTTP 400 error feed: deterministic, never retried
                    raise ArxivFetchError(f"arXiv API error: {message}") from None
                if err.status not in RETRY_STATUSES:
                    raise ArxivFetchError(f"arXiv API: HTTP {err.status} for {url}") from None
                problem = f"HTTP {err.status}"
                retry_after = retry_after_seconds(resp.headers.get("Retry-After"))
                retry_after = None if retry_after is None else min(MAX_WAIT, retry_after)
            except _TRANSIENT as err:
                if _unresolvable(err):  # no DNS answer (offline): retrying will not help, say so now
                    raise ArxivFetchError(f"arXiv API: cannot resolve the host of {url}") from None
                problem = f"{type(err).__name__}: {err}"
            else:
                body = self._last_response.content
                message = _api_error(body)
                if message:  # the same error feed with HTTP 200 parses as an empty page
                    raise ArxivFetchError(f"arXiv API error: {message}") from None
                # lxml's recover mode "parses" an HTML page as an empty feed, which would read as
                # "nothing new": demand an Atom document, else retry.
                if not feed.malformed and _ATOM_NS.encode() in body:
                    if first_page and feed.header.total_results > QUERY_CAP:
                        logger.warning("%d results, but arXiv serves at most %d per query: use "
                                       "window_queries", feed.header.total_results, QUERY_CAP)
                    return feed
                # Not retried: an HTML or garbled 200 is a broken endpoint or a captive portal,
                # and waiting 3 + 6 + 12 s will not change it; the next scheduled run retries.
                raise ArxivFetchError(f"arXiv API: response is not an Atom feed: {url}") from None
            if last:
                raise ArxivFetchError(f"arXiv API: {problem} after {attempt + 1} tries: {url}") from None
            wait = retry_after if retry_after is not None else self.delay_seconds * 2 ** attempt
            wait = min(MAX_WAIT, max(self.delay_seconds, wait))
            logger.info("%s; retrying in %.1f s: %s", problem, wait, url)
            # No sleep of our own: move the package's "last request" clock so its delay check sleeps
            # `wait` before the next attempt (it stamps the clock only after a completed GET, so this
            # also keeps the spacing after timeouts and refused connections).
            self._last_request_dt = datetime.now() + timedelta(seconds=wait - self.delay_seconds)


def _unresolvable(err: Exception) -> bool:
    """A failed name lookup, as requests/urllib3 report it."""
    text = repr(err)
    return "NameResolutionError" in text or "Failed to resolve" in text or "Name or service not known" in text


def _api_error(body: bytes) -> str | None:
    """An arXiv error feed's message (entry id `.../api/errors#...`), else None. Read here
    because the package's parser skips that entry (it has no `<published>`)."""
    if b"/api/errors" not in body:
        return None
    try:
        root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return None
    for entry in root.iterfind(f"{_ATOM}entry"):
        if "/api/errors" in (entry.findtext(f"{_ATOM}id") or ""):
            return " ".join((entry.findtext(f"{_ATOM}summary") or "unknown error").split())
    return None


def make_client(base_url: str | None, archive: ResponseArchive | None, *, delay_seconds: float = 3.0,
                timeout: float = 30.0, page_size: int = 100, num_retries: int = 3) -> arxiv.Client:
    """A polite arXiv client; `base_url` None is production, else a replay server's base URL.
    Reuse one client per run: the spacing between requests is tracked per client."""
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be in 1..{MAX_PAGE_SIZE}, got {page_size}")
    if base_url is None:  # production never below the ToU's 3 s; small delays are for loopback tests
        delay_seconds = max(delay_seconds, TOU_DELAY)
    client = PoliteClient(archive=archive, timeout=timeout, page_size=page_size,
                          delay_seconds=delay_seconds, num_retries=num_retries)
    if base_url is not None:
        client.query_url_format = f"{base_url.rstrip('/')}/export.arxiv.org/api/query?{{}}"
    return client


def _bound(value: str | date | None, *, end: bool) -> datetime | None:
    """ISO date/datetime → aware UTC datetime; a bare date spans its whole day (inclusive)."""
    if not value:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value or " " in value else date.fromisoformat(value)
    if not isinstance(value, datetime):
        value = datetime.combine(value, time.max if end else time.min)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def paper_dict(result: arxiv.Result) -> dict:
    """One `arxiv.Result` as the plain dict `fetch_papers` yields."""
    short = result.get_short_id()  # "2205.01917v2" or "math/0211159v1"
    base, sep, ver = short.rpartition("v")
    arxiv_id, version = (base, int(ver)) if sep and base and ver.isdigit() else (short, None)
    return {
        "arxiv_id": arxiv_id, "version": version, "title": " ".join(result.title.split()),
        "authors": [a.name for a in result.authors], "abstract": " ".join(result.summary.split()),
        "categories": list(result.categories), "primary_category": result.primary_category,
        "published": result.published.date().isoformat(), "updated": result.updated.isoformat(),
        "comment": result.comment, "journal_ref": result.journal_ref, "doi": result.doi,
        "links": [{"href": l.href, "title": l.title, "rel": l.rel} for l in result.links],
        "url": f"https://arxiv.org/abs/{arxiv_id}", "entry_id": result.entry_id,
    }


def fetch_papers(query: str, *, since: str | date | None, until: str | date | None,
                 client: arxiv.Client, max_results: int | None = None) -> Iterator[dict]:
    """Yield papers matching `query`, oldest submission first, as `paper_dict`s.

    `since`/`until`: inclusive ISO dates or datetimes (UTC if naive; a date spans its day).
    Either adds `submittedDate:[YYYYMMDDHHMM TO YYYYMMDDHHMM]` to the query, so a run asks only
    for the window; results are also filtered by `published` (v1 submission) here, as a replay
    mirror answers any query. Ascending order makes the cursor (newest `published` seen) safe to
    save mid-run; passed back as `since` it re-fetches that day, so upsert by `arxiv_id`.
    `max_results` caps results requested (None: all, but arXiv stops at 30,000 per query: walk
    `window_queries`). Repeated ids are dropped. Raises `ArxivFetchError`.
    """
    lo, hi = _bound(since, end=False), _bound(until, end=True)
    if lo or hi:
        # The API range needs both ends; an open end becomes arXiv's first day / the end of
        # today (UTC), which keeps the URL stable for a day, as arXiv's data is.
        q_lo = lo or ARXIV_EPOCH
        q_hi = hi or datetime.combine(datetime.now(timezone.utc).date(), time(23, 59), timezone.utc)
        query = f"({query}) AND submittedDate:[{q_lo:%Y%m%d%H%M} TO {q_hi:%Y%m%d%H%M}]"
    search = arxiv.Search(query=query, max_results=max_results,
                          sort_by=arxiv.SortCriterion.SubmittedDate, sort_order=arxiv.SortOrder.Ascending)
    seen: set[str] = set()
    for result in client.results(search):
        if (lo and result.published < lo) or (hi and result.published > hi):
            continue
        paper = paper_dict(result)
        if paper["arxiv_id"] not in seen:  # offsets can shift between pages; a mirror repeats
            seen.add(paper["arxiv_id"])
            yield paper


def window_queries(since: date, until: date, days: int) -> list[tuple[date, date]]:
    """Split [since, until] into inclusive, contiguous `days`-long windows, NEWEST FIRST (so an
    interrupted backfill has covered the most recent span); the oldest is clipped at `since`.
    Pass each as `fetch_papers(..., since=start.isoformat(), until=end.isoformat())`."""
    if days < 1:
        raise ValueError(f"days must be >= 1, got {days}")
    windows, end = [], until
    while end >= since:
        start = max(since, end - timedelta(days=days - 1))
        windows.append((start, end))
        end = start - timedelta(days=1)
    return windows
