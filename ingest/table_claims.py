"""ImageNet accuracies reported in the result tables of one arXiv HTML page.

`extract_table_values(html, arxiv_id)` returns one record per accuracy cell (keys in
`VALUE_KEYS`, plus `caption`, `header` (the column's joined header), `cell` (the model cells as
written), `raw_value`, `flops`, `row_id` (the `<tr>` id), `tabular_id`, `cell_id` (the value's
`<td>` id) and `emphasis` (["bold"], ["underline"]: how the paper marked best values)).

Which cells count. A column counts when it holds accuracies on an ImageNet dataset:
- its header names the metric (top-1, top-5, accuracy) or only a dataset or setting
  ("ImageNet-1K", "IN-A", "Linear"); columns with no such word (a method per column, "LN |
  DyT") count only when the block has no named accuracy column and the caption (or the group
  row) speaks of accuracy, or names ImageNet and no other quantity; their values must be
  written with a decimal point or "%" and be at least 1 (else they are recipe settings);
- its dataset comes from the header, else the group row above the cell, else the caption
  (+ the float's footnotes, + the corner header) when it names ImageNet-1K as its only
  evaluation set besides the sets other columns name and dense-task sets (COCO, ADE20K);
  only when the table names no dataset anywhere, the paper's text around the table decides.
Rows labelled "Average" or "Δ" are skipped. A table listing models across the top and
benchmarks down the side is read transposed (records keep the page's row and column).
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
from functools import cached_property

from ingest.html_tables import Page, PageTable, read_page
from ingest.table_cells import (MARK_CHARS, clean_model, has_text_citation, parse_flops, parse_pair,
                                parse_params, parse_resolution_cell, parse_value, resolution_in_text)
from ingest.table_columns import CHECKED_RE, VALUE_ROLES, Column, classify_columns, label_columns
from ingest.table_grid import transpose
from ingest.table_layout import Block, read_layout
from ingest.table_roles import (abstract_names, caption_subjects, is_ablation, marked, matches_name,
                                ours_name, row_role, shaded_means_ours, title_names)
from ingest.table_vocab import (DENSE_TASK_SETS, Words, column_kind, datasets_in, eval_datasets, is_average,
                                names_accuracy, names_other_metric, names_quantity)

VALUE_KEYS = ("id", "table_id", "row", "col", "model", "dataset", "metric", "value", "params",
              "resolution", "extra_data", "role", "setting", "evidence")
# A table is read only if its caption or cells say something of the kind (most tables of a
# paper are hyper-parameters, ablations of other tasks, ...): a dataset, metric or setting word.
_HINT_RE = re.compile(r"image-?\s?net|ilsvrc|in-?(?:1k|21k|22k|v2|real|a|r|sketch)\b|top-?\s?[15]|acc|@1|linear"
                      r"|fine-?\s?tun|finetun|zero-?\s?shot|few-?\s?shot|k-?nn|prob(?:e|ing)", re.I)
_HINT_IN_RE = re.compile(r"\bIN\b")
_TAG_RE = re.compile(r"^\s*Table\s*[A-Z]?\d+[.:]?\s*", re.I)
_MARK_DEF_RE = re.compile(r"([" + re.escape(MARK_CHARS) + r"])\s*(?::|=|denotes|indicates|means|represents|marks"
                          r"|refers\s+to|stands\s+for)?\s+([^.;" + re.escape(MARK_CHARS) + r"]{3,160})")
_OURS_START_RE = re.compile(r"ours\b", re.I)
ACCURACY_KINDS = ("top1", "top5", "top1/top5", "acc")
METRICS = {"top1": ("top1_acc",), "acc": ("top1_acc",), "implicit": ("top1_acc",), "name": ("top1_acc",),
           "top5": ("top5_acc",), "top1/top5": ("top1_acc", "top5_acc")}


def extract_table_values(html: str | bytes, arxiv_id: str | None = None) -> list[dict]:
    """Every ImageNet accuracy cell of the page's tables (see the module docstring).
    ValueError when `html` is empty."""
    return page_values(read_page(html), arxiv_id)


def page_values(page: Page, arxiv_id: str | None) -> list[dict]:
    """The records of every table of an already-read page."""
    words = Words()
    tables = [_Table(t, words) for t in page.tables if _worth_reading(t)]
    names = _names(page, tables)
    out: list[dict] = []
    for t in tables:
        out += _TableReader(page, t, names, words).records(arxiv_id)
    return out


def _worth_reading(table: PageTable) -> bool:
    text = table.caption + " " + table.notes + " " + table.text
    return bool(_HINT_RE.search(text) or _HINT_IN_RE.search(text))


class _Table:
    """A table worth reading: its blocks with their classified columns and label columns.

    A table that lists models across the top and benchmarks down the side ("ImageNet top-1 |
    81.2 | 82.5" under "ResNet-50 | Ours") is read transposed (`transposed`; its records
    still give row and column in the page's own orientation)."""

    def __init__(self, src: PageTable, words: Words) -> None:
        self.src, self.caption, self.transposed = src, _TAG_RE.sub("", src.caption), False
        self._read(src.grid, words)
        if self._lists_benchmarks_down_the_side():
            self.transposed = True
            self._read(transpose(src.grid), words)

    def _read(self, grid, words: Words) -> None:
        self.grid = grid
        layout = read_layout(grid)
        self.blocks: list[tuple[Block, list[Column], list[int]]] = []
        for block in layout.blocks:
            columns = classify_columns(grid, block, words)
            self.blocks.append((block, columns, label_columns(columns)))
        groups = {g for b in layout.blocks for g in b.group_of.values()}
        self.group_texts = {g: " ".join(_distinct(c.text for c in grid.cells[g] if c is not None)) for g in groups}

    def _lists_benchmarks_down_the_side(self) -> bool:
        """One block whose numbers all sit under method-name headers while a row label names
        ImageNet or a top-1 / accuracy metric."""
        if len(self.blocks) != 1:
            return False
        block, columns, labels = self.blocks[0]
        if any(col.role in ("value", "implicit") for col in columns) or not any(col.role == "name" for col in columns):
            return False
        for r in block.data_rows:
            text = " ".join(c.core for c in self.label_cells(r, labels))
            if any(d.startswith("imagenet") for d in datasets_in(text)) or column_kind(text) in ACCURACY_KINDS:
                return True
        return False

    def locate(self, r: int, c: int) -> tuple[int, int]:
        """(row, column) in the page's own orientation."""
        return (c, r) if self.transposed else (r, c)

    def label_cells(self, r: int, labels: list[int]) -> list:
        out = []
        for c in labels:
            cell = self.grid.cells[r][c]
            if cell is not None and cell.core and all(cell is not o for o in out):
                out.append(cell)
        return out


def _distinct(items) -> list:
    return list(dict.fromkeys(items))


def _names(page: Page, tables: list[_Table]) -> list[str]:
    """The paper's own method names: title, abstract, "(ours)" rows, caption subjects."""
    names = title_names(page.title) + abstract_names(page.abstract)
    for t in tables:
        cells_text = []
        for block, columns, labels in t.blocks:
            cells_text += [col.label for col in columns if col.label]
            for r in block.data_rows:
                cells = t.label_cells(r, labels)
                model = " ".join(clean_model(c.core) for c in cells)
                cells_text.append(model)
                if any(marked(c.core) for c in cells):
                    names.append(ours_name(model))
        names += caption_subjects(t.caption, " | ".join(cells_text))
    return [n for n in _distinct(names) if n]


def _cited(cell) -> bool:
    return cell.cited or has_text_citation(cell.core)


@dataclass
class _Row:
    """What one data row says about all its values."""
    r: int
    cells: list           # its label cells
    model: str
    group: str
    mark_text: str        # definitions of the footnote marks on its model cell


@dataclass(frozen=True)
class _BlockFacts:
    comparison: bool      # the block cites at least two of its rows' models
    own: bool             # the caption speaks of the paper's own models and no row says otherwise


class _TableReader:
    """Reads the records of one table; the caption's features are read once."""

    def __init__(self, page: Page, t: _Table, names: list[str], words: Words) -> None:
        self.page, self.t, self.names, self.words = page, t, names, words
        caption, notes = t.caption, t.src.notes
        self.caption_setting = words.setting_in(caption)
        self.acc_caption = names_accuracy(caption)
        self.other_caption = names_other_metric(caption) and not self.acc_caption
        # An ImageNet caption with no other quantity in it reports accuracies (its default metric).
        self.imagenet_caption = not (names_other_metric(caption) or names_quantity(caption)) and any(
            d.startswith("imagenet") for d in eval_datasets(caption))
        self.ablation = is_ablation(caption)
        self.caption_ours = marked(caption)
        self.shaded_ours = shaded_means_ours(caption + " " + notes)
        self.marks = {m.group(1): m.group(2) for m in _MARK_DEF_RE.finditer(caption + " " + notes)}

    def records(self, arxiv_id: str | None) -> list[dict]:
        out = []
        for block, columns, labels in self.t.blocks:
            explicit = any(col.role in ("value", "implicit") for col in columns)
            cited_rows = sum(any(_cited(c) for c in self.t.label_cells(r, labels)) for r in block.data_rows)
            by_role = {role: next((col for col in columns if col.role == role), None)
                       for role in ("params", "flops", "res", "setting")}
            data_cols = [col for col in columns if col.role in ("data", "flag")]
            # A caption about "our models" over rows none of which is cited, marked or named
            # after the method: the rows are the paper's own.
            own = self.caption_ours and not cited_rows and not any(
                marked(c.core) or any(matches_name(n, c.core) for n in self.names)
                for r in block.data_rows for c in self.t.label_cells(r, labels))
            facts = _BlockFacts(comparison=cited_rows >= 2, own=own)
            last_model = ""
            for r in block.data_rows:
                row = self._row(block, r, labels, last_model)
                if row is None:
                    continue
                last_model = row.model
                for col in columns:
                    if col.role in VALUE_ROLES and not (col.role == "name" and explicit):
                        out += self._cell_records(arxiv_id, row, col, by_role, data_cols, facts)
        return out

    def _row(self, block: Block, r: int, labels: list[int], last_model: str) -> _Row | None:
        cells = self.t.label_cells(r, labels)
        model = " ".join(m for m in (clean_model(c.core) for c in cells) if m) or last_model
        if not model or is_average(model) or column_kind(model) == "change":
            return None             # an "Average" or a "Δ" / "gain" row holds no model's result
        row_marks = "".join(c.marks + c.core for c in cells)
        return _Row(r, cells, model, self.t.group_texts.get(block.group_of.get(r), ""),
                    " ".join(d for m, d in self.marks.items() if m in row_marks))

    def _dataset(self, col: Column, row: _Row) -> str | None:
        """The column's dataset id for this row; "" when nothing on the page names one."""
        if col.role == "name" and not (self.acc_caption or names_accuracy(row.group) or self.imagenet_caption):
            return None             # numbers under method names: accuracies only if the caption says so
        if col.role == "implicit" and self.other_caption:
            return None
        for found in (col.datasets, datasets_in(row.group)):
            evaluated = [d for d in found if d != "pretrain"]
            if evaluated:
                return evaluated[0]
        return self.table_dataset

    @cached_property
    def table_dataset(self) -> str | None:
        """The evaluation set the table names outside its value headers — caption, notes, the
        corner / label-column headers — else, when the table names no dataset at all, the text
        around it: "imagenet-1k", "" when nothing names one, None otherwise. Sets the value
        headers name themselves (ImageNet-V2 beside an unnamed "Top-1") and dense-task sets
        (COCO, ADE20K beside a "Top-1") do not make the caption ambiguous."""
        t = self.t
        labels = " ".join(col.header for _, columns, _ in t.blocks for col in columns if col.role == "label")
        headed = {d for _, columns, _ in t.blocks for col in columns if col.role in VALUE_ROLES for d in col.datasets}
        own = eval_datasets(f"{t.caption} {t.src.notes} {labels}") - headed - DENSE_TASK_SETS
        if own:
            return "imagenet-1k" if own == {"imagenet-1k"} else None
        if headed or eval_datasets(t.caption) or any(datasets_in(g) for g in t.group_texts.values()):
            return None
        mentions = [d for d in datasets_in(self.page.context(t.src)) if d != "pretrain"]
        if not mentions:
            return ""
        return "imagenet-1k" if mentions.count("imagenet-1k") * 2 > len(mentions) else None

    def _cell_records(self, arxiv_id, row: _Row, col: Column, by_role: dict, data_cols: list[Column],
                      facts: _BlockFacts) -> list[dict]:
        grid, src = self.t.grid, self.t.src
        cell = grid.cells[row.r][col.index]
        if cell is None or cell.row != row.r:
            return []
        dataset = self._dataset(col, row)
        if dataset == "" and col.role == "value":
            dataset = None                  # a named accuracy column of a dataset nobody names
        elif not dataset or not dataset.startswith("imagenet"):
            return []
        kind = col.kind if col.role == "value" else col.role
        found = _numbers(cell.core, kind)
        if not found or (col.role == "name" and (not re.search(r"[.%]", cell.core) or found[0][0] < 1)):
            return []               # under a bare method name, "300" or "0.65" is a setting, not an accuracy
        cell_marks = " ".join(d for m, d in self.marks.items() if m in cell.text and d not in row.mark_text)
        model, role = self._model_and_role(row, col, facts)
        page_r, page_c = self.t.locate(row.r, col.index)
        base = {
            "id": arxiv_id, "table_id": src.table_id, "row": src.row_offset + page_r, "col": page_c,
            "model": model, "dataset": dataset, "params": _column_value(grid, row.r, by_role["params"], parse_params),
            "resolution": self._resolution(row, col, by_role["res"]),
            "extra_data": self._extra_data(row, col, data_cols, cell_marks), "role": role,
            "setting": self._setting(row, col, by_role["setting"], cell_marks), "evidence": cell.text,
            "caption": src.caption, "header": col.header, "cell": " ".join(c.text for c in row.cells),
            "flops": _column_value(grid, row.r, by_role["flops"], parse_flops),
            "row_id": src.grid.row_ids[page_r], "tabular_id": src.tabular_id, "cell_id": cell.id,
            "emphasis": [style for style in ("bold", "underline") if getattr(cell, style)],
        }
        return [{**base, "metric": metric, "value": number, "raw_value": raw}
                for metric, (number, raw) in zip(METRICS[kind], found)]

    def _model_and_role(self, row: _Row, col: Column, facts: _BlockFacts) -> tuple[str, str]:
        is_marked = any(marked(c.core) for c in row.cells) or marked(row.group)
        if col.label:      # a method per column: the column says whose result it is
            named = marked(col.label) or any(matches_name(n, col.label) for n in self.names)
            role = "proposed" if named or is_marked else ("variant" if self.ablation else "baseline")
            model = f"{row.model} ({col.label})"
        else:
            emphasised = any(c.bold or c.smallcaps or (c.shaded and self.shaded_ours) for c in row.cells)
            role = row_role(marked=is_marked, cited=any(_cited(c) for c in row.cells),
                            named=any(matches_name(n, row.model) for n in self.names),
                            emphasised=emphasised, comparison=facts.comparison, own_table=facts.own,
                            ablation=self.ablation)
            model = row.model
        if _OURS_START_RE.match(model) and self.names:      # "Ours-L" → "<method>-L"
            model = self.names[0] + model[4:]
        elif (marked(row.group) and self.names and not col.label
              and not any(matches_name(n, model) for n in self.names)):
            model = f"{self.names[0]} {model}"                # "ViT-B" under an "Ours" group row
        return model, role

    def _setting(self, row: _Row, col: Column, setting_col: Column | None, cell_marks: str) -> str | None:
        words = self.words
        return (col.setting or words.setting_in(row.group)
                or _column_value(self.t.grid, row.r, setting_col, lambda core, _: words.setting_in(core))
                or words.setting_in(" ".join(c.core for c in row.cells)) or self.caption_setting
                or words.setting_in(row.mark_text + " " + cell_marks))

    def _extra_data(self, row: _Row, col: Column, data_cols: list[Column], cell_marks: str) -> str | None:
        grid, words = self.t.grid, self.words
        flag_cols = [c for c in data_cols if c.role == "flag"]
        data_cols = [c for c in data_cols if c.role == "data"]
        for data_col in data_cols:       # a data column decides, also by naming ImageNet-1K only
            cell = grid.cells[row.r][data_col.index]
            if cell is not None and cell.core:
                corpus = words.corpus_in(cell.core)
                if corpus or "imagenet-1k" in datasets_in(cell.core):
                    return corpus
        for flag_col in flag_cols:      # a ticked "IN-22K" / "JFT" column
            cell = grid.cells[row.r][flag_col.index]
            corpus = words.corpus_in(flag_col.header)
            if corpus and cell is not None and CHECKED_RE.search(cell.core):
                return corpus
        for text in (row.group, " ".join(c.core for c in row.cells), col.header, row.mark_text + " " + cell_marks):
            corpus = words.corpus_in(text)
            if corpus:
                return corpus
        return None

    def _resolution(self, row: _Row, col: Column, res_col: Column | None) -> int | None:
        """The evaluation resolution: the value column's own header ("eval@448") first."""
        value = _column_value(self.t.grid, row.r, res_col, lambda core, _: parse_resolution_cell(core))
        return (resolution_in_text(col.header) or value or resolution_in_text(row.model)
                or resolution_in_text(row.group))


def _numbers(core: str, kind: str) -> list[tuple[float, str]]:
    if kind == "top1/top5":
        pair = parse_pair(core)
        values = list(pair) if pair else []
    else:
        value = parse_value(core)
        values = [value] if value.kind == "value" else []
    return [(v.number, v.raw) for v in values if v.number is not None and 0 < v.number <= 100]


def _column_value(grid, r: int, col: Column | None, parse):
    """parse(core, header) of row r's cell in `col`, or None."""
    cell = grid.cells[r][col.index] if col else None
    return parse(cell.core, col.header) if cell is not None and cell.core else None
