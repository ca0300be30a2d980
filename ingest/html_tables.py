"""The result tables of one arXiv HTML (LaTeXML) page: where they are, what they are called,
their captions and notes, and the paper's title, abstract and the text around a table.

Speed. A real page is 0.5–3 MB, mostly MathML; parsing all of it with lxml costs more than
everything else together (~100 ms for 1.5 MB). So `read_page(html)` finds the tables by plain
string search (each `ltx_tabular`, then the outermost `<figure>` around it, else the tabular
element itself) and parses only those fragments, the title and the abstract; the text around a
table is parsed only when a table needs it (`Page.context`). LaTeXML's display equations are
`<table class="ltx_equation">`: they are not tables.

A table's id is the id of its outermost `ltx_table` figure (`S5.T1`), not of the inner
`ltx_tabular` (`S5.T1.3`); a tabular in another float (`ltx_figure`, `S4.F6`) takes that
float's id, and one in no float its own id. Sub-tables of one figure share its id; their rows are numbered on from
the previous sub-table's (`row_offset`), so (table id, row, column) stays one cell of the page.
A tabular nested inside another tabular's cell is part of that cell, not a table of its own.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

import lxml.html
from lxml import etree

from ingest.table_grid import Grid, build_grid, classes, count_rows, read_cell

_ARXIV_ID_PREFIX_RE = re.compile(r"^\s*\[?(?:arXiv:)?(?:\d{4}\.\d{4,5}|[a-z\-]+/\d{7})(?:v\d+)?\]?\s*", re.I)
_H1_RE = re.compile(r"<h1\b[^>]*ltx_title_document[^>]*>.*?</h1>", re.S)
_TITLE_RE = re.compile(r"<title>(.*?)</title>", re.S | re.I)
_ABSTRACT_RE = re.compile(r"<(div|section)\b[^>]*class=\"[^\"]*ltx_abstract[^\"]*\"")
CONTEXT_SIBLINGS = 2      # paragraphs read on each side of a table float
CONTEXT_REACH = 20_000    # how far (characters) from a float those paragraphs may lie
PARAGRAPH_LIMIT = 20_000  # longer "paragraphs" are not paragraphs
FLOAT_REACH = 50_000      # how far before a tabular its figure may open (caption, panels)


@dataclass
class PageTable:
    """One tabular of the page; its grid is built on first use (most tables are never read)."""
    table_id: str
    tabular_id: str | None
    caption: str
    notes: str
    row_offset: int
    tabular: object = field(repr=False)
    span: tuple[int, int] = (0, 0)          # where its float lies in the page text

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
    html: str = field(repr=False)

    def context(self, table: PageTable) -> str:
        """The paper's text around `table`: paragraphs that link to it (`href="...#S5.T1"`)
        and the paragraphs right before and after its float (never the float itself)."""
        html, (start, end) = self.html, table.span
        spans = []
        pos = html.find(f'#{table.table_id}"')
        while pos >= 0:
            spans.append(_paragraph_around(html, pos))
            pos = html.find(f'#{table.table_id}"', pos + 1)
        before, after = start, end
        for _ in range(CONTEXT_SIBLINGS):
            close = html.rfind("</p>", max(0, start - CONTEXT_REACH), before)
            span = _paragraph_around(html, close) if close >= 0 else None
            if span is None:
                break
            spans.append(span)
            before = span[0]
        for _ in range(CONTEXT_SIBLINGS):
            opening = min((i for i in (html.find("<p ", after, end + CONTEXT_REACH),
                                       html.find("<p>", after, end + CONTEXT_REACH)) if i >= 0), default=-1)
            span = _paragraph_around(html, opening) if opening >= 0 else None
            if span is None:
                break
            spans.append(span)
            after = span[1]
        kept = dict.fromkeys(s for s in spans if s and (s[1] <= start or s[0] >= end))
        return " ".join(_fragment_text(html[a:b]) for a, b in kept)


def _paragraph_around(html: str, pos: int) -> tuple[int, int] | None:
    """The <p>...</p> holding position `pos` (or opening there)."""
    a = max(html.rfind("<p ", 0, pos + 3), html.rfind("<p>", 0, pos + 3))
    b = html.find("</p>", pos)
    if a < 0 or b < 0 or b - a > PARAGRAPH_LIMIT:
        return None
    return a, b + 4


def _fragment_text(fragment: str) -> str:
    try:
        return read_cell(lxml.html.fragment_fromstring(fragment, create_parent="div")).core
    except (etree.ParserError, ValueError):
        return ""


def _element_spans(html: str, tag: str, start: int = 0, end: int | None = None):
    """Yield (start, end) of every outermost `<tag ...>...</tag>` in html[start:end], in order,
    nesting counted (a generator: a caller wanting the first one reads no further)."""
    end = len(html) if end is None else end
    opening, closing = f"<{tag}", f"</{tag}>"
    depth, first = 0, 0
    o, c = html.find(opening, start, end), html.find(closing, start, end)
    while c >= 0:
        if 0 <= o < c:
            if html[o + len(opening):o + len(opening) + 1] in (" ", ">", "\n", "\t", "/"):
                if depth == 0:
                    first = o
                depth += 1
            o = html.find(opening, o + 1, end)
        else:
            if depth > 0:
                depth -= 1
                if depth == 0:
                    yield first, c + len(closing)
            c = html.find(closing, c + 1, end)


def _is_tabular(el) -> bool:
    """A LaTeXML tabular, or a plain <table> (not LaTeXML's equation tables, `ltx_equation`)."""
    cls = classes(el)
    return "ltx_tabular" in cls or (el.tag == "table" and not any(c.startswith("ltx_") for c in cls))


def _tabulars(root) -> list:
    """The tabulars of a fragment, outermost only, in document order."""
    out = []
    for el in root.iter("table", "span"):
        if _is_tabular(el) and not any(_is_tabular(a) for a in el.iterancestors()):
            out.append(el)
    return out


def _locate(tabular, root) -> tuple[str | None, list]:
    """(table id, the figures from the id's owner inwards) for a tabular in a parsed float."""
    figures = [a for a in tabular.iterancestors("figure")][::-1]
    floats = [f for f in figures if "ltx_table" in classes(f) and f.get("id")]
    if floats:
        return floats[0].get("id"), figures[figures.index(floats[0]):]
    owner = next((f for f in figures if f.get("id")), None)      # a table set in a figure float
    if owner is not None:
        return owner.get("id"), figures[figures.index(owner):]
    return tabular.get("id"), figures


def _notes(root, tabulars: list) -> str:
    """Footnote text inside a float, outside its captions and tabulars."""
    if root.tag != "figure":
        return ""
    members = set(tabulars)
    parts = []
    for child in root:
        if not isinstance(child.tag, str) or child.tag == "figcaption" or child in members:
            continue
        if any(d in members for d in child.iter()):
            continue
        parts.append(read_cell(child).text)
    return " ".join(p for p in parts if p)


def _title(html: str) -> str:
    m = _H1_RE.search(html)
    if m:
        return _fragment_text(m.group(0))
    m = _TITLE_RE.search(html)
    return _ARXIV_ID_PREFIX_RE.sub("", _fragment_text(m.group(1))) if m else ""


def _abstract(html: str) -> str:
    m = _ABSTRACT_RE.search(html)
    if not m:
        return ""
    span = next(_element_spans(html, m.group(1), m.start()), None)
    return _fragment_text(html[span[0]:span[1]]) if span else ""


def _enclosing_figure(html: str, tag_start: int, hit: int) -> tuple[int, int] | None:
    """The outermost <figure> around position `hit`, looking back at most FLOAT_REACH."""
    found, pos = None, tag_start
    while True:
        fig = html.rfind("<figure", max(0, tag_start - FLOAT_REACH), pos)
        if fig < 0:
            return found
        span = next(_element_spans(html, "figure", fig), None)
        if span is None or span[1] < hit:
            return found
        found, pos = span, fig


def _float_spans(html: str) -> list[tuple[int, int]]:
    """Where the tables lie: the outermost figure around each LaTeXML tabular, else the
    tabular itself; in a page without LaTeXML tabulars, every outermost <table>. One pass
    of str.find over the page, then short searches around each hit."""
    spans: list[tuple[int, int]] = []
    hits = []
    pos = html.find("ltx_tabular")
    while pos >= 0:
        hits.append(pos)
        pos = html.find("ltx_tabular", pos + 1)
    if not hits:
        return list(_element_spans(html, "table"))
    for hit in hits:
        if spans and hit < spans[-1][1]:
            continue                                  # inside the float already taken
        tag_start = html.rfind("<", 0, hit)
        span = _enclosing_figure(html, tag_start, hit)
        if span is None:
            tag = re.match(r"<(\w+)", html[tag_start:tag_start + 20])
            span = next(_element_spans(html, tag.group(1), tag_start), None) if tag else None
        if span is not None:
            spans.append(span)
    return spans


def read_page(html: str | bytes) -> Page:
    """Read the tables of a page (see the module docstring). ValueError when `html` is empty
    or not text."""
    if isinstance(html, bytes):
        html = html.decode("utf-8", errors="replace")
    if not isinstance(html, str) or not html.strip():
        raise ValueError("empty HTML")
    tables: list[PageTable] = []
    offsets: dict[str, int] = {}
    for a, b in _float_spans(html):
        try:
            root = lxml.html.fragment_fromstring(html[a:b])
        except (etree.ParserError, ValueError):
            continue            # a float lxml cannot read is skipped, the others still are
        tabulars = _tabulars(root)
        notes = _notes(root, tabulars)
        for tabular in tabulars:
            table_id, figures = _locate(tabular, root)
            table_id = table_id or f"table{len(tables) + 1}"
            captions = [read_cell(cap).text for f in figures for cap in f if cap.tag == "figcaption"]
            offset = offsets.get(table_id, 0)
            offsets[table_id] = offset + count_rows(tabular)
            tables.append(PageTable(table_id, tabular.get("id"), " ".join(c for c in captions if c),
                                    notes, offset, tabular, (a, b)))
    return Page(_title(html), _abstract(html), tables, html)
