"""The page-object protocol: `Page` in, items and `Follow`s out (see crawler/pages/__init__.py)."""
from __future__ import annotations

import hashlib
import importlib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from crawler import policy
from ingest.items import PaperItem, RejectItem, ResultItem, now_iso
from rules.files import fingerprint


class PageError(ValueError):
    """A response that cannot be read at all (wrong format, truncated, a header that cannot be
    mapped): the whole page fails with this one-line reason. A bad *record* inside a readable
    page is a reject item instead."""


# What reading one bad record (a row, an entry) can raise: a wrong type where a string or an
# object was expected, a missing field, a date or number that does not parse.
RECORD_ERRORS = (ValueError, TypeError, KeyError, AttributeError, IndexError)


@dataclass(frozen=True)
class Page:
    """One response as the parser sees it, live or archived."""

    url: str                      # the production URL (never the replay mirror's)
    body: bytes
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)   # lower-case names
    fetched_at: str = field(default_factory=now_iso)
    run: int | None = None        # the crawl run whose archive holds these bytes (None: this run)

    def text(self) -> str:
        """The body as text: a BOM dropped, undecodable bytes as U+FFFD (rows with them reject)."""
        return self.body.decode("utf-8-sig", errors="replace")

    def json(self):
        """The body as JSON, or PageError with the reason."""
        try:
            return json.loads(self.body.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise PageError(f"not JSON: {exc}") from None


@dataclass(frozen=True)
class Follow:
    """A further URL this page leads to (a next page, a linked file). Fetched live; in
    `reprocess` the followed page is already in the archive and this is ignored."""

    url: str
    always_parse: bool = False    # parse even when unchanged (later pages depend on it)


class SourcePages:
    """Parses one source's responses during one run; may keep run-scoped context (timm's
    metadata file feeds every results row). Subclasses set `code` (the modules their output
    depends on, beyond their own) and `rules` (the rule files they read), which together make
    `derived_by`, and implement `parse`."""

    code: tuple[str, ...] = ("ingest.normalize", "ingest.items")
    rules: tuple[str, ...] = ()

    def __init__(self, source: str, conf: dict):
        self.source = source
        self.conf = conf
        self.errors: list[str] = []
        self._keys: set[str] = set()

    # --- what to fetch --------------------------------------------------------------------
    def start_urls(self, urls: list[str] | None = None, since: str | None = None,
                   until: str | None = None) -> list[str]:
        """The URLs a run starts from: `urls` (from --url) or the registry's, in parse order."""
        return list(urls or self.conf.get("start_urls") or [])

    def context(self, url: str) -> bool:
        """True for a page the others' parsing depends on (timm's metadata file): fetched and
        parsed before them, and parsed even when unchanged."""
        return False

    def always_parse(self, url: str) -> bool:
        """Parse `url` even when it did not change (context, or a page that leads to others)."""
        return self.context(url)

    def target_url(self, paper_id: str) -> str:
        """The URL of a stored paper's page, for sources that read papers (`targets`)."""
        raise NotImplementedError(f"{type(self).__name__} reads no papers' pages")

    def fallback(self, url: str) -> str | None:
        """Where to look when `url` answers 404 or 410 (another rendering or capture of the same
        content), or None. Default: the registry's `fallbacks` table (url → url)."""
        return (self.conf.get("fallbacks") or {}).get(url)

    def missing_ok(self, url: str) -> bool:
        """True when a 404 for `url` (and its fallbacks) is a fact to record, not a failure
        (a paper with no HTML rendering)."""
        return False

    def budget(self, start: list[str]) -> float:
        """Wall-clock seconds a run starting from `start` may take (fetch and parse): the
        registry's `budget_seconds`, else the policy's RUN_BUDGET_SECONDS plus PER_URL_SECONDS
        for each further start URL."""
        return float(self.conf.get("budget_seconds")
                     or policy.RUN_BUDGET_SECONDS + policy.PER_URL_SECONDS * max(0, len(start) - 1))

    def judges_news(self, url: str) -> bool:
        """True for a start URL whose answer `nothing_new` can judge even when its bytes are new
        (so the parent asks it before starting a child). Default: False, only a 304 or
        unchanged bytes settle a URL."""
        return False

    def nothing_new(self, url: str, body: bytes, known: Callable[[str], dict | None]) -> bool:
        """For a URL it `judges_news` of: True when this answer holds nothing the database
        lacks, so the run is settled without parsing it (its bytes are archived all the same).
        `known(paper_id)` is the stored record of an arXiv paper (db.paper_pages.stored_paper)."""
        return False

    def order(self, pages: Iterable[Page]) -> list[Page]:
        """Archived pages in the order `parse` needs them (context first)."""
        return sorted(pages, key=lambda p: (not self.context(p.url), p.url))

    # --- parsing ----------------------------------------------------------------------------
    def parse(self, page: Page) -> Iterator:
        raise NotImplementedError

    def finish(self) -> list[str]:
        """One-line errors known only at the end of a run (e.g. "no ImageNet results")."""
        return self.errors

    def summary(self) -> dict:
        """What the run should remember beyond its items (arXiv: the cursor)."""
        return {}

    # --- helpers for subclasses -----------------------------------------------------------
    def reject(self, page: Page, raw: str, reason: str, locator: str | None = None) -> RejectItem:
        return RejectItem(source=self.source, url=page.url, raw=raw, reason=reason, locator=locator)

    def record(self, page: Page, raw: str, locator: str, items: Iterable) -> Iterator:
        """The items one record gives (`items`, consumed here), or, when reading it raises, a
        single reject with the reason and the record's `locator` instead: one bad record never
        fails its page, and never leaves half of its results behind."""
        try:
            out = list(items)
        except PageError:
            raise
        except RECORD_ERRORS as exc:
            reason = str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"
            yield self.reject(page, raw, f"unreadable record: {reason}"[:300], locator)
            return
        for out_item in out:
            if isinstance(out_item, RejectItem) and out_item.locator is None:
                out_item = stamped(out_item, locator=locator)
            yield out_item

    def first_time(self, key: str) -> bool:
        """False for a result key this run already yielded (a row repeated across pages)."""
        if key in self._keys:
            return False
        self._keys.add(key)
        return True

    @classmethod
    def derived_by(cls) -> str:
        """`<code hash>.<rules hash>`: which parser and which rules made a row."""
        return f"{_code_hash((cls.__module__,) + tuple(cls.code))}.{fingerprint(cls.rules)}"


def run_page(pages: SourcePages, page: Page, derived_by: str) -> Iterator:
    """`pages.parse(page)` with every item stamped with what derived it and from which bytes;
    the one way both the spider and `reprocess` run a page object. Raises PageError."""
    for out in pages.parse(page):
        if isinstance(out, (ResultItem, PaperItem)):
            extra = {"derived_by": derived_by} if isinstance(out, ResultItem) else {}
            out = stamped(out, archive_url=page.url, origin_run=page.run, **extra)
        elif isinstance(out, RejectItem) and out.locator is None:
            out = stamped(out, locator=page.url)
        yield out


def stamped(item, **changes):
    """A copy of the item (a plain dataclass of ingest.items: no __post_init__, no slots) with
    `changes`: what `dataclasses.replace` does, without its per-call field introspection,
    which cost a timm crawl a second per 25,000 rows."""
    out = object.__new__(type(item))
    out.__dict__ = {**item.__dict__, **changes}
    return out


_code_hashes: dict[tuple, str] = {}


def _code_hash(modules: tuple[str, ...]) -> str:
    """A hash of the source files of `modules` (read once per process: code changes need a
    restart anyway, unlike rule files)."""
    if modules not in _code_hashes:
        h = hashlib.sha256()
        for name in sorted(set(modules)):
            module = sys.modules.get(name) or importlib.import_module(name)
            # A package counts with every module in it (ingest.extract is eleven files).
            files = sorted(Path(module.__file__).parent.rglob("*.py")) if hasattr(module, "__path__") \
                else [Path(module.__file__)]
            for path in files:
                h.update(name.encode() + b"\0" + path.name.encode() + b"\0" + path.read_bytes())
        _code_hashes[modules] = h.hexdigest()[:12]
    return _code_hashes[modules]


def load_pages(source: str, conf: dict) -> SourcePages:
    """The registered Pages object for `source` (`parser = "module:Class"` in sources.toml)."""
    spec = conf.get("parser")
    if not spec:
        raise KeyError(f"source {source!r} has no `parser` entry in sources.toml")
    module, _, cls = spec.partition(":")
    return getattr(importlib.import_module(module), cls)(source, conf)
