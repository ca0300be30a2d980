"""ImageNet accuracies reported in the result tables of one arXiv HTML page.

`extract_table_values(html, arxiv_id)` returns one record per accuracy cell (keys in
`VALUE_KEYS`, plus `caption`, `header`, `cell`, `raw_value`, `flops`, `row_id`, `tabular_id`).

Which cells count. A column counts when it holds accuracies on an ImageNet dataset:
- its header names the metric (top-1, top-5, accuracy) or only a dataset or setting
  ("ImageNet-1K", "IN-A", "Linear"); columns with no such word (a method per column, "LN |
  DyT") count only when the block has no named accuracy column and the caption (or the group
  row) speaks of accuracy;
- its dataset comes from the header, else the group row above the cell, else the caption
  (+ the float's footnotes) when it names ImageNet-1K as its only evaluation set; only when
  the table names no dataset anywhere, the paper's text around the table decides.
ImageNet variants (V2, ReaL, -A, -R, Sketch, ...) are kept under their own ids, never as
`imagenet-1k`; columns of other datasets, other metrics (AP, mIoU, FID, error), changes ("↑0.2",
"Δ") and averages give nothing. A column headed as accuracy ("0-shot Acc.") whose dataset
neither the table, its caption nor the text around it names gives records with `dataset`
None, for a later reader with more of the paper to decide. Values lie in (0, 100].

Each record also carries the model (label columns joined, citations and marks removed; a
method named by the column is added in parentheses), params (absolute), FLOPs (G),
resolution, extra_data (a corpus named via rules/corpora.py), setting (rules/settings.toml
words, from the column header, the group row, a setting column, the model cell, the caption
or a footnote mark's definition, in that order) and role (see ingest.table_roles).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.html_tables import Page, PageTable, read_page
from ingest.table_cells import (MARK_CHARS, clean_model, has_text_citation, parse_flops, parse_pair,
                                parse_params, parse_resolution_cell, parse_value, resolution_in_text)
from ingest.table_columns import VALUE_ROLES, Column, classify_columns, label_columns
from ingest.table_layout import Block, read_layout
from ingest.table_roles import (abstract_names, caption_subjects, is_ablation, marked, matches_name,
                                ours_name, row_role, shaded_means_ours, title_names)
from ingest.table_vocab import (datasets_in, eval_datasets, names_accuracy, names_other_metric,
                                setting_in)
from rules.corpora import from_text, text_pattern

VALUE_KEYS = ("id", "table_id", "row", "col", "model", "dataset", "metric", "value", "params",
              "resolution", "extra_data", "role", "setting", "evidence")
_HINT_RE = re.compile(r"image-?\s?net|ilsvrc|in-?(?:1k|21k|22k|v2|real|a|r|sketch)\b|top-?\s?[15]|acc|@1", re.I)
_HINT_IN_RE = re.compile(r"\bIN\b")
_TAG_RE = re.compile(r"^\s*Table\s*[A-Z]?\d+[.:]?\s*", re.I)
_MARK_DEF_RE = re.compile(r"([" + re.escape(MARK_CHARS) + r"])\s*(?::|=|denotes|indicates|means|represents|marks"
                          r"|refers\s+to|stands\s+for)?\s+([^.;" + re.escape(MARK_CHARS) + r"]{3,160})")
METRICS = {"top1": ("top1_acc",), "acc": ("top1_acc",), "implicit": ("top1_acc",), "name": ("top1_acc",),
           "top5": ("top5_acc",), "top1/top5": ("top1_acc", "top5_acc")}


@dataclass
class _Table:
    """A table worth reading, with what its rows are judged by."""
    src: PageTable
    caption: str
    blocks: list[tuple[Block, list[Column], list[int]]]
    group_texts: dict[int, str]


def extract_table_values(html: str | bytes, arxiv_id: str | None = None) -> list[dict]:
    """Every ImageNet accuracy cell of the page's tables (see the module docstring)."""
    return page_values(read_page(html), arxiv_id)


def _worth_reading(table: PageTable) -> bool:
    text = table.caption + " " + table.notes + " " + table.text
    return bool(_HINT_RE.search(text) or _HINT_IN_RE.search(text))


def _prepare(table: PageTable) -> _Table:
    grid = table.grid
    layout = read_layout(grid)
    blocks = []
    for block in layout.blocks:
        columns = classify_columns(grid, block)
        blocks.append((block, columns, label_columns(columns)))
    groups = {g for b in layout.blocks for g in b.group_of.values()}
    group_texts = {g: " ".join(c.text for c in _row_cells(grid, g)) for g in groups}
    return _Table(table, _TAG_RE.sub("", table.caption), blocks, group_texts)


def _row_cells(grid, r: int) -> list:
    out = []
    for cell in grid.cells[r]:
        if cell is not None and all(cell is not o for o in out):
            out.append(cell)
    return out


def _label_cells(grid, r: int, labels: list[int]) -> list:
    out = []
    for c in labels:
        cell = grid.cells[r][c]
        if cell is not None and cell.core and all(cell is not o for o in out):
            out.append(cell)
    return out


def _names(page: Page, tables: list[_Table]) -> list[str]:
    """The paper's own method names: title, abstract, "(ours)" rows, caption subjects."""
    names = title_names(page.title) + abstract_names(page.abstract)
    for t in tables:
        grid = t.src.grid
        cells_text = []
        for block, columns, labels in t.blocks:
            cells_text += [col.label for col in columns if col.label]
            for r in block.data_rows:
                cells = _label_cells(grid, r, labels)
                model = " ".join(clean_model(c.core) for c in cells)
                cells_text.append(model)
                if any(marked(c.core) for c in cells):
                    names.append(ours_name(model))
        names += caption_subjects(t.caption, " | ".join(cells_text))
    return [n for i, n in enumerate(names) if n and n not in names[:i]]


def _mark_defs(text: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for m in _MARK_DEF_RE.finditer(text)}


def _corpus(text: str) -> str | None:
    m = text_pattern().search(text or "")
    return from_text(m.group(0)) if m else None


def _table_dataset(page: Page, t: _Table) -> str | None:
    """The evaluation set a table names outside its headers: its caption + notes, else (when
    the table names no dataset at all) the text around it. "" when nothing names one; None
    when what is named is not ImageNet-1K alone."""
    own = eval_datasets(t.caption + " " + t.src.notes)
    if own:
        return "imagenet-1k" if own == {"imagenet-1k"} else None
    named = any(datasets_in(col.header) for _, columns, _ in t.blocks for col in columns)
    if named or any(datasets_in(g) for g in t.group_texts.values()):
        return None
    mentions = [d for d in datasets_in(page.context(t.src)) if d != "pretrain"]
    if not mentions:
        return ""
    return "imagenet-1k" if mentions.count("imagenet-1k") * 2 > len(mentions) else None


def page_values(page: Page, arxiv_id: str | None) -> list[dict]:
    """The records of every table of an already-read page."""
    tables = [_prepare(t) for t in page.tables if _worth_reading(t)]
    names = _names(page, tables)
    out: list[dict] = []
    for t in tables:
        out += _values(page, t, names, arxiv_id)
    return out


def _values(page: Page, t: _Table, names: list[str], arxiv_id: str | None) -> list[dict]:
    grid, src = t.src.grid, t.src
    caption_setting = setting_in(t.caption)
    acc_caption = names_accuracy(t.caption)
    other_caption = names_other_metric(t.caption) and not acc_caption
    ablation = is_ablation(t.caption)
    shaded_ours = shaded_means_ours(t.caption + " " + src.notes)
    marks = _mark_defs(t.caption + " " + src.notes)
    table_dataset: list = []          # computed once, on first need
    out = []
    for block, columns, labels in t.blocks:
        explicit = any(col.role in ("value", "implicit") for col in columns)
        cited_rows = sum(any(c.cited or has_text_citation(c.core) for c in _label_cells(grid, r, labels))
                         for r in block.data_rows)
        by_role = {role: next((col for col in columns if col.role == role), None)
                   for role in ("params", "flops", "res", "setting")}
        data_cols = [col for col in columns if col.role == "data"]
        last_model = ""
        for r in block.data_rows:
            cells = _label_cells(grid, r, labels)
            model = " ".join(m for m in (clean_model(c.core) for c in cells) if m) or last_model
            if not model:
                continue
            last_model = model
            group = t.group_texts.get(block.group_of.get(r), "")
            row_marks = "".join(c.marks + c.core for c in cells)
            mark_text = " ".join(d for m, d in marks.items() if m in row_marks)
            for col in columns:
                if col.role not in VALUE_ROLES:
                    continue
                cell = grid.cells[r][col.index]
                if cell is None or cell.row != r:
                    continue
                if col.role == "name" and (explicit or not (acc_caption or names_accuracy(group))):
                    continue
                if col.role == "implicit" and other_caption:
                    continue
                dataset = _dataset(col, group, lambda: _cached(table_dataset, page, t))
                if dataset == "" and col.role == "value":
                    dataset = None          # a named accuracy column of a dataset nobody names
                elif not dataset or not dataset.startswith("imagenet"):
                    continue
                kind = col.kind if col.role == "value" else col.role
                found = _numbers(cell.core, kind)
                if not found:
                    continue
                cell_marks = " ".join(d for m, d in marks.items() if m in cell.text and m not in row_marks)
                setting = (col.setting or setting_in(group) or _cell_setting(grid, r, by_role["setting"])
                           or setting_in(" ".join(c.core for c in cells)) or caption_setting
                           or setting_in(mark_text + " " + cell_marks))
                extra = (_data_corpus(grid, r, data_cols) or _corpus(group)
                         or _corpus(" ".join(c.core for c in cells)) or _corpus(col.header)
                         or _corpus(mark_text + " " + cell_marks))
                if extra == "none":
                    extra = None
                is_marked = any(marked(c.core) for c in cells) or marked(group)
                if col.label:
                    named_col = marked(col.label) or any(matches_name(n, col.label) for n in names)
                    role = "proposed" if named_col or is_marked else ("variant" if ablation else "baseline")
                    full_model = f"{model} ({col.label})"
                else:
                    emphasised = any(c.bold or c.smallcaps or (c.shaded and shaded_ours) for c in cells)
                    role = row_role(marked=is_marked,
                                    cited=any(c.cited or has_text_citation(c.core) for c in cells),
                                    named=any(matches_name(n, model) for n in names),
                                    emphasised=emphasised, comparison=cited_rows >= 2, ablation=ablation)
                    full_model = model
                if re.match(r"ours\b", full_model, re.I) and names:
                    full_model = names[0] + full_model[4:]
                for metric, (number, raw) in zip(METRICS[kind], found):
                    out.append({
                        "id": arxiv_id, "table_id": src.table_id, "row": src.row_offset + r, "col": col.index,
                        "model": full_model, "dataset": dataset, "metric": metric, "value": number,
                        "params": _cell_number(grid, r, by_role["params"], parse_params),
                        "resolution": _resolution(grid, r, by_role["res"], col.header, model, group),
                        "extra_data": extra, "role": role, "setting": setting, "evidence": cell.text,
                        "caption": src.caption, "header": col.header, "cell": " ".join(c.text for c in cells),
                        "raw_value": raw, "flops": _cell_number(grid, r, by_role["flops"], parse_flops),
                        "row_id": grid.row_ids[r], "tabular_id": src.tabular_id,
                    })
    return out


def _cached(box: list, page: Page, t: _Table) -> str | None:
    if not box:
        box.append(_table_dataset(page, t))
    return box[0]


def _dataset(col: Column, group: str, table_dataset) -> str | None:
    evaluated = [d for d in col.datasets if d != "pretrain"]
    if evaluated:
        return evaluated[0]
    in_group = [d for d in datasets_in(group) if d != "pretrain"]
    if in_group:
        return in_group[0]
    return table_dataset()


def _numbers(core: str, kind: str) -> list[tuple[float, str]]:
    if kind == "top1/top5":
        pair = parse_pair(core)
        values = list(pair) if pair else []
    else:
        value = parse_value(core)
        values = [value] if value.kind == "value" else []
    return [(v.number, v.raw) for v in values if v.number is not None and 0 < v.number <= 100]


def _cell_number(grid, r: int, col: Column | None, parse) -> float | int | None:
    cell = grid.cells[r][col.index] if col else None
    return parse(cell.core, col.header) if cell is not None else None


def _cell_setting(grid, r: int, col: Column | None) -> str | None:
    cell = grid.cells[r][col.index] if col else None
    return setting_in(cell.core) if cell is not None else None


def _resolution(grid, r: int, col: Column | None, header: str, model: str, group: str) -> int | None:
    cell = grid.cells[r][col.index] if col else None
    if cell is not None:
        value = parse_resolution_cell(cell.core)
        if value:
            return value
    return resolution_in_text(header) or resolution_in_text(model) or resolution_in_text(group)


def _data_corpus(grid, r: int, data_cols: list[Column]) -> str | None:
    """The corpus a data column names for row r; "none" when it names ImageNet-1K only."""
    for col in data_cols:
        cell = grid.cells[r][col.index]
        if cell is None or not cell.core:
            continue
        corpus = _corpus(cell.core)
        if corpus:
            return corpus
        if "imagenet-1k" in datasets_in(cell.core):
            return "none"
    return None
