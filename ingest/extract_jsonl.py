"""The `sota extract` contract: JSON lines of abstracts in, JSON lines of claims out.

Input lines: `{"id": ..., "title": ..., "abstract": ...}`. Output: one line per
claim with the keys in `CLAIM_KEYS` (`value` a number, `role` proposed / baseline /
variant, `evidence == abstract[start:end]`) and `confidence`. A malformed line is
reported on stderr by its line number and skipped; the caller exits 1 when any line
was malformed.
"""
from __future__ import annotations

import json
from typing import IO

from ingest.extract import extract_claims

CLAIM_KEYS = ("id", "model", "dataset", "metric", "value", "setting", "extra_data",
              "params", "role", "evidence", "start", "end")


def read_record(line: str, required: str, optional: str) -> dict:
    """Parse one input line: a JSON object with a `required` string field and, if present, an
    `optional` string field; raise ValueError with a short reason."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(record, dict):
        raise ValueError("not a JSON object")
    if not isinstance(record.get(required), str):
        raise ValueError(f'no "{required}" string')
    if record.get(optional) is not None and not isinstance(record[optional], str):
        raise ValueError(f'"{optional}" is not a string')
    return record


def read_abstract(line: str) -> dict:
    """Parse one `sota extract` input line; raise ValueError with a short reason."""
    return read_record(line, "abstract", "title")


def extract_stream(lines: IO[str], out: IO[str], err: IO[str]) -> int:
    """Extract claims for every line; return how many lines were malformed."""
    bad = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = read_abstract(line)
        except ValueError as exc:
            bad += 1
            err.write(f"sota extract: line {number}: {exc}\n")
            continue
        for claim in extract_claims(record["abstract"], record.get("title") or ""):
            row = {"id": record.get("id"), **{k: claim.get(k) for k in CLAIM_KEYS if k != "id"}}
            row["confidence"] = claim.get("confidence")
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return bad
