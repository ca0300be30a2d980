"""One LaTeXML tabular as a rectangular grid of cells (rowspan and colspan expanded).

LaTeXML renders `\\begin{tabular}` as `<table class="ltx_tabular">` with `ltx_thead` /
`ltx_tbody` sections, `ltx_tr` rows and `ltx_td` cells (`<th>` for guessed headers, class
`ltx_th_column` / `ltx_th_row`), and — inside `\\resizebox` and other inline boxes — as the
same structure made of `<span>` elements. Both are read here, by tag or by class.

`read_cell(el)` reads a cell's text in one walk: MathML `<annotation>` / `<annotation-xml>`
(the TeX source and content MathML, which repeat the visible symbols) are skipped; text inside
`<cite>` is kept in `text` (the evidence, as written) but left out of `core`; superscripts
(`<sup>`: footnote marks such as `†`) go to `marks`, not `core`; a subscript (`<sub>`, MathML
`<msub>`) is written after "_" ("ViT-H/16_448"). White space, U+00A0 included, is collapsed.

`build_grid(tabular)` returns a `Grid` whose `cells[r][c]` is the `Cell` covering grid row `r`,
column `c` (the same object in every position a span covers; `None` for positions no cell covers
in a ragged row). Row and column indices are 0-based after expanding the spans.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

SKIPPED_TAGS = frozenset({"annotation", "annotation-xml", "script", "style"})
SPACED_TAGS = frozenset({"br", "td", "th", "tr", "p", "div", "li", "table"})  # a word break before
MAX_SPAN = 100  # a hostile rowspan="100000" must not blow the grid up


def classes(el) -> frozenset:
    return frozenset((el.get("class") or "").split())


@dataclass(eq=False)
class Cell:
    """One source cell. `row`/`col` are where it starts in the grid."""

    text: str                    # everything visible, as written (evidence)
    core: str                    # without <cite> text and superscript marks
    marks: str = ""              # superscript text ("†", "*")
    row: int = 0
    col: int = 0
    rowspan: int = 1
    colspan: int = 1
    header: bool = False         # <th> column header or inside <thead>
    bold: bool = False
    underline: bool = False
    smallcaps: bool = False
    shaded: bool = False         # a background colour (\rowcolor, \cellcolor)
    cited: bool = False          # holds a <cite>
    id: str | None = None


@dataclass
class Grid:
    cells: list[list[Cell | None]]
    row_ids: list[str | None] = field(default_factory=list)
    head_rows: frozenset = frozenset()   # rows inside <thead>
    width: int = 0

    def origin(self, r: int, c: int) -> Cell | None:
        """The cell at (r, c) only if it starts in row r (not carried down by a rowspan)."""
        cell = self.cells[r][c]
        return cell if cell is not None and cell.row == r else None


def _collapse(parts: list[str]) -> str:
    return " ".join("".join(parts).replace("\u200b", "").split())


_CITE, _SUP = 1, 2      # context bits of a text piece: inside <cite>, inside a superscript


def read_cell(el) -> Cell:
    """The text parts and style flags of one cell element (see the module docstring)."""
    full: list[str] = []
    core: list[str] = []
    sup: list[str] = []
    bold = underline = smallcaps = cited = False
    if el.text:
        full.append(el.text)
        core.append(el.text)
    # A stack of (element, context) to enter and (tail text, context) to emit after a subtree.
    stack: list = [(child, 0) for child in reversed(el)]
    while stack:
        node, ctx = stack.pop()
        if isinstance(node, str):
            full.append(node)
            if ctx & _SUP:
                sup.append(node)
            elif not ctx & _CITE:
                core.append(node)
            continue
        tag = node.tag
        if node.tail:
            stack.append((node.tail, ctx))
        if not isinstance(tag, str) or tag in SKIPPED_TAGS:
            continue
        cls = node.get("class")
        inner = ctx
        if cls:
            if "ltx_font_bold" in cls:
                bold = True
            if "underline" in cls:
                underline = True
            if "ltx_font_smallcaps" in cls:
                smallcaps = True
            if "ltx_cite" in cls:
                inner |= _CITE
            if "ltx_sup" in cls:
                inner |= _SUP
            if "ltx_td" in cls or "ltx_tr" in cls:
                full.append(" ")
                core.append(" ")
        if tag in SPACED_TAGS:
            full.append(" ")
            core.append(" ")
        elif tag == "sub" or (cls and "ltx_sub" in cls):
            full.append("_")           # "ViT-H/16<sub>448</sub>" reads ViT-H/16_448, not ViT-H/16448
            core.append("_")
        elif tag == "cite":
            inner |= _CITE
        elif tag == "sup":
            inner |= _SUP
        elif tag in ("b", "strong"):
            bold = True
        elif tag == "u":
            underline = True
        if inner & _CITE:
            cited = True
        if len(node):
            children = list(node)
            if tag in ("msub", "msubsup") and len(children) > 1:
                children.insert(1, "_")       # the subscript of MathML, as for <sub>
            stack.extend((child, inner) for child in reversed(children))
        if node.text:
            stack.append((node.text, inner))
    return Cell(_collapse(full), _collapse(core), _collapse(sup), shaded=_shaded(el.get("style")), id=el.get("id"),
                bold=bold, underline=underline, smallcaps=smallcaps, cited=cited)


def _shaded(style: str | None) -> bool:
    """A background colour other than white."""
    return bool(style) and "background-color" in style and "#ffffff" not in style.lower()


def _span(el, name: str) -> int:
    try:
        return max(1, min(MAX_SPAN, int(el.get(name) or 1)))
    except ValueError:
        return 1


def _is_row(el) -> bool:
    return el.tag == "tr" or "ltx_tr" in classes(el)


def _rows(tabular):
    """(row element, inside thead) in order, through thead/tbody/tfoot sections."""
    for child in tabular:
        if not isinstance(child.tag, str):
            continue
        if _is_row(child):
            yield child, False
            continue
        cls = classes(child)
        head = child.tag == "thead" or "ltx_thead" in cls
        if head or child.tag in ("tbody", "tfoot") or cls & {"ltx_tbody", "ltx_tfoot"}:
            for row in child:
                if isinstance(row.tag, str) and _is_row(row):
                    yield row, head


def _cells(row):
    for el in row:
        if isinstance(el.tag, str) and (el.tag in ("td", "th") or "ltx_td" in classes(el)):
            yield el


def count_rows(tabular) -> int:
    """How many grid rows `build_grid` would give, without reading any cell."""
    return sum(1 for _ in _rows(tabular))


def build_grid(tabular) -> Grid:
    """The expanded grid of a tabular element (see the module docstring)."""
    rows: list[list[Cell | None]] = []
    row_ids: list[str | None] = []
    head_rows = set()
    pending: dict[tuple[int, int], Cell] = {}   # positions filled by rowspans from above
    for r, (row_el, in_head) in enumerate(_rows(tabular)):
        row_ids.append(row_el.get("id"))
        if in_head:
            head_rows.add(r)
        line: list[Cell | None] = []
        c = 0
        row_shaded = _shaded(row_el.get("style"))        # \rowcolor may colour the row element
        for el in _cells(row_el):
            while (r, c) in pending:
                line.append(pending.pop((r, c)))
                c += 1
            cell = read_cell(el)
            cls = classes(el)
            cell.row, cell.col = r, c
            cell.rowspan, cell.colspan = _span(el, "rowspan"), _span(el, "colspan")
            cell.header = in_head or el.tag == "th" and "ltx_th_row" not in cls or "ltx_th_column" in cls
            cell.shaded = cell.shaded or row_shaded
            for dc in range(cell.colspan):
                line.append(cell)
                for dr in range(1, cell.rowspan):
                    pending[(r + dr, c + dc)] = cell
            c += cell.colspan
        while (r, c) in pending:
            line.append(pending.pop((r, c)))
            c += 1
        rows.append(line)
    # Rowspans reaching past the last row, or into positions after a short row's end.
    for (r, c), cell in sorted(pending.items()):
        if r < len(rows):
            rows[r].extend([None] * (c - len(rows[r]) + 1))
            rows[r][c] = cell
    width = max((len(line) for line in rows), default=0)
    for line in rows:
        line.extend([None] * (width - len(line)))
    return Grid(rows, row_ids, frozenset(head_rows), width)


def transpose(grid: Grid) -> Grid:
    """The grid read the other way round (rows become columns), for tables that list models
    across the top and benchmarks down the side. Cells are copied with their spans swapped."""
    copies: dict[int, Cell] = {}
    cells: list[list[Cell | None]] = [[None] * len(grid.cells) for _ in range(grid.width)]
    for r, line in enumerate(grid.cells):
        for c, cell in enumerate(line):
            if cell is None:
                continue
            if id(cell) not in copies:
                copies[id(cell)] = replace(cell, row=cell.col, col=cell.row, rowspan=cell.colspan,
                                           colspan=cell.rowspan, header=False)
            cells[c][r] = copies[id(cell)]
    return Grid(cells, [None] * grid.width, frozenset(), len(grid.cells))
