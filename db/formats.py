"""How numbers are written for people, the same in the web pages and the command line.

The stored values stay as they are (JSON, CSV and the database keep raw numbers); only
what a person reads goes through here.
"""
from __future__ import annotations


def params(count) -> str:
    """A parameter count in millions with thousands separators: 2440000000 → "2,440M";
    small models keep one decimal (5300000 → "5.3M"), tiny counts are written out
    (12000 → "12,000"); unknown → ""."""
    if count in (None, ""):
        return ""
    try:
        millions = float(count) / 1e6
    except (TypeError, ValueError):
        return str(count)
    if millions < 0.1:
        return f"{float(count):,.0f}"
    return f"{millions:,.1f}M" if millions < 10 else f"{millions:,.0f}M"


def value(number) -> str:
    """A reported or measured value with the digits it was stored with: 91.0 → "91.0",
    90.056 → "90.056" (never padded to a fixed precision it did not have); unknown → ""."""
    if number in (None, ""):
        return ""
    if isinstance(number, float):
        return repr(number)
    return str(number)


def when(iso) -> str:
    """An ISO timestamp to the second, for reading: "2025-01-02T03:04:05.678+00:00" →
    "2025-01-02 03:04:05" (stored timestamps are UTC); anything else unchanged."""
    if not isinstance(iso, str) or len(iso) < 19 or iso[10:11] != "T":
        return "" if iso is None else str(iso)
    return iso[:10] + " " + iso[11:19]
