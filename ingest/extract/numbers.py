"""Candidate numbers and sentence starts of an abstract.

`find_numbers(low)` returns the numbers that may be results, in text order, one per start
offset, each in (0, 100]: "86.3%", "90.1 percent", "1.6 pp", "1.5 points", "87.3 top-1",
"accuracy of 84.4", "error from 45.7 to 28.3", both ends of a range ("3%-15%", "4 to 6
percentage points", linked as `left` / `right`) and of a slash pair ("79.1/94.4%").  Nothing
else is ever a value.  `sentence_starts(text)` returns where sentences start.
"""

from __future__ import annotations

import re

from .doc import Num
from .vocab import (AFTER_PERCENT_COMMA_RE, DIGITS, DIGITS_DOT, GLUED_THROUGH_RE, METRIC_ANCHORS,
                    METRIC_NUMBER_RE, NOT_BEFORE_NUMBER, NUMBER_BEFORE_RE, PARAGRAPH_RE, PERCENT_ANCHORS,
                    PERCENT_WORD_RE, POINT_ANCHORS, RANGE_LEFT_RE, SENT_START_DOT_RE, SENT_START_MARK_RE,
                    SLASH_LEFT_RE, TO_NUMBER_RE)

_DIGIT_RE = re.compile(r"[0-9]")
_PERCENT_TAIL_RE = re.compile(r"(?:age)?(?:\s{1,2}points?\b)?")
MAX_NUMBERS = 2000  # hits read per anchor; real abstracts state < 50 numbers (hostile input)


def find_numbers(low: str) -> list[Num]:
    """Candidate values of the lower-cased abstract, in text order (see the module doc)."""
    found: dict[int, Num] = {}
    spelled = PERCENT_WORD_RE.search(low) is not None  # one scan rules out both spellings
    for anchor, kind, word in _ANCHORS if spelled else _UNSPELLED_ANCHORS:
        i, hits = low.find(anchor), 0
        while i >= 0 and hits < MAX_NUMBERS:
            if not (word and i and low[i - 1].isalpha()):  # "approach", "bacc": inside a word
                _read_anchor(found, low, i, anchor, kind)
            i, hits = low.find(anchor, i + 1), hits + 1
    for n in list(found.values()):
        s = n.start
        before = low[max(0, s - 12):s]
        if not before:
            continue
        if before.rstrip().endswith("/"):  # "79.1/94.4% top-1/top-5"
            m = SLASH_LEFT_RE.search(low, max(0, s - 12), s)
            if m and _free(low, m.start()):
                _add(found, low, m.start(1), m.end(1), m.end(1))
        if "from" in low[max(0, s - 8):s]:  # "error from 45.7 to 28.3": the bare second one
            m = TO_NUMBER_RE.match(low, n.uend)
            if m:
                right = _add(found, low, m.start(1), m.end(1), m.end())
                if right is not None and right.left is None:
                    n.right, right.left = right, n
        tail = before.rstrip(" $")
        if n.left is None and tail and (tail[-1] in _RANGE_ENDS or tail.endswith(("sim", " to"))):
            m = RANGE_LEFT_RE.search(low, max(0, s - 24), s)  # "3%-15%", "4 to 6 pp", "from 60.3% to 73.2%"
            if m and _free(low, m.start()):
                left = found.get(m.start(1)) or _add(found, low, m.start(1), m.end(1), m.end(1))
                if left is not None and left is not n:
                    left.right, n.left = n, left
    return [found[s] for s in sorted(found)]


_DASHES = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2212")
_RANGE_ENDS = frozenset("-~\u2010\u2011\u2012\u2013\u2014\u2212")
# (anchor, kind, is it a word, so that it counts only at a word start?)
_ANCHORS = (tuple((a, "percent", False) for a in PERCENT_ANCHORS) + tuple((a, "point", True) for a in POINT_ANCHORS)
            + tuple((a, "metric", True) for a in METRIC_ANCHORS))
_UNSPELLED_ANCHORS = tuple(a for a in _ANCHORS if not PERCENT_WORD_RE.match(a[0]))  # no "percent", "per cent"


def _read_anchor(found: dict, low: str, i: int, anchor: str, kind: str) -> None:
    """Read the number an anchor at i belongs to (if any) into `found`."""
    glued = kind == "metric"
    if glued and _DIGIT_RE.search(low, max(0, i - 40), i + 30) is None:
        return  # no digit near a metric word: no number glued to it
    if kind == "point":  # whole words: "pp", "p.p.", "point(s)"; not "pointwise"
        after = low[i + len(anchor):i + len(anchor) + 1]
        if after.isalpha() and not (anchor == "point" and after == "s"):
            return
    j = i - 1  # the number must end right before the anchor ("86.3 %", "86.3\\%", "$86.3$ top")
    while j > 0 and i - j < 8 and (low[j] in "$~\\(," or low[j].isspace()):
        j -= 1
    if j >= 0 and low[j].isdigit():
        if not _glued_to_word(low, j):  # else it is part of "resnet-50", "top-1": no value
            end = i if glued else i + len(anchor)
            if anchor == "percent":  # "percentage points"
                end = _PERCENT_TAIL_RE.match(low, end).end()
            elif anchor == "point" and low.startswith("s", end):
                end += 1
            m = NUMBER_BEFORE_RE.search(low, max(0, i - 16), i)
            if m:
                s, e = m.span(1)
                if _free(low, s):
                    _add(found, low, s, e, m.end(1) if glued else end)
            else:  # "85.7%,88.0%": after a percent and a comma, no space needed
                s = j
                while s > 0 and low[s - 1] in DIGITS_DOT:
                    s -= 1
                if AFTER_PERCENT_COMMA_RE.search(low, max(0, s - 4), s):
                    _add(found, low, s, j + 1, j + 1 if glued else end)
    elif glued and (low[j].isalpha() or low[j] == "-"):  # "90.0 fine-tuning top-1"
        m = GLUED_THROUGH_RE.search(low, max(0, i - 40), i)
        if m and _free(low, m.start()):
            _add(found, low, m.start(1), m.end(1), m.end(1))
    if glued:
        m = METRIC_NUMBER_RE.match(low, i)
        if m:
            _add(found, low, m.start(1), m.end(1), m.end(1))


def _free(low: str, s: int) -> bool:
    """Is the number starting at s not glued to a word before it ("resnet-50", "v2.1")?  A
    dash after a digit, a percent sign or a space starts a range's second end ("0.5-1.5%",
    "3%\u201315%")."""
    return not s or low[s - 1] not in NOT_BEFORE_NUMBER or (s > 1 and low[s - 1] in _DASHES and (
        low[s - 2] in "%0123456789" or low[s - 2].isspace()))


def _glued_to_word(low: str, j: int) -> bool:
    """Does the run of ASCII digits and dots ending at j follow a letter, "_" or a hyphen
    ("top-1", "resnet-50")?  Such a run is never a value."""
    if low[j] not in DIGITS:
        return False
    while j > 0 and low[j - 1] in DIGITS_DOT:
        j -= 1
    return not _free(low, j)


def _add(found: dict, low: str, s: int, e: int, ue: int) -> Num | None:
    """Record low[s:e] (its unit ending at ue), unless a number already starts at s (the
    first anchor to find it wins) or it is no percentage-sized value."""
    n = found.get(s)
    if n is None:
        try:
            value = float(low[s:e])
        except ValueError:
            return None
        if 0 < value <= 100:
            n = found[s] = Num(s, e, ue, low[s:e], value)
    return n


def sentence_starts(text: str) -> list[int]:
    """Sentence starts, sorted (0 is always one)."""
    starts = [0]
    starts += [m.end() for m in SENT_START_DOT_RE.finditer(text)]
    if "!" in text or "?" in text:  # (the rare stops and blank lines: a memchr rules them out)
        starts += [m.end() for m in SENT_START_MARK_RE.finditer(text)]
    if "\n" in text:
        starts += [m.end() for m in PARAGRAPH_RE.finditer(text)]
    return sorted(set(starts))
