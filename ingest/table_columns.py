"""What each column of a table block holds, from its joined header and its body cells.

`classify_columns(grid, block)` gives one `Column` per grid column with a `role`:
- "value":    a named accuracy column ("Top-1", "Acc.", "IN-1K Acc.", "Top-1/Top-5");
- "implicit": numbers under a header that names only a dataset or a setting ("ImageNet-1K",
              "IN-A", "Linear", "Zero-shot") — accuracy unless the caption says otherwise;
- "name":     numbers under a header that names none of those, e.g. a method per column
              ("LN | DyT"), or no header at all — accuracy only when the caption says so;
- "label":    text naming the model (model / method / backbone columns, rowspans included);
- "data":     extra-training-data names ("Pre-train data", "Seen Data": WIT-400M, CC3M);
- "setting":  text naming a protocol per row ("Fine-tune", "Linear");
- "flag":     check marks (✓ / ✗) per row, e.g. under "IN-22K" (which extra data a row used);
- "params", "flops", "res": model size, compute, input resolution;
- "skip":     everything else (other metrics, changes, throughput, sizes of data, empty).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.table_cells import parse_pair, parse_value
from ingest.table_grid import Grid
from ingest.table_layout import Block
from ingest.table_vocab import Words, column_kind, datasets_in, header_datasets, is_average

NUMERIC_ROLES = frozenset({"value", "implicit", "name", "params", "flops", "res"})
VALUE_ROLES = frozenset({"value", "implicit", "name"})
_SIZE_RE = re.compile(r"^~?\d+(?:\.\d+)?\s*[KMBT]\+?$", re.I)
_CHECK_RE = re.compile(r"^[✓✔☑√✗✘×✕\s]+$|^(?:yes|no)$", re.I)
CHECKED_RE = re.compile(r"[✓✔☑√]|^yes$", re.I)


@dataclass
class Column:
    index: int
    header: str
    kind: str | None
    role: str
    datasets: tuple[str, ...]
    setting: str | None
    label: str = ""     # header parts naming neither metric, dataset nor setting ("LN", "DyT")


def _names_data(core: str, words: Words) -> bool:
    return bool(words.corpus_re.search(core) or datasets_in(core))


def _role(kind: str | None, header: str, cores: list[str], letters: bool, words: Words) -> str:
    values = [parse_value(s) for s in cores]
    numbers = sum(v.kind == "value" for v in values) + sum(
        1 for s, v in zip(cores, values) if v.kind == "text" and parse_pair(s))
    texts = [s for s, v in zip(cores, values) if v.kind == "text" and not parse_pair(s)]
    sizes = sum(bool(_SIZE_RE.match(s)) for s in texts)
    numeric = numbers > 0 and numbers >= len(texts)
    if texts and sum(bool(_CHECK_RE.match(s)) for s in texts) * 2 >= len(texts):
        return "flag"
    if kind in ("params", "flops", "res"):
        return kind
    if kind in ("top1", "top5", "top1/top5", "acc"):
        return "value" if numbers else "skip"
    if kind in ("err", "metric", "change", "other") or is_average(header) or (texts and sizes * 2 >= len(texts)):
        return "skip"
    if numeric:
        if kind == "data":
            return "skip"                       # "#Data", "Pre-training images": sizes
        if header_datasets(header, letters) or words.setting_in(header):
            return "implicit"
        return "name"
    if not texts:
        return "skip"
    hits = sum(_names_data(s, words) for s in texts)
    if kind == "data":
        return "data" if hits else "label"      # "Pre-training": CC3M (data) or MAE (a method)
    if kind == "setting":
        return "setting"
    if kind is None and hits * 2 > len(texts):
        return "data"
    return "label"


def classify_columns(grid: Grid, block: Block, words: Words) -> list[Column]:
    """One Column per grid column of `block` (see the module docstring)."""
    out = []
    letters = any(d.startswith("imagenet") for h in block.headers for d in datasets_in(h))
    for c in range(grid.width):
        header = block.headers[c]
        cores = []
        for r in block.data_rows:
            cell = grid.cells[r][c]
            if cell is not None and cell.core:
                cores.append(cell.core)
        kind = column_kind(header)
        role = _role(kind, header, cores, letters, words)
        label = _label(block.header_parts[c], letters, words) if role in VALUE_ROLES else ""
        # The setting of the whole header, else of its lowest part that names one ("IN1k | Linear").
        setting = words.setting_in(header) or next(
            (s for s in map(words.setting_in, reversed(block.header_parts[c])) if s), None)
        out.append(Column(c, header, kind, role, header_datasets(header, letters), setting, label))
    return out


def _label(parts: list[str], letters: bool, words: Words) -> str:
    """The header parts of a value column that name a method or model, not what is measured."""
    names = [p for p in parts if column_kind(p) in (None, "label") and not header_datasets(p, letters)
             and not words.setting_in(p) and not is_average(p)]
    return " ".join(names)


def label_columns(columns: list[Column]) -> list[int]:
    """The columns that name the model: text columns before the first numeric one (a
    "Backbone" column beside a "Method" column gives both), else the first column."""
    first_numeric = next((col.index for col in columns if col.role in NUMERIC_ROLES), len(columns))
    labels = [col.index for col in columns[:first_numeric] if col.role == "label"]
    return labels or [0]
