"""The arXiv API's Atom feed: papers that mention ImageNet, and the claims in their abstracts.

`start_urls` builds the query URLs: with a cursor (the newest submission seen), one query for
`submittedDate:[cursor TO today]`, oldest first; for a backfill, one query per date window,
newest window first; with neither, the newest `initial_max_results` papers. Each feed page
yields a paper item per entry, the abstract's claims (ingest.claims) as result items, and a
`Follow` to the next page (from `opensearch:totalResults`/`startIndex`). An entry that
cannot be read (a date without its day, no id) is a reject with its locator; the other
entries load. A feed that is not Atom, or arXiv's error feed, fails the page.

The submission window is read back from the query in the URL, so `reprocess` applies the
same bounds to archived pages (a replay mirror answers any query with the whole feed).
"""
from __future__ import annotations

import dataclasses
import math
import re
from datetime import date, datetime, time, timedelta, timezone
from urllib.parse import parse_qs, urlencode, urlsplit

import arxiv
from lxml import etree

from crawler.pages.base import Follow, Page, PageError, SourcePages
from ingest.items import PaperItem

# The API's endpoint and sort vocabulary, from the `arxiv` package's public API (the fetching
# itself is the one Scrapy policy, see crawler/sources.toml [arxiv.http]).
API = arxiv.Client.query_url_format.split("?", 1)[0]
SORT_BY = arxiv.SortCriterion.SubmittedDate.value
ORDER = {"ascending": arxiv.SortOrder.Ascending.value, "descending": arxiv.SortOrder.Descending.value}
ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
QUERY_CAP = 30000          # arXiv serves at most 30,000 results per query
WINDOW = re.compile(r"submittedDate:\[(\d{12}) TO (\d{12})\]")
# What a stored paper must equal for an entry to hold nothing new (db.paper_pages.stored_paper).
STORED = ("version", "updated", "title", "abstract", "comment", "journal_ref", "doi")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def query_url(query: str, start: int, size: int, order: str = "ascending") -> str:
    return API + "?" + urlencode({"search_query": query, "sortBy": SORT_BY,
                                  "sortOrder": ORDER[order], "start": start, "max_results": size})


def window_query(query: str, lo: datetime | None, hi: datetime | None) -> str:
    """`query` limited to submissions in [lo, hi] (UTC); an open end is arXiv's first day /
    the end of today, which keeps the URL stable for a day, as arXiv's data is."""
    lo = lo or datetime(1991, 1, 1, tzinfo=timezone.utc)
    hi = hi or datetime.combine(datetime.now(timezone.utc).date(), time(23, 59), timezone.utc)
    return f"({query}) AND submittedDate:[{lo:%Y%m%d%H%M} TO {hi:%Y%m%d%H%M}]"


def windows(since: date, until: date, days: int) -> list[tuple[date, date]]:
    """[since, until] as inclusive `days`-long windows, NEWEST FIRST (an interrupted backfill
    has covered the most recent span); the oldest is clipped at `since`."""
    if days < 1:
        raise ValueError(f"days must be >= 1, got {days}")
    out, end = [], until
    while end >= since:
        start = max(since, end - timedelta(days=days - 1))
        out.append((start, end))
        end = start - timedelta(days=1)
    return out


def parse_time(text: str | None) -> datetime:
    """An Atom timestamp as aware UTC; ValueError for anything else ("2022-02T00:00:00Z")."""
    if not text:
        raise ValueError("missing")
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def _text(node, path: str) -> str | None:
    found = node.find(path)
    return None if found is None or found.text is None else " ".join(found.text.split())


def paper_of(entry) -> dict:
    """One `<entry>` as a paper dict; ValueError with a short reason when it cannot be read."""
    entry_id = _text(entry, f"{ATOM}id")
    if not entry_id or "/abs/" not in entry_id:
        raise ValueError(f"no arXiv id ({entry_id!r})")
    short = entry_id.split("/abs/", 1)[1]
    base, sep, ver = short.rpartition("v")
    arxiv_id, version = (base, int(ver)) if sep and base and ver.isdigit() else (short, None)
    try:
        published = parse_time(_text(entry, f"{ATOM}published"))
    except ValueError as exc:
        raise ValueError(f"bad <published> {_text(entry, f'{ATOM}published')!r} ({exc})") from None
    try:
        updated = parse_time(_text(entry, f"{ATOM}updated"))
    except ValueError as exc:
        raise ValueError(f"bad <updated> {_text(entry, f'{ATOM}updated')!r} ({exc})") from None
    primary = entry.find(f"{ARXIV}primary_category")
    return {
        "arxiv_id": arxiv_id, "version": version, "title": _text(entry, f"{ATOM}title") or "",
        "authors": [_text(a, f"{ATOM}name") or "" for a in entry.iterfind(f"{ATOM}author")],
        "abstract": _text(entry, f"{ATOM}summary") or "",
        "categories": [c.get("term") for c in entry.iterfind(f"{ATOM}category") if c.get("term")],
        "primary_category": primary.get("term") if primary is not None else None,
        "published": published, "updated": updated.isoformat(),
        "comment": _text(entry, f"{ARXIV}comment"), "journal_ref": _text(entry, f"{ARXIV}journal_ref"),
        "doi": _text(entry, f"{ARXIV}doi"),
        "links": [{"href": l.get("href"), "title": l.get("title"), "rel": l.get("rel")}
                  for l in entry.iterfind(f"{ATOM}link") if l.get("href")],
        "url": f"https://arxiv.org/abs/{arxiv_id}",
    }


def api_error(root) -> str | None:
    """arXiv's error feed (an entry whose id is `.../api/errors#...`): its message."""
    for entry in root.iterfind(f"{ATOM}entry"):
        if "/api/errors" in (_text(entry, f"{ATOM}id") or ""):
            return _text(entry, f"{ATOM}summary") or "unknown error"
    return None


class ArxivPages(SourcePages):
    rules = ("corpora", "settings", "metrics")
    code = SourcePages.code + ("ingest.claims", "ingest.extract")

    def __init__(self, source: str, conf: dict):
        super().__init__(source, conf)
        self.newest: datetime | None = None
        self.seen: set[str] = set()

    def budget(self, start: list[str]) -> float:
        """The base budget plus `budget_seconds_per_page` for each page a query may page
        through (`budget_pages`, else the first run's initial_max_results / page_size), per
        query: pages come no faster than one per min_delay_seconds."""
        pages = int(self.conf.get("budget_pages") or math.ceil(
            int(self.conf.get("initial_max_results", 1000)) / int(self.conf.get("page_size", 100))))
        return super().budget(start) + len(start) * pages * float(self.conf.get("budget_seconds_per_page", 20))

    def order(self, pages) -> list[Page]:
        # Newest fetch first: a paper seen in several feeds keeps its latest version.
        return sorted(pages, key=lambda p: p.fetched_at, reverse=True)

    def start_urls(self, urls=None, since=None, until=None) -> list[str]:
        if urls:
            return list(urls)
        query, size = self.conf["query"], int(self.conf.get("page_size", 100))
        if since and until:
            spans = windows(date.fromisoformat(since[:10]), date.fromisoformat(until[:10]),
                            int(self.conf.get("backfill_window_days", 30)))
            return [query_url(window_query(query, datetime.combine(a, time.min, timezone.utc),
                                           datetime.combine(b, time(23, 59), timezone.utc)), 0, size)
                    for a, b in spans]
        if since:
            lo = parse_time(since if "T" in since else since + "T00:00:00+00:00")
            return [query_url(window_query(query, lo, None), 0, size)]
        # First run: the newest papers, newest first (paging stops at initial_max_results).
        return [query_url(query, 0, size, order="descending")]

    @staticmethod
    def feed(body: bytes):
        """The feed's root element; PageError for what is not an Atom feed or is arXiv's error feed."""
        try:
            root = etree.fromstring(body, _PARSER)
        except etree.XMLSyntaxError as exc:
            raise PageError(f"arXiv API: response is not an Atom feed ({exc})") from None
        if root is None or root.tag != f"{ATOM}feed":
            raise PageError("arXiv API: response is not an Atom feed")
        message = api_error(root)
        if message:
            raise PageError(f"arXiv API error: {message}")
        return root

    def judges_news(self, url: str) -> bool:
        """The cursor's query (a submission window, oldest first): an unchanged day answers it
        with papers we hold. Not the first run's newest-N query, which always brings papers."""
        args = parse_qs(urlsplit(url).query)
        return self.window(args)[0] is not None and (args.get("sortOrder") or [""])[0] == ORDER["ascending"]

    def nothing_new(self, url: str, body: bytes, known) -> bool:
        """No page follows this one and every entry inside its query's window is stored as it
        stands here (version, dates, title, abstract, comment, journal reference, DOI: arXiv adds
        a journal reference without a new version): the cursor's window holds nothing new
        (arXiv's window reaches back to the cursor's day, so an unchanged day answers with papers
        we hold). Any doubt (an unreadable entry, one without its version) is False: the crawl
        parses it."""
        try:
            root = self.feed(body)
        except PageError:
            return False
        args = parse_qs(urlsplit(url).query)
        lo, hi = self.window(args)
        entries = list(root.iterfind(f"{ATOM}entry"))
        if any(self.next_page(None, root, args, len(entries))):
            return False
        for entry in entries:
            try:
                paper = paper_of(entry)
            except ValueError:
                return False
            if (lo and paper["published"] < lo) or (hi and paper["published"] > hi):
                continue
            stored = known(paper["arxiv_id"])
            if paper["version"] is None or stored is None or any(stored[k] != paper[k] for k in STORED):
                return False
        return True

    def parse(self, page: Page):
        root = self.feed(page.body)
        if page.status != 200:
            raise PageError(f"HTTP {page.status}")
        args = parse_qs(urlsplit(page.url).query)
        lo, hi = self.window(args)
        entries = list(root.iterfind(f"{ATOM}entry"))
        for number, entry in enumerate(entries):
            yield from self.record(page, etree.tostring(entry, encoding="unicode")[:2000], f"entry {number}",
                                   self.entry_items(page, entry, number, lo, hi))
        yield from self.next_page(page, root, args, len(entries))

    @staticmethod
    def window(args: dict) -> tuple[datetime | None, datetime | None]:
        found = WINDOW.search((args.get("search_query") or [""])[0])
        if not found:
            return None, None
        lo, hi = (datetime.strptime(v, "%Y%m%d%H%M").replace(tzinfo=timezone.utc) for v in found.groups())
        return lo, hi + timedelta(seconds=59)

    def entry_items(self, page: Page, entry, number: int, lo, hi):
        raw = etree.tostring(entry, encoding="unicode")[:2000]
        try:
            paper = paper_of(entry)
        except ValueError as exc:
            yield dataclasses.replace(self.reject(page, raw, f"entry {number}: {exc}"),
                                      locator=f"entry {number}")
            return
        published = paper["published"]
        if (lo and published < lo) or (hi and published > hi) or paper["arxiv_id"] in self.seen:
            return  # outside the query's window (a mirror answers any query), or repeated
        self.seen.add(paper["arxiv_id"])
        self.newest = max(self.newest or published, published)
        paper = {**paper, "id": paper["arxiv_id"], "published": published.date().isoformat()}
        yield PaperItem(**{k: paper[k] for k in (
            "id", "arxiv_id", "title", "url", "published", "version", "authors", "abstract",
            "categories", "primary_category", "updated", "comment", "journal_ref", "doi", "links")})
        # Imported here, not at the top: the extractor's rules and patterns are the child's work;
        # a parent that only builds the cursor's URL or settles an unchanged window skips them.
        from ingest.claims import claim_items

        try:
            claims = claim_items(paper, page.fetched_at)
        except Exception as exc:  # noqa: BLE001 — an extractor bug is a reject with its reason, not silence
            yield dataclasses.replace(self.reject(page, paper["abstract"][:2000],
                                                  f"claim extraction failed on {paper['arxiv_id']}: "
                                                  f"{type(exc).__name__}: {exc}"),
                                      locator=f"entry {number} ({paper['arxiv_id']})")
            return
        yield from claims

    def next_page(self, page: Page | None, root, args: dict, count: int):
        def number(tag: str) -> int:
            try:
                return int(_text(root, f"{OPENSEARCH}{tag}") or 0)
            except ValueError:
                return 0
        total, start = number("totalResults"), number("startIndex")
        size = int((args.get("max_results") or [self.conf.get("page_size", 100)])[0])
        following = start + count
        limit = QUERY_CAP
        if (args.get("sortOrder") or [""])[0] == "descending":   # the first run's newest N
            limit = min(limit, int(self.conf.get("initial_max_results", 1000)))
        if count and following < min(total, limit):
            yield Follow(query_url(args["search_query"][0], following, size,
                                   (args.get("sortOrder") or ["ascending"])[0]))

    def summary(self) -> dict:
        # incremental: an empty answer means "nothing new since the cursor", not a failure.
        # (The cursor belongs to the registry's query, which the parent knows: not this window's.)
        return {"cursor": self.newest.isoformat() if self.newest else None, "incremental": True}
