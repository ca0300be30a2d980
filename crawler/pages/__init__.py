"""Page objects: how each source turns one response into items.

A source's `Pages` class (registered in crawler/sources.toml as `parser = "module:Class"`)
parses `Page`s — a response's URL, status, headers and bytes — into result, paper and
reject items, and into `Follow`s (further URLs to fetch). The same object runs live, fed by
the spider from Scrapy responses, and offline, fed by `sota reprocess` from the archived WARC
records: parsing never depends on how the bytes arrived, so every stored row can be derived
again from the archive when the code or the rules change.
"""
from __future__ import annotations

from crawler.pages.base import Follow, Page, PageError, SourcePages, load_pages, run_page

__all__ = ["Follow", "Page", "PageError", "SourcePages", "load_pages", "run_page"]
