"""Numbers, parameter counts and dates as sources write them: pure parsing functions.

Rules people edit (corpora, setting words, metric units) live in the `rules` package.

Every function is pure and raises `ValueError` with a short reason on input it
cannot read; callers turn that into a `rejects` row.
"""
from __future__ import annotations

import math
import re
from datetime import date

_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")

def parse_number(raw: str | float | int | None) -> float:
    """A finite float from a number or a display string such as "91.0%", "1,014.45"."""
    if raw is None:
        raise ValueError("no value")
    if isinstance(raw, bool):
        raise ValueError(f"not a number: {raw!r}")
    if isinstance(raw, (int, float)):
        value = float(raw)
    else:
        text = str(raw).strip().replace(",", "").rstrip("%").strip()
        if not _NUMBER.fullmatch(text):
            raise ValueError(f"not a number: {str(raw)[:40]!r}")
        value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {raw!r}")
    return value


def params_from_millions(raw: str | float | None) -> int | None:
    """timm writes parameter counts in millions ("660.29", "1,014.45") → absolute int."""
    if raw is None or str(raw).strip() == "":
        return None
    millions = parse_number(raw)
    if millions <= 0:
        return None
    return int(round(millions * 1_000_000))


def params_absolute(raw: str | float | None) -> int | None:
    """An absolute count (PWC's raw_metrics: 2100000000.0); 0 means unknown there."""
    if raw is None or str(raw).strip() == "":
        return None
    value = parse_number(raw)
    return int(round(value)) if value > 0 else None


_SCALES = {"k": 1e3, "m": 1e6, "b": 1e9, "g": 1e9, "t": 1e12}
_WITH_UNIT = re.compile(r"^\s*([-+]?[\d,]*\.?\d+)\s*([kmbgt])\s*$", re.I)


def params_count(raw: str | float | None, millions_below: float) -> int | None:
    """A parameter count in one unit (absolute) however a source wrote it: with a unit
    ("7.8M", "2440M", "1.2B", "350K"), or as a bare number, which is absolute unless it is
    below `millions_below` (a rule: PWC's "Number of params" is sometimes 7.8 for 7.8M, and
    no ImageNet model is that small). 0 means unknown (PWC)."""
    if raw is None or str(raw).strip() == "":
        return None
    unit = _WITH_UNIT.match(str(raw)) if isinstance(raw, str) else None
    if unit:
        value = parse_number(unit.group(1)) * _SCALES[unit.group(2).lower()]
    else:
        value = parse_number(raw)
        if 0 < value < millions_below:
            value *= 1e6
    return int(round(value)) if value > 0 else None


def date_only(raw: str | None) -> str | None:
    """"2022-05-04T00:00:00.000000" → "2022-05-04"; None or "" stays None; anything else that
    does not start with a real calendar day ("2022-02T00:00", "2022-13-45", 20220504) is a
    ValueError: a date we cannot read is a reject, never a guess."""
    if raw is None or raw == "":
        return None
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})(?![\d])", raw) if isinstance(raw, str) else None
    if match is None:
        raise ValueError(f"not a date: {str(raw)[:40]!r}")
    try:
        date(*map(int, match.groups()))
    except ValueError:
        raise ValueError(f"not a calendar date: {match.group(0)!r}") from None
    return match.group(0)
