"""How every command prints rows: a table with a header row and readable units, or JSON, or CSV.

A command describes its table once (`Col`s: key, header, how to write the value, how wide
it may get) and calls `emit`; `--format json` and `--format csv` give every key of every
row with the stored values (no units, nothing cut), so scripts never parse the table.
"""
from __future__ import annotations

import csv
import json
import sys
from dataclasses import dataclass
from typing import Callable

import click

from db import formats

FORMATS = ("table", "json", "csv")


def format_option(*choices: str):
    """`--format` with the given choices (default: all three), table first."""
    return click.option("--format", "fmt", type=click.Choice(choices or FORMATS), default="table",
                        show_default=True, help="table for people; json or csv for scripts (every field).")


def text(value) -> str:
    """Any stored value as table text: lists comma-separated, booleans yes/no, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(text(v) for v in value)
    if isinstance(value, float):
        return formats.value(value)
    return str(value)


def params(value) -> str:
    return formats.params(value)


def when(value) -> str:
    return formats.when(value)


@dataclass(frozen=True)
class Col:
    """One table column: the row key, its header, how the value is written, the widest it may
    get (longer text is cut with "…"), whether it is right-aligned (numbers), and `of_row`:
    the value from the whole row when one field is not enough."""

    key: str
    header: str | None = None
    show: Callable[[object], str] = text
    width: int | None = None
    right: bool = False
    of_row: Callable[[dict], object] | None = None

    def cell(self, row: dict) -> str:
        value = self.of_row(row) if self.of_row else row.get(self.key)
        out = " ".join(self.show(value).split())
        if self.width and len(out) > self.width:
            out = out[:self.width - 1] + "…"
        return out


def table_lines(rows: list[dict], columns: list[Col]) -> list[str]:
    """The header row and one line per row, columns padded to their widest cell."""
    heads = [c.header or c.key for c in columns]
    cells = [[c.cell(r) for c in columns] for r in rows]
    widths = [max([len(h)] + [len(line[i]) for line in cells]) for i, h in enumerate(heads)]

    def line(values: list[str]) -> str:
        return "  ".join(v.rjust(w) if c.right else v.ljust(w)
                         for v, w, c in zip(values, widths, columns)).rstrip()
    return [line(heads)] + [line(v) for v in cells]


def emit(rows: list[dict], columns: list[Col], fmt: str, keys: tuple[str, ...] | None = None,
         empty: str = "no rows") -> None:
    """Print `rows` as a table, JSON or CSV (`keys`: the CSV columns, default every row key).

    An empty table prints `empty` on stderr, so a pipe gets nothing but rows."""
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False, default=str))
    elif fmt == "csv":
        fields = list(keys or dict.fromkeys(k for r in rows for k in r))
        writer = csv.DictWriter(sys.stdout, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: json.dumps(v) if isinstance(v, (list, dict)) else v for k, v in r.items()}
                         for r in rows)
    elif not rows:
        click.echo(empty, err=True)
    else:
        for line in table_lines(rows, columns):
            click.echo(line)
