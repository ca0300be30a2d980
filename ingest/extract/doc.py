"""The two records every step of the extractor shares: a candidate number (`Num`) and the
abstract it sits in (`Doc`: its text, its cue index, and facts computed on first use).

Kept in their own module so that the steps import them and not each other.
"""

from __future__ import annotations

from bisect import bisect_left

from . import cues as C
from .models import defined_name, scan_tokens, title_name
from .rulewords import RuleWords

MAX_CUES = 20000  # cues read per sentence, at most (hostile input)
FAR_CAP = 400  # far window: back towards the sentence start, at most this far


class Num:
    """One candidate number and everything decided about it (offsets into the abstract).

    A plain slotted class: tens of these are made per abstract, and compared by identity.
    """

    __slots__ = ("start", "end", "uend", "raw", "value", "s0", "s1", "between_a", "pre_a", "post_b", "far_a",
                 "skip", "form", "bound", "k", "kind", "kind_before", "kind_fallback", "qual", "dataset", "ds_how",
                 "setting", "set_before", "model", "extra", "chain", "pure", "role", "base", "left", "right",
                 "inherit", "tail", "post", "carried")

    def __init__(self, start: int, end: int, uend: int, raw: str, value: float):
        self.start, self.end, self.raw, self.value = start, end, raw, value
        self.uend = uend  # end of the unit ("%", "pp") if any
        self.s0 = self.s1 = 0  # sentence [s0, s1)
        self.between_a = 0  # text since the previous number (or sentence start): [between_a, start)
        self.pre_a = 0  # near window before: [pre_a, start), cut at the last clause separator
        self.post_b = 0  # near window after: [uend, post_b), cut at the first clause separator
        self.far_a = 0  # far window before: [far_a, start)
        self.skip: str | None = None  # why this number is no claim
        self.form: str | None = None  # point | delta | drop | from | cmp (see forms.py)
        self.bound: str | None = None  # lower | upper | upto
        self.k: int | None = None
        self.kind: str | None = None  # acc | err | mce | non (another metric)
        self.kind_before = False  # the metric was named before the number ("mCE of 45.2")
        self.kind_fallback = False
        self.qual: str | None = None  # robust | certified | occluded: not clean accuracy
        self.dataset: str | None = None
        self.ds_how = "local"
        self.setting: str | None = None
        self.set_before = False  # the setting was named before the number, for the whole sentence
        self.model: str | None = None
        self.extra: object = None
        self.chain: list | None = None  # numbers forming one list ("82.8%, 84.2%, and 84.6%")
        self.pure = True  # the list is plain ("A, B and C"), not parallel ("X on A and Y on B")
        self.role = "proposed"
        self.base: str | None = None  # the other model a baseline number belongs to
        self.left: Num | None = None  # the other end of a range ("3%-15%", "from 60.3% to 73.2%")
        self.right: Num | None = None
        self.inherit: Num | None = None  # an earlier claim this one continues (next sentence)
        self.tail = self.post = None  # the forms read before and after the number (forms.Form)
        self.carried = False  # the setting came from the sentence before


_EMPTY: tuple[list, list] = ([], [])


class Doc:
    """One abstract: its text, its lower-cased copy (same offsets), the cues of the
    sentences indexed so far, and abstract-wide facts computed on first use.

    Cues are tuples (start, end, family, value) from `cues.scan_cues` (the rules' setting
    phrases included), kept in text order twice: all together and by family, each as
    (starts, cues) so that the cues starting in [a, b) are one bisection away.
    """

    __slots__ = ("text", "low", "title", "words", "starts", "_cues", "_all", "_tokens", "_own", "_framing",
                 "_extra", "_settings", "_only", "param_lists", "last_model", "last_claim",
                 "claims_end")

    def __init__(self, text: str, low: str, title: str, words: RuleWords, starts: list[int]):
        self.text, self.low, self.title, self.words = text, low, title, words
        self.starts = starts  # sentence starts, sorted
        self._cues: dict[str, tuple[list, list]] = {}  # family -> (starts, cues)
        self._all: tuple[list, list] = ([], [])  # all families
        self._tokens: dict[int, tuple[list, list]] = {}
        self._own = self._framing = self._only = None
        self._extra: dict[str, object] = {}
        self._settings: dict[int, list] = {}  # sentence start -> its setting cues
        self.param_lists: dict[int, list] = {}  # id(list of numbers) -> the counts zipped with it
        self.last_model = ""  # model of the latest claim, for "the model ..." in later sentences
        self.last_claim: Num | None = None  # the latest core claim, for a sentence continuing it
        self.claims_end = -1  # end of the latest sentence with a claim

    def index(self, a: int, b: int) -> None:
        """Add the cues of [a, b); called once per sentence, in text order."""
        found = self.scan(a, b, MAX_CUES)
        starts, cues = self._all
        cues += found
        families, sets = self._cues, []
        for c in found:  # one walk: all starts, each family, the setting phrases
            start, f = c[0], c[2]
            starts.append(start)
            if f == "set":
                sets.append(c)
            family = families.get(f)
            if family is None:
                family = families[f] = ([], [])
            family[0].append(start)
            family[1].append(c)
        self._settings[a] = sets

    def scan(self, a: int, b: int, limit: int) -> list[tuple]:
        """The cues of [a, b), not indexed (`cues.scan_cues`)."""
        return C.scan_cues(self.low, self.text, a, b, self.words, limit=limit)

    def setting_cues(self, a: int, b: int) -> list[tuple]:
        """Setting phrases of the sentence [a, b) (read once per sentence)."""
        found = self._settings.get(a)
        if found is None:
            found = self._settings[a] = self.words.setting_cues(self.text, self.low, a, b)
        return found

    def sentence_before(self, s0: int) -> tuple[int, int] | None:
        """[start, end) of the sentence before the one starting at s0, if any."""
        i = bisect_left(self.starts, s0)
        return (self.starts[i - 1], s0) if i > 0 else None

    @property
    def all_cues(self) -> tuple[list, list]:
        """(starts, cues) of all families."""
        return self._all

    def family(self, family: str) -> tuple[list, list]:
        """(starts, cues) of one family (lists that grow as sentences are indexed)."""
        found = self._cues.get(family)
        if found is None:
            found = self._cues[family] = ([], [])
        return found

    def window(self, a: int, b: int) -> list[tuple]:
        """All cues starting in [a, b)."""
        starts, cues = self._all
        return cues[bisect_left(starts, a):bisect_left(starts, b)]

    def cues_in(self, a: int, b: int, family: str) -> list[tuple]:
        """The cues of one family starting in [a, b)."""
        starts, cues = self._cues.get(family, _EMPTY)
        return cues[bisect_left(starts, a):bisect_left(starts, b)]

    def datasets(self, a: int, b: int) -> list[str]:
        """The datasets named in [a, b), in order."""
        return [c[3] for c in self.cues_in(a, b, "ds")]

    def tokens(self, n: Num, a: int, b: int, baseline: bool = False) -> list[tuple]:
        """Model tokens (start, end, is_baseline, name) of n's sentence inside [a, b): the
        paper's side only, or with `baseline` every one.  The sentence is scanned once, from
        FAR_CAP characters before the first number that asks."""
        cached = self._tokens.get(n.s0)
        if cached is None:
            toks = scan_tokens(self.text, self.low, max(n.s0, n.start - FAR_CAP), n.s1, self.words.corpus_words)
            cached = self._tokens[n.s0] = (toks, [t[0] for t in toks])
        toks, starts = cached
        return [t for t in toks[bisect_left(starts, a):bisect_left(starts, b)]
                if t[1] <= b and (baseline or not t[2])]

    @property
    def own_name(self) -> str:
        """The paper's own model, from the title or the abstract's definition ("" if none)."""
        if self._own is None:
            self._own = title_name(self.title) or defined_name(self.text, self.low) or ""
        return self._own

    def corpus_in(self, a: int, b: int) -> str | None:
        """The first corpus of the rules named in [a, b) (corpus heads looked for in [a, b) only)."""
        found = self.words.head_hits(self.low, a, b)
        return self.words.corpus_in(self.text, self.low, a, b, found) if found else None

    @property
    def only_imagenet(self) -> bool:
        """Is ImageNet-1K the one benchmark the abstract names (a number without a dataset in
        reach is then an ImageNet-1K number)?  Read on first use, from the whole abstract."""
        if self._only is None:
            sets = {c[3] for c in C.scan_cues(self.low, self.text, 0, len(self.low), limit=2000) if c[2] == "ds"}
            self._only = sets == {"imagenet-1k"}
        return self._only

    @property
    def framing(self) -> bool:
        """The abstract frames its results as pre-training then fine-tuning or transfer."""
        if self._framing is None:
            self._framing = C.frames_transfer(self.low)
        return self._framing

    def extra_for(self, model: str, reader):
        """Extra pre-training data stated right after a mention of `model` ("a ViT-G
        pre-trained on JFT"), as `reader(doc, end_of_mention)` reads it: the first of its first
        ten mentions that states any."""
        if model not in self._extra:
            found, i, seen = None, self.text.find(model), 0
            while i >= 0 and seen < 10 and found is None:
                found = reader(self, i + len(model))
                i, seen = self.text.find(model, i + 1), seen + 1
            self._extra[model] = found
        return self._extra[model]
