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
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from . import extract_patterns as P

__all__ = ["extract_claims"]

MAX_NUMBERS = 2000  # real abstracts state < 50 numbers; bounds the work on hostile input
MAX_CUES = 20000
PRE_CAP = POST_CAP = 300  # near windows never exceed this many characters
FAR_CAP = 400  # far window (back towards the sentence start)
EVIDENCE_CAP = 600  # longer "sentences" are cut to a window around the number
FAMILY = frozenset({"imagenet-1k", "imagenet-v2", "imagenet-real", "imagenet-a", "imagenet-r",
                    "imagenet-sketch", "imagenet-c", "imagenet-21k"})


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


@dataclass
class _Num:
    """One candidate number and everything decided about it (offsets into the abstract)."""

    start: int
    end: int
    uend: int  # end of the unit ("%") if any
    raw: str
    value: float
    s0: int = 0  # sentence [s0, s1)
    s1: int = 0
    between_a: int = 0  # text since the previous number (or sentence start): [between_a, start)
    pre_a: int = 0  # near window before: [pre_a, start), cut at the last clause separator
    post_b: int = 0  # near window after: [uend, post_b), cut at the first clause separator
    far_a: int = 0  # far window before: [far_a, start)
    skip: str | None = None  # why this number is not a claim
    k: int | None = None
    kind: str | None = None  # "acc" | "err" | "mce" | "non" (another metric)
    kind_before: bool = False  # the metric was named before the number ("mCE of 45.2")
    kind_fallback: bool = False
    dataset: str | None = None
    ds_how: str = "local"
    setting: str | None = None
    set_before: bool = False  # the setting was named before the number, for the whole sentence
    model: str | None = None
    extra: object = None
    chain: list | None = None  # numbers forming one list ("82.8%, 84.2%, and 84.6%")


class _Doc:
    """One abstract: its lower-cased copy, a cue index of the sentences holding numbers
    (by family, for slicing by offset), and lazily computed abstract-wide facts."""

    def __init__(self, text: str, low: str, title: str):
        self.text, self.low, self.title = text, low, title
        self._cues: dict[str, tuple[list, list]] = {}  # family -> (starts, cues)
        self._all: tuple[list, list] = ([], [])  # all families
        self._tokens: dict[int, tuple[list, list]] = {}
        self._own = self._framing = None
        self._extra: dict[str, object] = {}
        self.last_model = ""  # model of the latest claim, for "the model ..." in later sentences

    def index(self, a: int, b: int) -> None:
        """Add the cues of [a, b); called once per sentence, in text order."""
        for cue in P.scan_cues(self.low, self.text, a, b, limit=MAX_CUES):
            for starts, cues in (self._cues.setdefault(cue[2], ([], [])), self._all):
                starts.append(cue[0])
                cues.append(cue)

    def window(self, a: int, b: int) -> list[tuple]:
        """All cues starting in [a, b)."""
        starts, cues = self._all
        return cues[bisect.bisect_left(starts, a):bisect.bisect_left(starts, b)]

    def cues_in(self, a: int, b: int, family: str) -> list[tuple]:
        starts, cues = self._cues.get(family, _EMPTY)
        return cues[bisect.bisect_left(starts, a):bisect.bisect_left(starts, b)]

    def datasets(self, a: int, b: int) -> list[str]:
        return [c[3] for c in self.cues_in(a, b, "ds")]

    def setting(self, a: int, b: int) -> str | None:
        """Highest-priority setting cue in [a, b) ("fine-tuned on 1% of the labels" is semi)."""
        found = {c[3] for c in self.cues_in(a, b, "set")}
        return next((s for s in P.SETTING_PRIORITY if s in found), None) if found else None

    def tokens(self, n: _Num, a: int, b: int) -> list[tuple]:
        """Non-baseline model tokens of n's sentence lying inside [a, b)."""
        cached = self._tokens.get(n.s0)
        if cached is None:
            toks = P.scan_tokens(self.text, self.low, max(n.s0, n.start - FAR_CAP), n.s1)
            cached = self._tokens[n.s0] = (toks, [t[0] for t in toks])
        toks, starts = cached
        lo, hi = bisect.bisect_left(starts, a), bisect.bisect_left(starts, b)
        return [t for t in toks[lo:hi] if t[1] <= b and not t[2]]

    @property
    def own_name(self) -> str:
        if self._own is None:
            self._own = P.title_name(self.title) or P.defined_name(self.text, self.low) or ""
        return self._own

    @property
    def framing(self) -> bool:
        """The abstract frames its results as pre-training then fine-tuning or transfer
        ("pre-training on large datasets and fine-tuning the model on a target task")."""
        if self._framing is None:
            low = self.low
            cues = P.find_cues(low, self.text, P.FRAMING_KEYWORDS) if "train" in low and (
                "fine" in low or "transfer" in low) else []
            self._framing = any(  # a pre-training cue, then fine-tuning within the sentence
                c[2] == "pre" and d[2] in ("set", "xfer") and 0 < d[0] - c[1] <= 160
                and "." not in low[c[1]:d[0]]
                for c, d in zip(cues, cues[1:])
            )
        return self._framing

    def extra_for(self, model: str):
        """Extra pre-training data stated right after another mention of `model` ("a ViT-G
        pre-trained on JFT", "CoCa is pretrained ... on web-scale alt-text data")."""
        if model not in self._extra:
            found, i, seen = None, self.text.find(model), 0
            while i >= 0 and seen < 10 and found is None:
                found = P.extra_after(self.low, self.text, i + len(model), len(self.text))
                i, seen = self.text.find(model, i + 1), seen + 1
            self._extra[model] = found
        return self._extra[model]


_EMPTY: tuple[list, list] = ([], [])


def _find_numbers(low: str) -> list[_Num]:
    """Candidate values: "86.3%", "90.1 percent", "87.3 top-1", "accuracy of 84.4",
    "error from 45.7 to 28.3" (see PERCENT_ANCHORS / METRIC_ANCHORS)."""
    found: dict[int, _Num] = {}
    for anchor in P.PERCENT_ANCHORS + P.METRIC_ANCHORS:
        glued = anchor in P.METRIC_ANCHORS
        i, hits = low.find(anchor), 0
        while i >= 0 and hits < MAX_NUMBERS:
            if glued and i and low[i - 1].isalpha():  # "acc" inside "bacc"
                i, hits = low.find(anchor, i + 1), hits + 1
                continue
            j = i - 1  # the number must end right before the anchor ("86.3 %", "86.3\\%", "$86.3$ top")
            while j > 0 and i - j < 8 and (low[j] in "$~\\(," or low[j].isspace()):
                j -= 1
            if j >= 0 and low[j].isdigit():
                m = P.NUMBER_BEFORE_RE.search(low, max(0, i - 16), i)
                s = m.start(1) if m else -1
                if m and (not s or low[s - 1] not in P.NOT_BEFORE_NUMBER):  # not "resnet-50", "top-1"
                    _add_number(found, low, s, m.end(1), m.end(1) if glued else i + len(anchor))
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
        if low[max(0, n.start - 3):n.start].rstrip().endswith("/"):  # "79.1/94.4% top-1/top-5"
            m = P.SLASH_LEFT_RE.search(low, max(0, n.start - 12), n.start)
            if m and (not m.start() or low[m.start() - 1] not in P.NOT_BEFORE_NUMBER):
                _add_number(found, low, m.start(1), m.end(1), m.end(1))
        if "from" in low[max(0, n.start - 8):n.start]:  # "error from 45.7 to 28.3": the bare second one
            m = P.TO_NUMBER_RE.match(low, n.uend)
            if m:
                _add_number(found, low, m.start(1), m.end(1), m.end())
    return sorted(found.values(), key=lambda n: n.start)


def _add_number(found: dict, low: str, s: int, e: int, ue: int) -> None:
    value = float(low[s:e])
    if 0 < value <= 100 and s not in found:
        found[s] = _Num(s, e, ue, low[s:e], value)


def _sentence_bounds(text: str, a: int, b: int) -> list[int]:
    """Sentence starts in [a, b) (a is always one)."""
    starts = [a]
    for m in P.SENT_END_RE.finditer(text, a, b):
        s, e = m.start(), m.end()
        while e < b and text[e].isspace() and e - s < 20:
            e += 1
        if e < b and text[e] in P.SENT_START_CHARS and not text[max(0, s - 7):s].lower().endswith(P.ABBREVIATIONS):
            starts.append(e)  # "e.g.", "et al.", "vs." do not end sentences
    starts.extend(m.end() for m in P.PARAGRAPH_RE.finditer(text, a, b))
    return sorted(set(starts))


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
    doc = _Doc(abstract, low, title)
    # sentence starts from a little before the first number on (a longer first sentence is
    # cut there; its windows and evidence are capped well below that anyway)
    starts = _sentence_bounds(abstract, max(0, nums[0].start - 2 * EVIDENCE_CAP), len(abstract))
    sentences: dict[int, list[_Num]] = {}
    for n in nums:
        i = bisect.bisect_right(starts, n.start) - 1
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


def _live(low: str, nums: list[_Num]) -> list[_Num]:
    """The numbers of one sentence that may be claims, or [] when none can be.

    Deltas, bounds and shares ("+1.2", "by 2.3%", "than 80%", "1.5% higher", "1% of the
    labels") are dropped: they do not even bound the other numbers' windows.  A sentence
    that names no ImageNet dataset and no metric cannot hold a claim (a dataset comes from
    the sentence, or from earlier text only when the metric is explicit).
    """
    s0, s1 = nums[0].s0, nums[0].s1
    if not any(low.find(w, s0, s1) >= 0 for w in _SENTENCE_HINTS):
        return []
    for n in nums:
        n.skip = P.tail_kind(low[max(n.s0, n.start - 60):n.start])
        if n.skip is None and P.DELTA_POST_RE.match(low, n.uend, n.uend + 40):
            n.skip = "delta"
    return [n for n in nums if n.skip in (None, "from")] if any(n.skip is None for n in nums) else []


_SENTENCE_HINTS = ("imagenet", "lsvrc", "acc", "err", "top", "mce", "in-1k", "in1k", "in-2", "in2")


def _sentence_claims(doc: _Doc, nums: list[_Num]) -> list[dict]:
    for i, n in enumerate(nums):  # windows
        n.between_a = max(nums[i - 1].uend if i else n.s0, n.start - PRE_CAP)
        n.pre_a = n.between_a
        for c in doc.cues_in(n.between_a, n.start, "sep"):
            if not (c[3] == ":" and _cue_ending_at(doc, c[0])):  # "top-5: 98.0%" keeps its label
                n.pre_a = c[1]
        right = max(n.uend, min(nums[i + 1].start if i + 1 < len(nums) else n.s1, n.uend + POST_CAP))
        seps = doc.cues_in(n.uend, right, "sep")
        n.post_b = seps[0][0] if seps else right
        n.far_a = max(n.s0, n.start - FAR_CAP)
        _local(doc, n)
    _share(doc, nums)
    out, prev = [], None
    for n in nums:
        claim = None if n.skip else _finish(doc, n, prev)
        if claim:
            out.append(claim)
            prev = n
    return out


def _cue_ending_at(doc: _Doc, pos: int) -> bool:
    """Is there a metric/dataset cue ending just before `pos` (a label colon)?"""
    return any(c[1] >= pos - 1 for f in P.LABEL_KINDS for c in doc.cues_in(pos - 25, pos, f))


def _local(doc: _Doc, n: _Num) -> None:
    """Cues in n's own near windows: top-k, metric kind, dataset, setting, baseline."""
    text = doc.text
    post, pre = _firsts(doc.window(n.uend, n.post_b)), _lasts(doc.window(n.pre_a, n.start))
    n.k = post.get("k", pre.get("k", (None,) * 4))[3]
    n.kind = post["kind"][3] if "kind" in post else None
    if P.NON_POST_RE.match(text, n.uend, n.post_b):  # "47.3% AP", "50.1% mIoU"
        n.kind = "non"
    if n.kind is None:
        non = None
        for non in P.NON_PRE_RE.finditer(text, n.pre_a, n.start):
            pass
        if non is not None and ("kind" not in pre or non.start() > pre["kind"][0]):
            n.kind = "non"  # "mAP of 45.1%"
        elif "kind" in pre:
            n.kind, n.kind_before = pre["kind"][3], True
    n.dataset = (post.get("ds") or pre.get("ds") or (None,) * 4)[3]
    n.setting = post.get("set") or pre.get("set")
    n.set_before = "set" not in post and n.setting is not None
    if n.skip is None and ("cmp" in pre or _in_baseline_paren(doc, n)):
        n.skip = "baseline"  # "outperforming X with 80%", "winner (GoogLeNet, 6.66%)"


def _firsts(cues: list[tuple]) -> dict:
    """family -> first cue of the window; "set" -> the highest-priority setting."""
    out: dict = {}
    for c in cues:
        out.setdefault(c[2], c)
    return _with_setting(out, cues)


def _lasts(cues: list[tuple]) -> dict:
    out = {c[2]: c for c in cues}
    return _with_setting(out, cues)


def _with_setting(out: dict, cues: list[tuple]) -> dict:
    if "set" in out:
        found = {c[3] for c in cues if c[2] == "set"}
        out["set"] = next(s for s in P.SETTING_PRIORITY if s in found)
    return out


def _in_baseline_paren(doc: _Doc, n: _Num) -> bool:
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


def _share(doc: _Doc, nums: list[_Num]) -> None:
    """Let numbers borrow what they lack from their neighbours.

    "from 61.0% to 83.7%": the second borrows from the first.  Lists ("82.8%, 84.2%,
    and 84.6% top-1 accuracy on ImageNet-1K", "84.4% top-1 / 97.1% top-5 accuracy")
    borrow from the next number; "83.9% / 96.6% top-5" makes the first top-1.
    """
    low = doc.low
    for prev, n in zip(nums, nums[1:]):
        if prev.skip == "from" and P.TO_GAP_RE.fullmatch(low, prev.uend, n.start):
            n.k, n.kind = n.k or prev.k, n.kind or prev.kind
            n.dataset, n.setting = n.dataset or prev.dataset, n.setting or prev.setting
            n.pre_a = prev.pre_a
    for n, nx in zip(reversed(nums[:-1]), reversed(nums[1:])):
        gap = low[n.uend:nx.start]
        if n.skip or nx.skip or not (P.LIST_SEP_RE.fullmatch(gap) or P.K_LIST_SEP_RE.fullmatch(gap)):
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


def _finish(doc: _Doc, n: _Num, prev: _Num | None) -> dict | None:
    """Resolve what n still lacks, decide whether it is a claim, and build the dict."""
    if prev is not None:  # the sentence's previous claim
        if n.kind is None and n.dataset in (None, prev.dataset) and prev.kind != "mce":
            n.kind, n.k = prev.kind, n.k or prev.k
        if n.dataset is None:
            n.dataset, n.ds_how = prev.dataset, "sibling"
    if n.setting is None:  # "When fine-tuned on only 1% of the labels, we achieve 85.8%"
        n.setting = doc.setting(prev.post_b if prev else n.far_a, n.start)
        n.set_before = n.setting is not None
    if n.setting is None and prev is not None and prev.set_before:
        n.setting = prev.setting  # "zero-shot classification with top-1 of 83.7 and top-5 of 97.2"
    if n.dataset is None:
        found = doc.datasets(n.far_a, n.start) or doc.datasets(n.post_b, min(n.s1, n.post_b + 300))[:1]
        if found:
            n.dataset, n.ds_how = found[-1], "sentence"
        elif n.kind in ("acc", "err", "mce"):  # explicit metric: the abstract's last dataset, then the title
            n.dataset, n.ds_how = P.last_dataset(doc.low, doc.text, max(0, n.s0 - 3000), n.s0), "carry"
            if n.dataset is None and P.mentions_imagenet(doc.title.lower()):
                n.dataset, n.ds_how = "imagenet-1k", "title"
    if n.kind is None and n.k is not None:  # "85.1% top-1 on ImageNet": top-k alone means accuracy
        n.kind = "acc"
    if n.kind is None:  # "BiT attains 76.8% on ILSVRC-2012": an achieved % on ImageNet is accuracy
        if n.dataset in FAMILY and n.ds_how != "carry" and P.ACHIEVE_RE.search(doc.low, n.far_a, n.start):
            n.kind, n.kind_fallback = "acc", True
        else:
            return None
    if n.kind == "non" or (n.dataset is not None and n.dataset not in FAMILY):
        return None  # another metric, or another dataset ("91.7% on CIFAR-100")
    model, how = _model(doc, n, prev)
    n.model = model
    extra = n.extra = _extra_data(doc, n, how, prev)
    if n.dataset is None and isinstance(extra, str) and re.search(r"2[12]k", extra, re.I):
        n.dataset, n.ds_how = "imagenet-1k", "pretrain"  # pre-trained on 21K -> evaluated on 1K
    if n.dataset not in FAMILY:
        return None
    if how in ("explicit", "own"):
        doc.last_model = model
    setting = n.setting
    if setting is None and n.dataset == "imagenet-1k" and (extra or doc.framing):
        setting = "finetuned"  # pre-trained on more data, then reported on ImageNet-1k
    return _claim(doc, n, model, how, setting, extra, first=prev is None)


def _model(doc: _Doc, n: _Num, prev: _Num | None) -> tuple[str, str]:
    """Model the number belongs to, and how that was decided (kept for confidence)."""
    text = doc.text
    chain = n.chain
    if chain and len(chain) > 1:  # "DaViT-Tiny, DaViT-Small, and DaViT-Base achieve 82.8%, 84.2%, and 84.6%"
        head = doc.tokens(n, chain[0].far_a, chain[0].start)[-len(chain):]
        if len(head) == len(chain):
            return head[chain.index(n)][3], "explicit"
    size = None
    if any(doc.low.find(w, n.between_a, n.start) >= 0 for w in (" model", " variant", " version", " network")):
        for size in P.SIZE_MODEL_RE.finditer(text, n.between_a, n.start):
            pass
    if size:  # "a 650M Huge model that achieves" -> "<own name>-Huge"
        far = doc.tokens(n, n.far_a, size.start())
        base = doc.own_name or (far[-1][3] if far else "")
        if base:
            return f"{base}-{size.group('size')}", "explicit"
    near = doc.tokens(n, n.pre_a, n.start)
    if near:
        return near[-1][3], "explicit"
    for w in P.WITH_MODEL_RE.finditer(doc.low, n.uend, n.post_b):  # "77.1% ... with a ResNet-50"
        after = doc.tokens(n, w.end(), n.post_b)
        if after and after[0][0] == w.end():
            return after[0][3], "explicit"
    far = doc.tokens(n, n.far_a, n.start)
    if far:
        return far[-1][3], "explicit"
    if prev is not None and prev.model:
        return prev.model, "sibling"
    if doc.own_name:
        return doc.own_name, "own"
    if doc.last_model:  # "The model also performs well for few-shot transfer, reaching ..."
        return doc.last_model, "previous"
    subject = P.SUBJECT_RE.search(P.PAREN_STRIP_RE.sub("", text[n.far_a:n.start]))
    if subject and subject.group(1) not in P.GENERIC_SUBJECTS:  # "An ensemble of these residual nets"
        return subject.group(1), "subject"
    return doc.title.strip()[:200] or "unknown", "title"


def _extra_data(doc: _Doc, n: _Num, how: str, prev: _Num | None):
    """Named corpus, True (clear but unnamed), or None, from n's clause (cut after any
    comparison, so a baseline's data is not taken) or from another mention of the same
    model ("a ViT-G pre-trained on JFT")."""
    head = n.chain[0] if n.chain else n  # "Without extra data, A, B and C reach x, y and z"
    a = max(head.between_a, doc.text.rfind(";", n.far_a, n.start) + 1)  # this claim's clause only
    cues = doc.window(a, n.post_b)
    cmp = [i for i, c in enumerate(cues) if c[2] == "cmp" and c[0] < n.start]
    if cmp:  # after a comparison, only what follows its clause is about n
        cues = cues[next((j for j in range(cmp[-1], len(cues)) if cues[j][2] == "sep"), len(cues)):]
    families = {c[2] for c in cues}
    if "xneg" in families:
        return None  # "without extra data", "only ImageNet-1K data"
    if "xnamed" in families:
        named = [c for c in cues if c[2] == "xnamed"]
        before = [c for c in named if c[0] < n.start]
        return (before[-1] if before else named[0])[3]
    if "xun" in families:
        return True
    if n.setting == "from_scratch":
        return None
    if prev is not None and prev.model == n.model and prev.extra is not None:
        return prev.extra  # "... achieves 86.4% top-1 accuracy (top-5: 98.0%)"
    names = [n.model] if how in ("explicit", "sibling") else []
    own = doc.own_name
    if own and (how in ("own", "subject", "title", "previous") or n.model == own):
        names.append(own)
    for name in names:
        found = doc.extra_for(name)
        if found is not None:
            return found
    return None


def _params(doc: _Doc, n: _Num, first: bool) -> int | None:
    """Parameter count stated for n's model: "(86M parameters)", "a 650M Huge model",
    "with 28.3M, 49.7M, and 87.9M parameters, respectively" (zipped with a list)."""
    low = doc.low
    chain = n.chain
    if chain and len(chain) > 1:
        plist = P.PARAM_LIST_RE.search(low, chain[-1].uend, min(chain[-1].s1, chain[-1].uend + 300))
        counts = P.PARAM_NUMBER_RE.findall(plist.group(1)) if plist else ()
        if len(counts) == len(chain):
            return _count(*counts[chain.index(n)])
    # one pass: the closest count before n since the previous number, else the first one
    # right after n, else (first claim of its sentence) the closest one before it
    matches = list(P.PARAMS_RE.finditer(low, n.far_a if first else n.between_a, n.post_b))
    found = ([m for m in matches if n.between_a <= m.start() < n.start][-1:]
             or [m for m in matches if m.start() >= n.uend][:1]
             or [m for m in matches if m.start() < n.start][-1:])
    return _count(found[0].group(1), found[0].group(2)) if found else None


def _count(number: str, unit: str) -> int:
    return int(round(float(number) * P.MULTIPLIER[unit]))


def _claim(doc: _Doc, n: _Num, model: str, how: str, setting: str | None, extra, first: bool) -> dict:
    """The output dict; `first`: n is the first claim of its sentence."""
    text = doc.text
    k = n.k
    if n.kind == "mce" or (n.kind == "err" and n.dataset == "imagenet-c" and k is None):
        metric = "mce"
    else:
        if k is None:
            # An unqualified ImageNet error below 9% can only be top-5: no model has ever
            # reached a 9% top-1 error, and ILSVRC's official metric was top-5 error.
            k = 5 if n.kind == "err" and n.dataset == "imagenet-1k" and n.value < 9 else 1
        metric = f"top{k}_{'acc' if n.kind == 'acc' else 'err'}"
    a, b = n.s0, n.s1
    if b - a > EVIDENCE_CAP:  # a run-on "sentence": keep a window around the number
        a, b = max(a, n.start - EVIDENCE_CAP // 2), min(b, n.uend + EVIDENCE_CAP // 2)
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    conf = 0.95 - (0.25 if n.kind_fallback else 0)
    conf -= {"local": 0, "sibling": 0.05, "sentence": 0.05, "pretrain": 0.1, "carry": 0.15}.get(n.ds_how, 0.2)
    conf -= {"explicit": 0, "sibling": 0.03, "own": 0.05}.get(how, 0.15)
    conf -= 0.1 if doc.low[max(0, n.start - 16):n.start].rstrip(" $").endswith(P.APPROX_WORDS) else 0
    return {
        "model": model,
        "dataset": n.dataset,
        "metric": metric,
        "value": n.value,
        "raw_value": n.raw,
        "setting": setting,
        "extra_data": extra,
        "params": _params(doc, n, first),
        "evidence": text[a:b],
        "start": a,
        "end": b,
        "confidence": round(max(0.05, conf), 2),
    }
