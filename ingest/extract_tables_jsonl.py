"""The `sota extract-tables` contract: JSON lines of arXiv HTML pages in, JSON lines of table
values out.

Input lines: `{"id": <arXiv id>, "html": <the page>}`. Output: one line per value with the keys
of `ingest.table_claims.VALUE_KEYS` first (`value` a number, `table_id` the `ltx_table` figure
id, `row`/`col` 0-based grid indices after expanding spans, `evidence` the cell as written),
then `caption`, `header`, `cell`, `raw_value`, `flops`, `row_id`, `tabular_id`, `cell_id`,
`emphasis` (see ingest.table_claims).

A malformed line (invalid JSON, no "html" string), an empty page, or a page the extractor
fails on is reported on stderr as one line naming its line number and skipped; the other lines
are still read, and the caller exits 1 when any line was bad.
"""
from __future__ import annotations

import json
from typing import IO

from ingest.extract_jsonl import read_record
from ingest.table_claims import extract_table_values


def read_page_line(line: str) -> dict:
    """Parse one `sota extract-tables` input line; raise ValueError with a short reason."""
    return read_record(line, "html", "id")


def extract_tables_stream(lines: IO[str], out: IO[str], err: IO[str]) -> int:
    """Write the values of every page line; return how many lines were bad."""
    bad = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = read_page_line(line)
            values = extract_table_values(record["html"], record.get("id"))
        except ValueError as exc:
            bad += 1
            err.write(f"sota extract-tables: line {number}: {exc}\n")
            continue
        except Exception as exc:  # a page the extractor cannot cope with must not stop the stream
            bad += 1
            err.write(f"sota extract-tables: line {number}: extraction failed ({type(exc).__name__}: {exc})\n")
            continue
        for value in values:
            out.write(json.dumps(value, ensure_ascii=False) + "\n")
    return bad
