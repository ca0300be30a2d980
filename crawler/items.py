"""Items the spiders yield: plain dataclasses, serialised as JSON lines for ingest/.

A spider turns a source's format into these records; it never touches the
database. `record` tells the loader which kind of line it is reading.
"""
from __future__ import annotations

from dataclasses import dataclass, field


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
    paper: dict | None = None     # {"id","arxiv_id","title","url","published"}
    record: str = field(default="result")


@dataclass
class RejectItem:
    """Something a source served that could not be turned into a result."""

    source: str
    url: str
    raw: str
    reason: str
    record: str = field(default="reject")
