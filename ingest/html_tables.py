"""The result tables of one arXiv HTML (LaTeXML) page: where they are, what they are called,
their captions and notes, and the paper's title, abstract and the text around a table.

`read_page(html)` parses the page once (lxml) and visits only table elements: every
`<figure>` (LaTeXML's `figure.ltx_table` float) and every `<table>` outside one. A tabular
nested inside another tabular's cell is part of that cell, not a table of its own.

A table's id is the id of its outermost `ltx_table` figure (`S5.T1`), not of the inner
`ltx_tabular` (`S5.T1.3`); a tabular outside such a figure takes the nearest id around it.
Sub-tables of one figure share its id; their rows are numbered on from the previous
sub-table's (`row_offset`), so (table id, row, column) stays one cell of the page.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

import lxml.html
from lxml import etree

from ingest.table_grid import Grid, build_grid, classes, count_rows, read_cell

_ARXIV_ID_PREFIX_RE = re.compile(r"^\s*\[?(?:arXiv:)?(?:\d{4}\.\d{4,5}|[a-z\-]+/\d{7})(?:v\d+)?\]?\s*", re.I)
_TABLE_REF_RE = re.compile(r"#([^#\s]+)$")
CONTEXT_SIBLINGS = 2      # paragraphs read on each side of a table float
CONTEXT_LIMIT = 4000      # characters of context kept per paragraph


@dataclass
class PageTable:
    """One tabular of the page; its grid is built on first use (most tables are never read)."""
    table_id: str
    tabular_id: str | None
    caption: str
    notes: str
    row_offset: int
    tabular: object = field(repr=False)
    float_el: object = field(repr=False)   # the element whose id is table_id

    @cached_property
    def grid(self) -> Grid:
        return build_grid(self.tabular)

    @cached_property
    def text(self) -> str:
        """All the tabular's text in one string (for a quick look before building the grid)."""
        return self.tabular.text_content()


@dataclass
class Page:
    title: str
    abstract: str
    tables: list[PageTable]
    root: object = field(repr=False)
    _refs: dict | None = field(default=None, repr=False)

    def context(self, table: PageTable) -> str:
        """The paper's text around `table`: paragraphs that refer to it (`href="#S5.T1"`)
        and the paragraphs right before and after its float."""
        if self._refs is None:
            self._refs = {}
            for a in self.root.iter("a"):
                m = _TABLE_REF_RE.search(a.get("href") or "")
                if m:
                    para = next((p for p in a.iterancestors() if p.tag == "p" or "ltx_para" in classes(p)), None)
                    if para is not None:
                        self._refs.setdefault(m.group(1), []).append(para)
        parts = [_text(p) for p in self._refs.get(table.table_id, [])]
        el = table.float_el
        for sibling in list(_siblings(el, "previous"))[:CONTEXT_SIBLINGS] + list(_siblings(el, "next"))[:CONTEXT_SIBLINGS]:
            parts.append(_text(sibling))
        return " ".join(p[:CONTEXT_LIMIT] for p in parts if p)


def _siblings(el, direction: str):
    it = el.itersiblings(preceding=direction == "previous")
    for sib in it:
        if isinstance(sib.tag, str) and sib.tag not in ("figure", "table"):
            yield sib


def _text(el) -> str:
    return read_cell(el).core


def _is_tabular(el) -> bool:
    return el.tag == "table" or "ltx_tabular" in classes(el)


def _nested(el) -> bool:
    for anc in el.iterancestors():
        if anc.tag == "figure" or anc.tag == "body":
            return False
        if _is_tabular(anc):
            return True
    return False


def _tabulars(root) -> list:
    out, seen = [], set()
    for el in root.iter("figure", "table"):
        if el in seen:
            continue
        candidates = el.iter("table", "span") if el.tag == "figure" else [el]
        for t in candidates:
            if t not in seen and _is_tabular(t) and not _nested(t):
                seen.add(t)
                out.append(t)
    return out


def _locate(tabular) -> tuple[str | None, object, list]:
    """(table id, the element carrying it, the figures from outermost to innermost)."""
    figures = [a for a in tabular.iterancestors("figure")][::-1]
    floats = [f for f in figures if "ltx_table" in classes(f) and f.get("id")]
    if floats:
        return floats[0].get("id"), floats[0], figures[figures.index(floats[0]):]
    for anc in tabular.iterancestors():
        if anc.get("id"):
            return anc.get("id"), anc, figures
    return tabular.get("id"), tabular, figures


def _notes(float_el, tabulars: set) -> str:
    """Footnote text inside a float, outside its captions and tabulars."""
    if float_el.tag != "figure":
        return ""
    parts = []
    for child in float_el:
        if not isinstance(child.tag, str) or child.tag == "figcaption" or child in tabulars:
            continue
        if any(d in tabulars for d in child.iter()):
            continue
        parts.append(_text(child))
    return " ".join(p for p in parts if p)


def _title(root) -> str:
    for h1 in root.iter("h1"):
        if "ltx_title_document" in classes(h1) or "ltx_title" in classes(h1):
            return _text(h1)
    title = root.find(".//title")
    return _ARXIV_ID_PREFIX_RE.sub("", _text(title)) if title is not None else ""


def _abstract(root) -> str:
    for div in root.iter("div", "section"):
        if "ltx_abstract" in classes(div):
            return _text(div)
    return ""


def parse_html(html: str | bytes):
    """The lxml root of a page; ValueError when there is nothing to parse."""
    if not html or not (html.strip() if isinstance(html, str) else html.strip()):
        raise ValueError("empty HTML")
    try:
        return lxml.html.fromstring(html)
    except ValueError:
        if not isinstance(html, str):
            raise ValueError("unparseable HTML") from None
        # A str that declares its own encoding (<?xml encoding=...?>) is parsed as bytes.
        return parse_html(html.encode("utf-8"))
    except etree.ParserError as exc:
        raise ValueError(f"unparseable HTML ({exc})") from None


def read_page(html: str | bytes) -> Page:
    """Parse `html` once and read its tables (see the module docstring)."""
    root = parse_html(html)
    tabulars = _tabulars(root)
    members = set(tabulars)
    tables: list[PageTable] = []
    offsets: dict[str, int] = {}
    for tabular in tabulars:
        table_id, float_el, figures = _locate(tabular)
        table_id = table_id or f"table{len(tables) + 1}"
        captions = [_text(cap) for f in figures for cap in f if cap.tag == "figcaption"]
        offset = offsets.get(table_id, 0)
        offsets[table_id] = offset + count_rows(tabular)
        tables.append(PageTable(table_id, tabular.get("id"), " ".join(c for c in captions if c),
                                _notes(float_el, members), offset, tabular, float_el))
    return Page(_title(root), _abstract(root), tables, root)
