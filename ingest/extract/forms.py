"""What kind of figure a number is, read from the words right around it.

`tail_form(tail)` reads the text just before a number, `post_form(low, i, j)` the text just
after it (both lower case).  Each returns a `Form`: how the number relates to an accuracy

    point   the value itself ("achieves 85.1%", "to 75%")
    delta   a gain over something else ("by 1.2%", "+0.6%", "2.9% more accurate")
    drop    a loss against a reference ("a loss of 1.17%", "decreased by 0.3%")
    from    the start of a change ("from 60.3% to 73.2%"): the reference's value
    cmp     a value quoted for comparison ("vs 81.8%", "compared with 68.3% of CLIP")

and a bound ("lower": over / more than / >, "upper": within / less than / <, "upto": "up to",
which bounds only drops), or a reason the number is no result at all (`skip`): a share
("17% of computations"), a threshold ("at 80% accuracy"), a relative change ("26% relative
improvement"), a spread ("±0.2").

`quantity_after(...)` tells whether the quantity named right after a number is accuracy
("accuracy", "top-1", "error", "more accurate") or something else (FLOPs, latency,
parameters ...); `sentence` reads the one named before it from the cue index.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from .vocab import HY, RESOURCE_WORDS


# The previous best named right before its number: "the previous best, 86.4%", "prior art has
# 27.9%", "the former state of the art of 84.5%".
_PRIOR_WORDS = ("previous", "prior", "former", "earlier", "existing", "current")
PRIOR_TAIL_RE = re.compile(
    r"\b(?:" + "|".join(_PRIOR_WORDS) + r")(?:ly)?\s+(?:(?:published|reported|single[- ]model)\s+)?"
    r"(?:best|art|state[- ]of[- ]the[- ]art|sota|record|results?|methods?|works?|approach(?:es)?)"
    r"(?:\s+(?:result|results|model|method|approach))?\s*[,:(]?\s*(?:(?:is|was|of|at|has|had|with|reaches|reached"
    r"|achieves|achieved|obtains|obtained)\s+)?(?:only\s+|just\s+|about\s+|~\s*)?$")


class Form(NamedTuple):
    kind: str | None = None  # point | delta | drop | from | cmp (None: nothing said)
    bound: str | None = None  # lower | upper | upto
    skip: str | None = None  # share | threshold | relative | spread


@lru_cache(maxsize=None)
def _form(kind: str | None = None, bound: str | None = None, skip: str | None = None) -> Form:
    """The one Form of these values (a few dozen exist; building a named tuple is slow)."""
    return Form(kind, bound, skip)


NOTHING = _form()

_FILLERS = frozenset("a an about around roughly nearly almost approximately ~ absolute large significant"
                     " remarkable substantial considerable impressive notable only just merely slight"
                     " slightly clear clearly consistent consistently additional further even fixed given matched"
                     " equal same similar comparable the".split())
_GAIN_NOUNS = frozenset(w + s for w in ("improvement", "gain", "boost", "increase", "margin", "advantage",
                                         "lead", "jump", "uplift") for s in ("", "s"))
_DROP_NOUNS = frozenset(w + s for w in ("drop", "loss", "decrease", "degradation", "reduction", "decline",
                                         "gap", "deterioration", "penalty", "sacrifice") for s in ("", "s"))
_BOUNDED_GAINS = frozenset(w + s for w in ("improvement", "gain", "increase", "margin") for s in ("", "s"))
_DECREASE_VERBS = frozenset("decreased decreases decreasing reduced reduces reducing dropped drops dropping"
                            " degraded degrades degrading lowered lowers declined declines falls fell lost"
                            " loses losing hurts hurt sacrificing sacrifices costs costing".split())
_GAIN_VERBS = frozenset("gaining gains gained improving improves improved boosting boosts boosted"
                        " increasing increases increased outperforming outperforms outperformed".split())
_LOWER_WORDS = frozenset("over above exceeding exceeds exceed beyond surpass surpasses surpassing passing".split())
_UPPER_WORDS = frozenset("within under below".split())
_MORE = frozenset("more higher greater better larger".split())
_LESS = frozenset("less lower fewer smaller".split())
_CMP_BEFORE_TO = frozenset("compared relative close similar equal comparable contrast".split())
_METRIC_WORDS = frozenset("accuracy acc acc. error top-1 top1 top-5 top5 performance".split())
_TAIL_WORDS = (_FILLERS | _GAIN_NOUNS | _DROP_NOUNS | _DECREASE_VERBS | _GAIN_VERBS | _LOWER_WORDS
               | _UPPER_WORDS | {"than", "to", "by", "of", "least", "from", "vs", "vs.", "versus", "against",
                                 "with", "at", "saving", "saves", "save"})


_LOWER_SIGNS, _UPPER_SIGNS = ("\\geq", "\\ge", "&gt;", "\\gt"), ("\\leq", "\\le", "&lt;", "\\lt")
_SIGNS = "+\u00b1-\u2212>\u2265<\u2264"  # the last characters and words `tail_form` reads first
_SIGN_WORDS = ("\\pm",) + _LOWER_SIGNS + _UPPER_SIGNS + ("absolute", "relative")


def tail_form(tail: str) -> Form:
    """Form told by the text right before a number (lower case, a few words)."""
    t = tail.rstrip(" $\t\n")
    if not t:
        return NOTHING
    c = t[-1]
    if c in _SIGNS or t.endswith(_SIGN_WORDS):  # (rare: one test rules out every sign below)
        if c == "+":
            return _form("delta")
        if c == "\u00b1" or t.endswith("\\pm"):
            return _form(skip="spread")
        if c in "-\u2212" and (len(t) < 2 or not (t[-2].isalnum() or t[-2] in ")%")):
            return _form("drop")  # a signed change, "-0.4%"
        if c in ">\u2265" or t.endswith(_LOWER_SIGNS):
            return _form(bound="lower")
        if c in "<\u2264" or t.endswith(_UPPER_SIGNS):
            return _form(bound="upper")
        if t.endswith(("absolute", "relative")):
            return _form("delta") if t.endswith("absolute") else _form(skip="relative")
    for w in _PRIOR_WORDS:  # (a substring test first: the search tries every offset of t)
        if w in t:
            if PRIOR_TAIL_RE.search(t):
                return _form("cmp")  # "improving the previous best, 86.4%, by", "prior art has 27.9%"
            break
    t = t.replace("~", " ~ ").replace("(", " ").replace("$", " ")
    last = t.rsplit(None, 1)
    if not last or last[-1] not in _TAIL_WORDS:
        return NOTHING  # (the common case, told by the last word alone)
    words = t.split()[-10:]
    while words and words[-1] in _FILLERS:
        words.pop()
    if not words:
        return NOTHING
    last, prev = words[-1], (words[-2] if len(words) > 1 else "")
    if last == "by":
        before = set(words[-5:-1])
        return _form("drop") if before & _DECREASE_VERBS else _form("delta")
    if last == "of":
        if prev in _GAIN_NOUNS:
            return _form("delta")
        return _form("drop") if prev in _DROP_NOUNS else NOTHING
    if last in _GAIN_NOUNS or last in _GAIN_VERBS:
        return _form("delta")  # "an improvement (+0.7%)", "gaining 1.3% over"
    if last in _DROP_NOUNS or last in _DECREASE_VERBS:
        return _form("drop")  # "accuracy degradation (~1%)", "loses 0.4%"
    bound = None
    if last == "than":
        if prev not in _LESS and prev not in _MORE:
            return _form("cmp")
        bound, words = ("upper" if prev in _LESS else "lower"), words[:-2]
    elif last in _LOWER_WORDS or last in _UPPER_WORDS:
        bound, words = ("lower" if last in _LOWER_WORDS else "upper"), words[:-1]
    elif last == "least" and prev == "at":
        bound, words = "lower", words[:-2]
    if bound:  # what is bounded: "by more than 5%", "the drop of accuracy is within 0.5%"
        if words and words[-1] == "by":
            return _form("drop" if set(words[-5:-1]) & _DECREASE_VERBS else "delta", bound)
        near = set(words[-8:])
        if near & _DROP_NOUNS:
            return _form("drop", bound)  # "reduces the gap ... to within 3.0%"
        if words and words[-1] in ("to", "reach", "reaches", "reaching", "achieve", "achieves", "achieving"):
            return _form(bound=bound)  # "boosts ResNet-50 to over 80%": a level, not a change
        return _form("delta", bound) if near & _BOUNDED_GAINS else _form(bound=bound)
    if last == "to":
        if prev == "up":
            return _form(bound="upto")
        return _form("cmp") if prev in _CMP_BEFORE_TO else _form("point")
    if last == "from":
        return _form("from")
    if last in ("vs", "vs.", "versus", "against") or (last == "with" and prev in ("compared", "comparison")):
        return _form("cmp")
    if last == "at" and prev not in _METRIC_WORDS:
        return _form(skip="threshold")  # "at 80% ImageNet top-1 accuracy, X is 5 times faster"
    if last in ("saving", "saves", "save"):
        return _form(skip="share")
    return NOTHING


# After the number: "%+" (a lower bound), then optional metric words, then a word that makes
# the number a change.  Only which group matches counts.  The text before the words is read one
# way only (possessive), and the look-ahead lists their first letters: the pattern fails fast.
_POST_METRIC = (r"(?:(?:top" + HY + r"?[15]|imagenet(?:" + HY + r"1k)?|in" + HY + r"1k|zero" + HY
                + r"?shot|linear|fine" + HY + r"?tuning|finetuning|absolute|classification|recognition"
                r"|accuracy|acc\.?|error|errors|test|val(?:idation)?)\s{1,2}){0,4}")
POST_FORM_RE = re.compile(
    r"\s{0,3}+(?:\\?%|\uff05|percent(?:age)?|per\s+cent)?+(?P<plus>\+)?+\s{0,3}+(?:points?\s{1,2}|pp\s{1,2}"
    r"|p\.p\.\s{1,2})?+\)?+\s{0,2}+(?P<metric>" + _POST_METRIC + r")"
    r"(?=[abcdfghilmoprsuw])(?:(?P<gain>higher|better|more\s+accurate|gains?\b|improvements?\b|increase|boost"
    r"|over\b|above\b|ahead\b|points?\b|pp\b|p\.p\.)|(?P<drop>lower|worse|less\s+accurate|drops?\b|loss\b"
    r"|decrease|degradation|reduction|below\b|behind\b)|(?P<rel>relative\b)"
    r"|(?P<share>of\b(?!\s+(?:the\s+)?(?:top|accuracy))|fewer\b|less\b|more\b|smaller\b|larger\b"
    r"|faster\b|slower\b|sparsity|compression|masking|mask\b|overlap|labels?\b|labell?ed|annotat|data\b"
    r"|training\s+data|speed" + HY + r"?up|of\s+the\s+(?:image|parameters|weights|tokens|patches)))"
)
_PLUS_RE = re.compile(r"\s{0,2}(?:\\?%|\uff05)\s{0,2}\+")


def post_form(low: str, i: int, j: int) -> Form:
    """Form told by low[i:j], the text right after a number (from its end, before its unit)."""
    m = POST_FORM_RE.match(low, i, j)
    if m is None:
        return _form(bound="lower") if _PLUS_RE.match(low, i, j) else NOTHING
    if m.group("gain"):
        # "2.1% lower error" is a gain in accuracy; "a 1.2% error increase" a drop
        return _form("delta", "lower" if m.group("plus") else None)
    if m.group("drop"):
        erred = "err" in m.group("metric") or "err" in low[m.end():min(j, m.end() + 25)]
        word = m.group("drop")
        if erred and word.startswith(("lower", "decrease", "reduction")):
            return _form("delta")
        return _form("drop")
    if m.group("rel"):
        return _form(skip="relative")
    if m.group("plus"):
        return _form(bound="lower")
    return _form(skip="of" if low.startswith("of", m.start("share")) else "share")


def combine(before: Form, after: Form) -> Form:
    """One form from what the text before and after a number say ("more than 3.0% improvement":
    a lower bound of a gain; "within 0.5%" after "the drop of accuracy is": an upper bound)."""
    if after is NOTHING:  # the common cases, decided below just the same (forms are one object each)
        return before
    if before is NOTHING:
        return _form(skip="share") if after.skip == "of" else after
    if after.skip == "of" and (before.kind or before.bound):  # "compared with 68.3% of the original
        after = NOTHING  # CLIP", "within 1.2% of its full-precision counterpart": no share
    if before.skip or after.skip:
        return before if before.skip else _form(skip="share" if after.skip == "of" else after.skip)
    kind = before.kind if before.kind not in (None, "point") else after.kind or before.kind
    if before.kind in ("delta", "drop") and after.kind in ("delta", "drop"):
        kind = after.kind  # "outperforms X by 2% lower error" (rare): the word next to it
    return _form(kind, before.bound or after.bound)


# --- quantities: accuracy, or something else ----------------------------------------------------
_RESOURCE = "|".join(sorted(RESOURCE_WORDS.split(), key=len, reverse=True))
_ACC = r"accura\w*|acc\.|acc\b|top" + HY + r"?\s?[15]\b|errors?\b|error\s+rates?|performance|recognition\s+rate"
_QTY_FILLER = ("fewer less more higher lower smaller larger reduction reduced increase increased gain gains"
               " improvement improvements saving savings savings in of the absolute overall total inference training"
               " actual theoretical computational end-to-end wall-clock peak")
# The quantity named right after a number ("52% fewer parameters", "0.2% top-1 accuracy
# improvement", "37% compute time"), skipping a few modifiers; a preposition ends the reading.
POST_QTY_RE = re.compile(
    r"\s{0,3}+(?:\\?%|\uff05|percent(?:age)?)?+\+?+\)?+[\s\-]{0,2}+(?:(?:" + "|".join(_QTY_FILLER.split())
    + r")\s{1,2}){0,3}(?:(?P<res>" + _RESOURCE + r")(?![a-z])|(?P<acc>" + _ACC + r"))"
)


def quantity_after(low: str, uend: int, post_b: int) -> str | None:
    """'acc' or 'other': the quantity named right after a number ending at uend ("52% fewer
    parameters", "0.2% top-1 accuracy improvement"), or None."""
    m = POST_QTY_RE.match(low, uend, min(post_b, uend + 80))
    return None if m is None else "other" if m.group("res") else "acc"
