"""Items the page objects yield: plain dataclasses, serialised as JSON lines for the loader.

A page object (crawler/pages) turns a source's format into these records; it never touches
the database. `record` tells the loader which kind of line it is reading.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone


def now_iso() -> str:
    """The UTC timestamp records carry (`fetched_at`), to the second."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class ResultItem:
    """One number a source reported (or measured) for a model on a dataset."""

    source: str
    key: str                      # unique within the source: re-ingest matches on it
    model: str
    dataset: str
    metric: str
    value: float | None
    raw_value: str
    source_url: str
    fetched_at: str
    evidence: str                 # the exact source text or record the number came from
    kind: str                     # "measured" | "reported"
    setting: str | None = None
    extra_data: bool | None = None
    extra_data_corpus: str | None = None
    params: int | None = None
    resolution: int | None = None
    published: str | None = None  # YYYY-MM-DD of the paper / evaluation, when known
    date_precision: str | None = None     # "day", "month" (last day counted) or "year" (31 Dec)
    flags: str | None = None              # e.g. "withdrawn": kept, but left out of records
    paper: dict | None = None     # {"id","arxiv_id","title","url","published"}
    confidence: float | None = None       # extracted claims: how sure the extractor is
    evidence_start: int | None = None     # offsets of `evidence` in the abstract
    evidence_end: int | None = None
    locator: str | None = None            # where in the response: "line 12", "row 3 (row_id ...)"
    role: str | None = None               # claims: "proposed" | "baseline" | "variant"
    # Set by the code that ran the page object, not by the page object:
    derived_by: str | None = None         # parser code + rules fingerprint (see crawler/pages)
    archive_url: str | None = None        # the archived response this row was read from
    origin_run: int | None = None         # the run whose archive holds those bytes (None: this run)
    record: str = field(default="result")


@dataclass
class PaperItem:
    """A paper's metadata (arXiv), stored whether or not it states a result."""

    id: str                       # the bare arXiv id, e.g. "2205.01917"
    arxiv_id: str
    title: str
    url: str
    published: str | None
    version: int | None = None
    authors: list | None = None
    abstract: str | None = None
    categories: list | None = None
    primary_category: str | None = None
    updated: str | None = None
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    links: list | None = None
    archive_url: str | None = None
    origin_run: int | None = None
    record: str = field(default="paper")


@dataclass
class RejectItem:
    """Something a source served that could not be turned into a result."""

    source: str
    url: str
    raw: str
    reason: str
    locator: str | None = None
    record: str = field(default="reject")
