"""Value scales: a source that writes accuracies sometimes as fractions, sometimes as percents.

Pure functions; `ValueError` with a short reason on input they cannot read
(callers turn it into a `rejects` row), like ingest/normalize.py.
"""
from __future__ import annotations

from ingest.normalize import parse_number


def percent_from_fraction_or_percent(raw: str | float | int | None) -> float:
    """A percent from a value written either way (Hugging Face model-index).

    A string with `%` is a percent ("82.21%" → 82.21); any other number is a
    fraction when it is at most 1.0 (0.59176 → 59.176), else a percent (82.21).
    Numeric strings without `%` follow the number rule.
    """
    value = parse_number(raw)
    if isinstance(raw, str) and raw.strip().endswith("%"):
        return value
    if 0.0 <= value <= 1.0:
        return round(value * 100, 6)
    return value
