"""Extract ImageNet-family accuracy claims from arXiv abstracts.

Contract
--------
``extract_claims(abstract, title="") -> list[dict]`` returns one dict per
ImageNet-family result the abstract states, in text order, with keys

    model, dataset, metric, value, raw_value, setting, extra_data, params,
    evidence, start, end, confidence

where ``abstract[start:end] == evidence`` and ``raw_value`` occurs in
``evidence``.  It is deterministic, uses no network and no model, runs in
time linear in the input, and never raises on a ``str`` (anything else gives
``[]``).  Precision is preferred over recall: numbers that are deltas, shares,
bounds, baselines, human performance, other datasets or other metrics are
skipped rather than guessed.

How it works (each decision is a rule that can be read back from the evidence):

1. *Numbers*: percentages, and bare numbers glued to a metric word
   ("87.3 top-1 accuracy", "mCE of 45.2").  Nothing else is ever a value.
2. *Cues*: one keyword scan of each sentence holding such a number indexes
   every metric word, dataset, setting, comparison, extra-data mention and
   clause separator by offset.
3. *Windows*: each number gets a near window on each side, cut at the nearest
   clause separator ("," ";" "and" "while" ...) and at neighbouring numbers,
   plus a far window back to the sentence start.
4. *Local cues* in the near windows: top-k, accuracy/error/mCE, dataset,
   setting, and reasons to skip: deltas ("+1.2", "by 2.3%", "1.5% higher"),
   bounds ("than 80%"), baselines ("vs 81.8%", "outperforming X (80.1%)",
   "human-level (5.1%)"), other metrics ("47.3% AP").
5. *Sharing*: lists ("82.8%, 84.2%, and 84.6% top-1") take what they lack from
   the next number; a sentence's later numbers take a missing metric, dataset
   or model from its earlier claim; a number with an explicit metric but no
   dataset in its sentence uses the abstract's last dataset before it (then
   the title's).
6. *Attribution*: model = a name near the number, else the paper's own model
   (title "CoCa: ..." or "we introduce X (Y)"), with size words ("a 650M Huge
   model" -> "ConvNeXt V2-Huge").  Extra data and parameter counts come from
   the same clause, or from another mention of the model ("a ViT-G pre-trained
   on JFT"); a model pre-trained on extra data is reported as "finetuned".

Where things live: this module finds the numbers and sentences, keeps the cue index
(`Doc`) and reads each number's windows (steps 1-5); ``extract_claim`` resolves what a
number still lacks and builds the claim (step 6: model names, extra data, parameter
counts); ``extract_patterns`` is the vocabulary (patterns, keywords, cue readers).

Speed.  The budget is a few times a bare ``re.findall`` over the abstract, so the code
avoids work rather than repeating it: each abstract is lower-cased once; numbers come
from a handful of ``str.find`` loops; only sentences that can hold a claim are scanned
for cues, once, into an index queried by bisection; model tokens are scanned once per
sentence; abstract-wide facts (own model name, framing, extra data per model) are
computed on first use.  Patterns that scan start with a literal or a digit class when
they can (``re`` then skips ahead in C), and cheap necessary tests (substrings, a
look-ahead of first letters) run before patterns that would fail anyway.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from . import extract_patterns as P
from .extract_claim import EVIDENCE_CAP, FAR_CAP, defined_name, extra_after, finish, scan_tokens, title_name

__all__ = ["extract_claims"]

MAX_NUMBERS = 2000  # real abstracts state < 50 numbers; bounds the work on hostile input
MAX_CUES = 20000  # cues read per sentence, at most
PRE_CAP = POST_CAP = 300  # near windows never exceed this many characters


def extract_claims(abstract: str, title: str = "") -> list[dict]:
    """Return the ImageNet-family accuracy claims stated in ``abstract``.

    ``title`` names the paper's own model ("CoCa: ..." -> "CoCa") and is the
    last-resort dataset mention.  See the module docstring for the rules.
    """
    if not isinstance(abstract, str) or not abstract:
        return []
    try:
        return _extract(abstract, title if isinstance(title, str) else "")
    except Exception:  # the contract is "never raise"; the tests call _extract to see bugs
        return []


def _extract(abstract: str, title: str = "") -> list[dict]:
    """Implementation of :func:`extract_claims`; may raise on internal bugs."""
    low = abstract.lower()  # case-insensitive patterns run on this copy, same offsets
    if len(low) != len(abstract):  # rare characters whose lower case is longer ("İ")
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in abstract)
    if not (P.mentions_imagenet(low) or P.mentions_imagenet(title.lower())):
        return []  # no ImageNet-family dataset named anywhere: no claim can be attributed
    nums = _find_numbers(low)
    if not nums:
        return []
    doc = Doc(abstract, low, title)
    # sentence starts from a little before the first number on (a longer first sentence is
    # cut there; its windows and evidence are capped well below that anyway)
    starts = _sentence_bounds(abstract, max(0, nums[0].start - 2 * EVIDENCE_CAP), len(abstract))
    sentences: dict[int, list[_Num]] = {}
    for n in nums:
        i = bisect_right(starts, n.start) - 1
        n.s0, n.s1 = starts[i], (starts[i + 1] if i + 1 < len(starts) else len(abstract))
        sentences.setdefault(n.s0, []).append(n)
    claims, seen = [], set()
    for sent in sentences.values():
        sent = _live(low, sent)
        if not sent:
            continue
        doc.index(sent[0].s0, sent[0].s1)
        for c in _sentence_claims(doc, sent):
            key = (c["model"], c["dataset"], c["metric"], c["value"], c["setting"])
            if key not in seen:  # an abstract restating the same result
                seen.add(key)
                claims.append(c)
    return claims


class _Num:
    """One candidate number and everything decided about it (offsets into the abstract).

    A plain slotted class: tens of these are made per abstract, and compared by identity.
    """

    __slots__ = ("start", "end", "uend", "raw", "value", "s0", "s1", "between_a", "pre_a", "post_b", "far_a",
                 "skip", "k", "kind", "kind_before", "kind_fallback", "dataset", "ds_how", "setting",
                 "set_before", "model", "extra", "chain")

    def __init__(self, start: int, end: int, uend: int, raw: str, value: float):
        self.start, self.end, self.raw, self.value = start, end, raw, value
        self.uend = uend  # end of the unit ("%") if any
        self.s0 = self.s1 = 0  # sentence [s0, s1)
        self.between_a = 0  # text since the previous number (or sentence start): [between_a, start)
        self.pre_a = 0  # near window before: [pre_a, start), cut at the last clause separator
        self.post_b = 0  # near window after: [uend, post_b), cut at the first clause separator
        self.far_a = 0  # far window before: [far_a, start)
        self.skip: str | None = None  # why this number is not a claim
        self.k: int | None = None
        self.kind: str | None = None  # "acc" | "err" | "mce" | "non" (another metric)
        self.kind_before = False  # the metric was named before the number ("mCE of 45.2")
        self.kind_fallback = False
        self.dataset: str | None = None
        self.ds_how = "local"
        self.setting: str | None = None
        self.set_before = False  # the setting was named before the number, for the whole sentence
        self.model: str | None = None
        self.extra: object = None
        self.chain: list | None = None  # numbers forming one list ("82.8%, 84.2%, and 84.6%")


class Doc:
    """One abstract: its text, its lower-cased copy (same offsets), the cues of the
    sentences indexed so far, and abstract-wide facts computed on first use.

    Cues are tuples (start, end, family, value) from `extract_patterns.scan_cues`, kept
    in text order twice: all together and by family, each as (starts, cues) so that the
    cues starting in [a, b) are one bisection away.
    """

    __slots__ = ("text", "low", "title", "_cues", "_all", "_tokens", "_own", "_framing", "_extra", "param_lists",
                 "last_model")

    def __init__(self, text: str, low: str, title: str):
        self.text, self.low, self.title = text, low, title
        self._cues: dict[str, tuple[list, list]] = {}  # family -> (starts, cues)
        self._all: tuple[list, list] = ([], [])  # all families
        self._tokens: dict[int, tuple[list, list]] = {}
        self._own = self._framing = None
        self._extra: dict[str, object] = {}
        self.param_lists: dict[int, list] = {}  # id(list of numbers) -> the counts zipped with it
        self.last_model = ""  # model of the latest claim, for "the model ..." in later sentences

    def index(self, a: int, b: int) -> None:
        """Add the cues of [a, b); called once per sentence, in text order."""
        found = P.scan_cues(self.low, self.text, a, b, limit=MAX_CUES)
        starts, cues = self._all
        starts += [c[0] for c in found]
        cues += found
        families = self._cues
        for c in found:
            family = families.get(c[2])
            if family is None:
                family = families[c[2]] = ([], [])
            family[0].append(c[0])
            family[1].append(c)

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

    def setting(self, a: int, b: int) -> str | None:
        """Highest-priority setting cue in [a, b) ("fine-tuned on 1% of the labels" is semi)."""
        found = {c[3] for c in self.cues_in(a, b, "set")}
        return next((s for s in P.SETTING_PRIORITY if s in found), None) if found else None

    def tokens(self, n: _Num, a: int, b: int) -> list[tuple]:
        """Non-baseline model tokens (start, end, False, name) of n's sentence lying inside
        [a, b).  The sentence is scanned once, from 400 characters before the first number
        that asks (so later numbers see the same tokens, whatever window they ask for)."""
        cached = self._tokens.get(n.s0)
        if cached is None:
            toks = [t for t in scan_tokens(self.text, self.low, max(n.s0, n.start - FAR_CAP), n.s1) if not t[2]]
            cached = self._tokens[n.s0] = (toks, [t[0] for t in toks])
        toks, starts = cached
        return [t for t in toks[bisect_left(starts, a):bisect_left(starts, b)] if t[1] <= b]

    @property
    def own_name(self) -> str:
        """The paper's own model, from the title or the abstract's definition ("" if none)."""
        if self._own is None:
            self._own = title_name(self.title) or defined_name(self.text, self.low) or ""
        return self._own

    @property
    def framing(self) -> bool:
        """The abstract frames its results as pre-training then fine-tuning or transfer
        ("pre-training on large datasets and fine-tuning the model on a target task")."""
        if self._framing is None:
            self._framing = P.frames_transfer(self.low, self.text)
        return self._framing

    def extra_for(self, model: str):
        """Extra pre-training data stated right after a mention of `model` ("a ViT-G
        pre-trained on JFT", "CoCa is pretrained ... on web-scale alt-text data"): a corpus
        name, True, or None; the first of its first ten mentions that states any."""
        if model not in self._extra:
            found, i, seen = None, self.text.find(model), 0
            while i >= 0 and seen < 10 and found is None:
                found = extra_after(self.low, self.text, i + len(model), len(self.text))
                i, seen = self.text.find(model, i + 1), seen + 1
            self._extra[model] = found
        return self._extra[model]


_EMPTY: tuple[list, list] = ([], [])


def _find_numbers(low: str) -> list[_Num]:
    """Candidate values, in text order, one per start offset, each in (0, 100]: "86.3%",
    "90.1 percent", "87.3 top-1", "accuracy of 84.4", "error from 45.7 to 28.3" (see
    PERCENT_ANCHORS / METRIC_ANCHORS).  At most MAX_NUMBERS hits of each anchor are read.
    """
    found: dict[int, _Num] = {}
    spelled = P.PERCENT_WORD_RE.search(low) is not None  # one scan rules out both spellings
    for anchor, glued in _ANCHORS:
        i = low.find(anchor) if spelled or anchor[0] != "p" else -1
        hits = 0
        while i >= 0 and hits < MAX_NUMBERS:
            if glued and i and low[i - 1].isalpha():  # "acc" inside "bacc"
                i, hits = low.find(anchor, i + 1), hits + 1
                continue
            j = i - 1  # the number must end right before the anchor ("86.3 %", "86.3\\%", "$86.3$ top")
            while j > 0 and i - j < 8 and (low[j] in "$~\\(," or low[j].isspace()):
                j -= 1
            if j >= 0 and low[j].isdigit():
                if not _glued_to_word(low, j):  # else it is part of "resnet-50", "top-1": no value
                    m = P.NUMBER_BEFORE_RE.search(low, max(0, i - 16), i)
                    if m:
                        s, e = m.span(1)
                        if not s or low[s - 1] not in P.NOT_BEFORE_NUMBER:
                            _add_number(found, low, s, e, e if glued else i + len(anchor))
            elif glued and (low[j].isalpha() or low[j] == "-"):  # "90.0 fine-tuning top-1"
                m = P.GLUED_THROUGH_RE.search(low, max(0, i - 40), i)
                if m and (not m.start() or low[m.start() - 1] not in P.NOT_BEFORE_NUMBER):
                    _add_number(found, low, m.start(1), m.end(1), m.end(1))
            if glued:
                m = P.METRIC_NUMBER_RE.match(low, i)
                if m:
                    _add_number(found, low, m.start(1), m.end(1), m.end(1))
            i, hits = low.find(anchor, i + 1), hits + 1
    for n in list(found.values()):
        before = low[max(0, n.start - 8):n.start]
        if before[-3:].rstrip().endswith("/"):  # "79.1/94.4% top-1/top-5"
            m = P.SLASH_LEFT_RE.search(low, max(0, n.start - 12), n.start)
            if m and (not m.start() or low[m.start() - 1] not in P.NOT_BEFORE_NUMBER):
                _add_number(found, low, m.start(1), m.end(1), m.end(1))
        if "from" in before:  # "error from 45.7 to 28.3": the bare second one
            m = P.TO_NUMBER_RE.match(low, n.uend)
            if m:
                _add_number(found, low, m.start(1), m.end(1), m.end())
    return [found[s] for s in sorted(found)]


_ANCHORS = tuple((a, False) for a in P.PERCENT_ANCHORS) + tuple((a, True) for a in P.METRIC_ANCHORS)


def _glued_to_word(low: str, j: int) -> bool:
    """Does the run of ASCII digits and dots ending at j follow a letter, "_" or a hyphen
    ("top-1", "resnet-50")?  Such a run is never a value, whatever NUMBER_BEFORE_RE would
    read: that pattern's number is exactly this run (cheap test first)."""
    if low[j] not in _DIGITS:
        return False
    while j > 0 and low[j - 1] in _DIGITS_DOT:
        j -= 1
    return j > 0 and low[j - 1] in P.NOT_BEFORE_NUMBER


_DIGITS, _DIGITS_DOT = frozenset("0123456789"), frozenset("0123456789.")


def _add_number(found: dict, low: str, s: int, e: int, ue: int) -> None:
    """Record low[s:e] (its unit ending at ue), unless a number already starts at s (the
    first anchor to find it wins) or it is no percentage-sized value."""
    if s not in found:
        value = float(low[s:e])
        if 0 < value <= 100:
            found[s] = _Num(s, e, ue, low[s:e], value)


def _sentence_bounds(text: str, a: int, b: int) -> list[int]:
    """Sentence starts in [a, b), sorted (a is always one)."""
    starts = [a]
    starts += [m.end() for m in P.SENT_START_DOT_RE.finditer(text, a, b)]
    if "!" in text or "?" in text:  # (the rare stops and blank lines: a memchr rules them out)
        starts += [m.end() for m in P.SENT_START_MARK_RE.finditer(text, a, b)]
    if "\n" in text:
        starts += [m.end() for m in P.PARAGRAPH_RE.finditer(text, a, b)]
    return sorted(set(starts))


def _live(low: str, nums: list[_Num]) -> list[_Num]:
    """The numbers of one sentence that may be claims, or [] when none can be.

    Deltas, bounds and shares ("+1.2", "by 2.3%", "than 80%", "1.5% higher", "1% of the
    labels") are dropped: they do not even bound the other numbers' windows.  A sentence
    that names no ImageNet dataset and no metric cannot hold a claim (a dataset comes from
    the sentence, or from earlier text only when the metric is explicit).
    """
    s0, s1 = nums[0].s0, nums[0].s1
    for hint in _SENTENCE_HINTS:
        if low.find(hint, s0, s1) >= 0:
            break
    else:
        return []
    live = False
    for n in nums:
        a = n.start - 60
        n.skip = P.tail_kind(low[a if a > s0 else s0:n.start])
        if n.skip is None:
            if P.DELTA_POST_RE.match(low, n.uend, n.uend + 40):
                n.skip = "delta"
            else:
                live = True
    return [n for n in nums if n.skip is None or n.skip == "from"] if live else []


_SENTENCE_HINTS = ("imagenet", "lsvrc", "acc", "err", "top", "mce", "in-1k", "in1k", "in-2", "in2")


def _sentence_claims(doc: Doc, nums: list[_Num]) -> list[dict]:
    """Claims of one indexed sentence's live numbers, in order: set each number's windows
    and read its local cues, let neighbours share, then resolve each (`finish`)."""
    sep_starts, seps = doc.family("sep")
    s0, s1 = nums[0].s0, nums[0].s1
    prev_end = s0
    for i, n in enumerate(nums):  # windows
        start, uend = n.start, n.uend
        a = start - PRE_CAP
        n.between_a = n.pre_a = a = a if a > prev_end else prev_end
        for j in range(bisect_left(sep_starts, start) - 1, bisect_left(sep_starts, a) - 1, -1):
            c = seps[j]  # the last separator, unless it is a label's colon ("top-5: 98.0%")
            if not (c[3] == ":" and _cue_ending_at(doc, c[0])):
                n.pre_a = c[1]
                break
        right = nums[i + 1].start if i + 1 < len(nums) else s1  # (conditionals: cheaper than min/max)
        right = uend if right < uend else right if right < uend + POST_CAP else uend + POST_CAP
        j = bisect_left(sep_starts, uend)
        n.post_b = sep_starts[j] if j < len(sep_starts) and sep_starts[j] < right else right
        a = start - FAR_CAP
        n.far_a = a if a > s0 else s0
        prev_end = uend
        _local(doc, n)
    _share(doc, nums)
    out, prev = [], None
    for n in nums:
        claim = None if n.skip else finish(doc, n, prev)
        if claim:
            out.append(claim)
            prev = n
    return out


def _cue_ending_at(doc: Doc, pos: int) -> bool:
    """Is there a metric/dataset cue ending just before `pos` (a label colon)?"""
    return any(c[1] >= pos - 1 for f in P.LABEL_KINDS for c in doc.cues_in(pos - 25, pos, f))


def _local(doc: Doc, n: _Num) -> None:
    """Cues in n's own near windows: top-k, metric kind, dataset, setting, baseline."""
    text, (starts, cues) = doc.text, doc.all_cues
    uend, start = n.uend, n.start
    post: dict = {}  # family -> first cue after n; "set" -> all settings named there
    for c in cues[bisect_left(starts, uend):bisect_left(starts, n.post_b)]:
        if c[2] == "set":
            post.setdefault("set", []).append(c[3])
        elif c[2] not in post:
            post[c[2]] = c
    pre: dict = {}  # family -> last cue before n; "set" -> all settings named there
    for c in cues[bisect_left(starts, n.pre_a):bisect_left(starts, start)]:
        if c[2] == "set":
            pre.setdefault("set", []).append(c[3])
        else:
            pre[c[2]] = c
    k = post.get("k") or pre.get("k")
    n.k = k[3] if k else None
    kind = post.get("kind")
    n.kind = kind[3] if kind else None
    if P.NON_POST_RE.match(text, uend, n.post_b):  # "47.3% AP", "50.1% mIoU"
        n.kind = "non"
    if n.kind is None:
        non = None
        for non in P.NON_PRE_RE.finditer(text, n.pre_a, start):
            pass
        kind = pre.get("kind")
        if non is not None and (kind is None or non.start() > kind[0]):
            n.kind = "non"  # "mAP of 45.1%"
        elif kind is not None:
            n.kind, n.kind_before = kind[3], True
    ds = post.get("ds") or pre.get("ds")
    n.dataset = ds[3] if ds else None
    if "set" in post:
        n.setting = min(post["set"], key=_SETTING_RANK.__getitem__)
    elif "set" in pre:
        n.setting, n.set_before = min(pre["set"], key=_SETTING_RANK.__getitem__), True
    if n.skip is None and ("cmp" in pre or _in_baseline_paren(doc, n)):
        n.skip = "baseline"  # "outperforming X with 80%", "winner (GoogLeNet, 6.66%)"


_SETTING_RANK = {s: i for i, s in enumerate(P.SETTING_PRIORITY)}  # a window's setting: the first of these


def _in_baseline_paren(doc: Doc, n: _Num) -> bool:
    """A number inside parentheses after a comparison ("surpassing human-level performance
    (5.1%)") or next to another model's name ("(GoogLeNet, 6.66%)") is a baseline."""
    text = doc.text
    p = text.rfind("(", n.far_a, n.start)
    if p < 0 or text.find(")", p, n.start) >= 0:
        return False
    seps = doc.cues_in(max(n.s0, p - 150), p, "sep")
    if doc.cues_in(seps[-1][1] if seps else max(n.s0, p - 150), p, "cmp"):
        return True
    toks = doc.tokens(n, p + 1, n.start)
    return bool(toks) and any(not (doc.own_name and t[3].startswith(doc.own_name)) for t in toks)


def _share(doc: Doc, nums: list[_Num]) -> None:
    """Let numbers borrow what they lack from their neighbours.

    "from 61.0% to 83.7%": the second borrows from the first.  Lists ("82.8%, 84.2%,
    and 84.6% top-1 accuracy on ImageNet-1K", "84.4% top-1 / 97.1% top-5 accuracy")
    borrow from the next number; "83.9% / 96.6% top-5" makes the first top-1.
    """
    if len(nums) < 2:
        return
    low = doc.low
    for prev, n in zip(nums, nums[1:]):
        if prev.skip == "from" and P.TO_GAP_RE.fullmatch(low, prev.uend, n.start):
            n.k, n.kind = n.k or prev.k, n.kind or prev.kind
            n.dataset, n.setting = n.dataset or prev.dataset, n.setting or prev.setting
            n.pre_a = prev.pre_a
    for n, nx in zip(reversed(nums[:-1]), reversed(nums[1:])):
        if n.skip or nx.skip:
            continue
        gap = low[n.uend:nx.start]
        if not (P.LIST_SEP_RE.fullmatch(gap) or P.K_LIST_SEP_RE.fullmatch(gap)):
            continue
        nx.chain = nx.chain or [nx]
        n.chain = nx.chain
        n.chain.insert(0, n)
        if n.k is None:
            n.k = 1 if nx.k == 5 and "/" in gap else nx.k
        n.kind = n.kind or nx.kind
        if not n.kind_before:  # "mCE of 45.2, and 61.3% on ImageNet-R" is no list of one metric
            n.dataset, n.setting = n.dataset or nx.dataset, n.setting or nx.setting
    for n in nums:  # "top-1 and top-5 error rates of 37.5% and 17.0%": zip the top-k list
        if n.chain and n.chain[0] is n:
            last = n.chain[-1]
            for a, b in ((max(n.between_a, n.start - 80), n.start), (last.uend, min(last.s1, last.uend + 60))):
                ks = [int(k) for k in P.K_RE.findall(low, a, b)]
                if len(ks) == len(n.chain) and len(set(ks)) > 1:
                    for member, k in zip(n.chain, ks):
                        member.k = k


