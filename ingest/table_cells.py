"""Reading one table cell's text: a result value, a model name, a parameter count, FLOPs, a
resolution. Pure functions on the text `ingest.table_grid.read_cell` produced.

Values are written with marks around them: `83.1†`, `85.2*`, `82.3%`, `84.0 (+1.3)`, `76.2±0.1`,
`↑0.2%` (a change, not a value), placeholders `-`, `–`, `/`, `N/A`. `parse_value` keeps the
number as written (`raw`) and says whether the cell is a result, a change or nothing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

DASHES = "\\-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"  # for character classes
MARK_CHARS = "†‡§¶*⋆★☆♠♣♦♥♢♡#&^'′″✝✓✗✘°"
PLACEHOLDERS = frozenset({"", "/", "n/a", "na", "-", "--", "–", "—", "?", "×", "✗", "✘", "n.a.", "−"})

_NUM = r"(\d{1,3}(?:[.·]\d+)?|\.\d+)"
_MARKS = f"[{re.escape(MARK_CHARS)}\\s]*"
_DELTA = (r"(?:[\(\[]\s*[+" + DASHES + r"↑↓▲▼]?\s*\d+(?:\.\d+)?\s*%?\s*[\)\]]"   # (+1.3) [-0.2]
          r"|[+" + DASHES + r"↑↓▲▼]\s*\d+(?:\.\d+)?\s*%?"                        # +1.3  ↑0.2
          r"|±\s*\d+(?:\.\d+)?)")                                                 # ±0.1
VALUE_RE = re.compile(r"^" + _MARKS + r"[~≈]?" + _NUM + r"\s*(?:\\?%|％)?" + _MARKS
                      + r"(?:" + _DELTA + _MARKS + r")*$")
CHANGE_RE = re.compile(r"^" + _MARKS + r"[+" + DASHES + r"↑↓▲▼]\s*\d+(?:\.\d+)?\s*%?" + _MARKS + "$")
PAIR_RE = re.compile(r"^" + _MARKS + _NUM + r"\s*%?" + _MARKS + r"\s*/\s*" + _MARKS + _NUM + r"\s*%?" + _MARKS + "$")


@dataclass(frozen=True)
class Value:
    kind: str            # "value" | "change" | "empty" | "text"
    number: float | None = None
    raw: str | None = None


def parse_value(core: str) -> Value:
    """What a cell's core text holds (see the module docstring)."""
    text = core.strip()
    if text.lower() in PLACEHOLDERS:
        return Value("empty")
    m = VALUE_RE.match(text)
    if m:
        raw = m.group(1).replace("·", ".")
        return Value("value", float(raw), raw)
    if CHANGE_RE.match(text):
        return Value("change")
    return Value("text")


def parse_pair(core: str) -> tuple[Value, Value] | None:
    """`79.1 / 94.4` (top-1 / top-5 in one cell) as two values, else None."""
    m = PAIR_RE.match(core.strip())
    if not m:
        return None
    a, b = m.group(1).replace("·", "."), m.group(2).replace("·", ".")
    return Value("value", float(a), a), Value("value", float(b), b)


# --- model names ---------------------------------------------------------------------------
OURS_RE = re.compile(r"\bours\b|\(\s*proposed\s*\)|\bour\s+(?:models?|methods?|approach|network|results?)\b", re.I)
_OURS_PAREN_RE = re.compile(r"[(\[]\s*(?:ours|proposed)\s*[)\]]|[,;]\s*ours\b", re.I)
_AUTHOR_YEAR_RE = re.compile(  # citation text left outside <cite>: "Touvron et al. (2021a)"
    r"\(?\s*[A-Z][\w'\-]+(?:\s+(?:and|&)\s+[A-Z][\w'\-]+)?\s+et\s*al\.?(?:,?\s*\(?\s*\d{4}[a-z]?\s*\)?)?\s*\)?")
_EMPTY_BRACKETS_RE = re.compile(r"\(\s*[,;]?\s*\)|\[\s*[,;]?\s*\]")
_NUM_CITE_RE = re.compile(r"\[\s*\d+(?:\s*[,\u2013\-]\s*\d+)*\s*\]")
_TRAIL_MARKS_RE = re.compile(f"[{re.escape(MARK_CHARS)}\\s,;:]+$")


def clean_model(core: str) -> str:
    """A model cell's name: citations, "(ours)" and trailing marks removed."""
    text = _NUM_CITE_RE.sub(" ", core)
    text = _AUTHOR_YEAR_RE.sub(" ", text)
    text = _OURS_PAREN_RE.sub(" ", text)
    text = _EMPTY_BRACKETS_RE.sub(" ", text)
    text = " ".join(text.split())
    return _TRAIL_MARKS_RE.sub("", text).strip(" :-")


def has_text_citation(core: str) -> bool:
    """A citation written as plain text ("[12]", "Liu et al.") rather than as <cite>."""
    return bool(_NUM_CITE_RE.search(core) or re.search(r"\bet\s*al\b", core))


# --- sizes ---------------------------------------------------------------------------------
_SCALED_RE = re.compile(r"(\d+(?:[.,]\d+)?)\s*([KMGBT])?(?![a-z])", re.I)
_SCALE = {"k": 1e3, "m": 1e6, "g": 1e9, "b": 1e9, "t": 1e12}
_UNIT_IN_HEADER_RE = re.compile(r"\(\s*([KMGBT])\s*\)|\b([KMGBT])(?:flops|macs)?\b|\bin\s+([KMBG])\b", re.I)
_HEADER_G_RE = re.compile(r"\bg(?:flops|macs|mac)\b", re.I)
_HEADER_WORD_UNITS = (("billion", "b"), ("million", "m"), ("thousand", "k"))


def header_unit(header: str, default: str) -> str:
    """The scale letter a column header gives its numbers ("Params (M)" → "m", "GFLOPs" → "g")."""
    low = header.lower()
    if _HEADER_G_RE.search(low):
        return "g"
    for word, unit in _HEADER_WORD_UNITS:
        if word in low:
            return unit
    m = _UNIT_IN_HEADER_RE.search(header)
    if m:
        return (m.group(1) or m.group(2) or m.group(3)).lower()
    return default


def _scaled(core: str, unit: str) -> float | None:
    text = core.replace(",", "").strip()
    m = _SCALED_RE.search(text)
    if not m or text.lower() in PLACEHOLDERS:
        return None
    number = float(m.group(1))
    return number * _SCALE[(m.group(2) or unit).lower()]


def parse_params(core: str, header: str) -> int | None:
    """An absolute parameter count ("86M", "0.6B", "86" under "Params (M)"), or None."""
    value = _scaled(core, header_unit(header, "m"))
    return int(round(value)) if value else None


def parse_flops(core: str, header: str) -> float | None:
    """FLOPs in G (GFLOPs/GMACs as written), or None."""
    value = _scaled(core, header_unit(header, "g"))
    return round(value / 1e9, 6) if value else None


_RES_CELL_RE = re.compile(r"^\s*(\d{2,4})\s*(?:px)?\s*(?:[²2]|\^\s*2|[×x*]\s*\d{2,4})?\s*(?:px)?\s*$")
_RES_IN_TEXT_RE = re.compile(
    r"(?:@|↑|_|\bres(?:olution)?\.?\s*[:=]?\s*)(\d{3,4})(?![\d.])"
    r"|(?<![\d./])(\d{3,4})\s*(?:px\b|²|\^2|[×x]\s*\d{3,4}\b)"
    r"|(?<![\d./])(\d{3,4})\s+res(?:olution)?\b", re.I)


def parse_resolution_cell(core: str) -> int | None:
    """A resolution column's cell ("224", "384²", "224×224", "512px") as an int."""
    m = _RES_CELL_RE.match(core.replace(" ", " "))
    if not m:
        return None
    value = int(m.group(1))
    return value if 16 <= value <= 4096 else None


def resolution_in_text(text: str) -> int | None:
    """A resolution written inside a name or header ("ViT-L@384", "384×384", "↑384", "res 448",
    a subscript "ViT-H/16_448")."""
    m = _RES_IN_TEXT_RE.search(text)
    if not m:
        return None
    value = int(next(g for g in m.groups() if g))
    return value if 32 <= value <= 4096 else None
