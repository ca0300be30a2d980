"""The row structure of a result table: header rows, group rows, data rows, and the joined
header text above every column.

Papers lay tables out in a few ways this module reads without relying on `<thead>`:
- header rows: `<thead>` rows, rows of `ltx_th_column` cells, and any rows before the first data
  row (LaTeXML often puts the header inside `<tbody>` as plain `<td>`s); a header row further
  down (a second stacked sub-table) starts a new *block* whose columns are read afresh;
- group rows: one non-empty cell starting in the first column, usually spanning the table
  ("ImageNet-22K pre-trained", "(Base backbone)", "Linear Probing"); its text applies to the
  data rows below it until the next group row or block;
- data rows: rows with at least one number outside the first column.
A column's header text joins, top to bottom, the distinct header cells covering it (so a
spanning "ImageNet-1K" over "top-1 | top-5" gives "ImageNet-1K top-1", "ImageNet-1K top-5").
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.table_cells import parse_pair, parse_value
from ingest.table_grid import Cell, Grid
from ingest.table_vocab import column_kind, datasets_in


@dataclass
class Block:
    """Consecutive rows under one set of header rows."""
    header_rows: list[int] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)      # joined header text per column
    header_parts: list[list[str]] = field(default_factory=list)  # its distinct cells, top down
    data_rows: list[int] = field(default_factory=list)
    group_of: dict[int, int] = field(default_factory=dict)  # data row -> its group row


@dataclass
class Layout:
    kinds: list[str]          # per row: "header" | "group" | "data" | "blank" | "text"
    blocks: list[Block]


def is_number(cell: Cell | None) -> bool:
    return cell is not None and (parse_value(cell.core).kind == "value" or parse_pair(cell.core) is not None)


def _origins(grid: Grid, r: int) -> list[Cell]:
    out = []
    for c in range(grid.width):
        cell = grid.origin(r, c)
        if cell is not None and (not out or out[-1] is not cell) and cell.text:
            out.append(cell)
    return out


def _row_kind(grid: Grid, r: int) -> str:
    cells = _origins(grid, r)
    if not cells:
        return "blank"
    if r in grid.head_rows or all(c.header for c in cells):
        return "header"
    if len(cells) == 1 and cells[0].col == 0 and not is_number(cells[0]):
        return "group"
    if any(is_number(c) for c in cells if c.col > 0):
        return "data"
    return "text"


def _header_like(grid: Grid, r: int) -> bool:
    """A text row inside the body that reads as a new header (metric or dataset names)."""
    cells = [c for c in _origins(grid, r) if c.col > 0]
    return len(cells) >= 2 and any(column_kind(c.text) not in (None, "label", "other") or datasets_in(c.text)
                                   for c in cells)


def _labelless(grid: Grid, r: int) -> bool:
    """Numbers only, under a header cell carried down from above ("Method" over "1% | 10%")."""
    first = grid.cells[r][0]
    return (first is not None and first.row != r and not any(not is_number(c) for c in _origins(grid, r)))


_HEADER_WORD_RE = re.compile(r"\W*(?:models?|methods?|backbones?|arch\.?|architectures?|networks?|encoders?"
                             r"|approach(?:es)?|name|setting|config(?:uration)?)\W*", re.I)


def _names_columns(grid: Grid, r: int) -> bool:
    """A first row with numbers ("1% | 10%" label fractions, "224 | 384" resolutions) that is
    still a header: its first cell is a column name such as "Method"."""
    cells = _origins(grid, r)
    return bool(cells) and bool(_HEADER_WORD_RE.fullmatch(cells[0].text))


def header_parts(grid: Grid, rows: list[int], c: int) -> list[str]:
    """The distinct header cell texts above column `c`, top to bottom."""
    parts: list[str] = []
    seen: list[Cell] = []
    for r in rows:
        cell = grid.cells[r][c]
        if cell is None or any(cell is s for s in seen):
            continue
        seen.append(cell)
        if cell.text and cell.text not in parts:
            parts.append(cell.text)
    return parts


def read_layout(grid: Grid) -> Layout:
    """Row kinds and blocks of a grid (see the module docstring)."""
    kinds: list[str] = []
    blocks: list[Block] = []
    block = Block()
    group: int | None = None
    for r in range(len(grid.cells)):
        kind = _row_kind(grid, r)
        if kind == "text" and (not block.data_rows or _header_like(grid, r)):
            kind = "header"
        if kind == "data" and not block.data_rows and (
                block.header_rows and _labelless(grid, r) or not block.header_rows and _names_columns(grid, r)):
            kind = "header"
        if kind == "header":
            if block.data_rows:          # a header after data: a new stacked sub-table
                blocks.append(block)
                block, group = Block(), None
            block.header_rows.append(r)
        elif kind == "group":
            group = r
        elif kind == "data":
            block.data_rows.append(r)
            if group is not None:
                block.group_of[r] = group
        kinds.append(kind)
    blocks.append(block)
    for b in blocks:
        b.header_parts = [header_parts(grid, b.header_rows, c) for c in range(grid.width)]
        b.headers = [" ".join(parts) for parts in b.header_parts]
    return Layout(kinds, [b for b in blocks if b.data_rows])
