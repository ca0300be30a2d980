"""One sentence's numbers: which may be claims, their windows, what they say, what they share.

`may_hold_claims(doc, nums)` rules out sentences that cannot hold a claim before they are
indexed; `live(doc, nums)` keeps the numbers of a sentence that may be results, each with its form
read (`forms`: a value, a gain, a drop, a bound, the start of a change, a quoted value) or a
reason to skip it (a share, a threshold, a relative change, a number inside a setting phrase
such as "1% of the labels").  `read(doc, nums)` then sets each number's windows

    near window before  [pre_a, start)   back to the last clause separator
    near window after   [uend, post_b)   up to the first clause separator or next number
    far window          [far_a, start)   back to the sentence start (at most FAR_CAP)

and reads its local cues there (top-k, metric, dataset, setting, qualifier, whether it is
another model's number), then lets lists, ranges and from-to pairs share what they lack.
"""

from __future__ import annotations

import re
from bisect import bisect_left

from . import forms as F
from .cues import K_RE
from .doc import FAR_CAP, Doc, Num
from .vocab import (K_LIST_SEP_RE, LIST_SEP_RE, NON_POST_RE, NON_PRE_RE, PARALLEL_SEP_RE, TO_GAP_RE)

# A class of models picked out by a figure: "previous models (250M+) reaching 86%", "among
# networks with 80% top-1 accuracy": the figure is a threshold, not a result.
CLASS_THRESHOLD_RE = re.compile(
    r"\b(?:models|methods|networks|architectures|approaches|works|ones|baselines)\s{0,2}(?:\([^()]{0,30}\)\s{0,2})?"
    r"(?:(?:that|which)\s+(?:reach|achieve|attain|exceed|surpass)\w*|reaching|achieving|attaining|exceeding"
    r"|surpassing|with)\s+(?:(?:over|above|about|around|more\s+than)\s+)?\$?$")
_PARTICIPLES = ("reaching", "achieving", "attaining", "exceeding", "surpassing", "with", "reach", "achieve",
                "attain", "exceed", "surpass", "over", "above", "about", "around", "than")
_FAMILIES = frozenset(("k", "kind", "qual", "ds", "cmp", "qty"))  # the cue families a number reads in its near windows
_ABLATION_WORDS = ("w/o", "ablat", "removing the", "without the proposed", "without our", "only the new")
PRE_CAP = POST_CAP = 300
MAX_LIST = 24  # items of one list, at most  # near windows never exceed this many characters
_SENTENCE_HINTS = ("imagenet", "accura", "error", "top-1", "top-5", "top1", "top5", "top 1", "top 5", "lsvrc",
                   "ilsrcv", "ilsvcr", "acc.", " acc ", " err", "mce", "in-1k", "in1k", "in-2", "in2")
_SKIP_SPREADS = frozenset({"share", "relative", "other"})  # a list member's reason holds for the list


def may_hold_claims(doc: Doc, nums: list[Num]) -> bool:
    """Can the sentence of `nums` hold a claim?  Not when it names no ImageNet dataset and no
    metric, unless it continues the previous sentence's claim ("The result can be further
    increased to 86.4%"); not when it is a question (a question poses numbers, it reports none).
    """
    low, s0, s1 = doc.low, nums[0].s0, nums[0].s1
    for hint in _SENTENCE_HINTS:
        if low.find(hint, s0, s1) >= 0:
            break
    else:
        if doc.last_claim is None or doc.claims_end != s0:
            return False
    return not doc.text[s0:s1].rstrip(" \t\n\"')").endswith("?")


def live(doc: Doc, nums: list[Num]) -> list[Num]:
    """The numbers of one indexed sentence that may be claims, in order, each with its form."""
    low, s0, s1 = doc.low, nums[0].s0, nums[0].s1
    phrases = doc.setting_cues(s0, s1)
    for n in nums:
        a = n.start - 60
        n.tail = F.tail_form(low[a if a > s0 else s0:n.start])
        n.post = F.post_form(low, n.end, min(s1, n.end + 80))
        form = F.combine(n.tail, n.post)
        n.form, n.bound, n.skip = form.kind, form.bound, form.skip
        if (n.form in (None, "point") and low[max(s0, n.start - 12):n.start].rstrip(" $").endswith(_PARTICIPLES)
                and CLASS_THRESHOLD_RE.search(low, max(s0, n.start - 80), n.start)
                and not any(w in low[max(s0, n.start - 80):n.start] for w in _WINNING)):  # ("beating all models with 87.7%")
            n.skip = "threshold"  # "the smallest among previous models reaching 86%"
        if n.form is None and _in_points(low, n):
            n.form = "delta"  # "1.6 pp", "1.5 points": a difference in points
        for p in phrases:  # "1% of the labels", "10 examples per class": a condition, not a result
            if p[0] <= n.start < p[1]:
                n.skip = "setting"
                break
    for n, nx in zip(reversed(nums[:-1]), reversed(nums[1:])):  # "35%/52% fewer parameters"
        if nx.skip in _SKIP_SPREADS and n.skip is None and n.post.kind is None and (
                nx.left is n or LIST_SEP_RE.fullmatch(low, n.uend, nx.start)):
            n.skip = nx.skip
    return [n for n in nums if n.skip is None]


def _in_points(low: str, n: Num) -> bool:
    """Is n's unit points ("1.6 pp", "1.5 points", "4 percentage points"), a difference?"""
    return "p" in low[n.end:n.uend] and ("point" in low[n.end:n.uend] or low[n.end:n.uend].strip()[:1] == "p"
                                         and not low[n.end:n.uend].strip().startswith("per"))


def read(doc: Doc, nums: list[Num]) -> None:
    """Set each live number's windows and local cues, then let neighbours share."""
    sep_starts, seps = doc.family("sep")
    s0, s1 = nums[0].s0, nums[0].s1
    prev_end = s0
    for i, n in enumerate(nums):
        start, uend = n.start, n.uend
        a = start - PRE_CAP
        n.between_a = n.pre_a = a = a if a > prev_end else prev_end
        for j in range(bisect_left(sep_starts, start) - 1, bisect_left(sep_starts, a) - 1, -1):
            c = seps[j]  # the last separator, unless it is a label's colon ("top-5: 98.0%")
            if not (c[3] == ":" and _cue_ending_at(doc, c[0])):
                n.pre_a = c[1]
                break
        right = nums[i + 1].start if i + 1 < len(nums) else s1
        right = uend if right < uend else right if right < uend + POST_CAP else uend + POST_CAP
        j = bisect_left(sep_starts, uend)
        n.post_b = sep_starts[j] if j < len(sep_starts) and sep_starts[j] < right else right
        a = start - FAR_CAP
        n.far_a = a if a > s0 else s0
        prev_end = uend
        _local(doc, n)
    _share(doc, nums)


_LABEL_KINDS = frozenset({"k", "kind", "ds"})  # a ":" right after these is a label ("top-5: 98.0%")


def _cue_ending_at(doc: Doc, pos: int) -> bool:
    """Is there a metric/dataset cue ending just before `pos` (a label colon)?"""
    return any(c[1] >= pos - 1 for f in _LABEL_KINDS for c in doc.cues_in(pos - 25, pos, f))


def _local(doc: Doc, n: Num) -> None:
    """Cues in n's own near windows: top-k, metric kind, qualifier, dataset, setting, and
    whether the number is another model's (a baseline) or measures something else."""
    text, low = doc.text, doc.low
    uend, start, pre_a, post_b = n.uend, n.start, n.pre_a, n.post_b
    # The first cue of each family after n and the last before it, and the setting phrases of
    # both windows: one walk over the windows' few cues (cheaper than a bisection per family).
    post, post_set, pre, pre_set = {}, [], {}, []
    for c in doc.window(pre_a, post_b):
        f = c[2]
        if c[0] < start:
            if f == "set":
                pre_set.append(c[3])
            elif f in _FAMILIES:
                pre[f] = c  # (the last one wins)
        elif c[0] >= uend:
            if f == "set":
                post_set.append(c[3])
            elif f in _FAMILIES and f not in post:
                post[f] = c
    k = post.get("k") or pre.get("k")
    n.k = k[3] if k else None
    kind = post.get("kind")
    n.kind = kind[3] if kind else None
    if NON_POST_RE.match(text, n.end, n.post_b):  # "47.3% AP", "50.1% mIoU"
        n.kind = "non"
    if n.kind is None:
        non = None
        for non in NON_PRE_RE.finditer(text, max(n.pre_a, start - 40), start):  # (named right before it)
            pass
        kind = pre.get("kind")
        if non is not None and (kind is None or non.start() > kind[0]):
            n.kind = "non"  # "mAP of 45.1%"
        elif kind is not None:
            n.kind, n.kind_before = kind[3], True
    qual = post.get("qual") or pre.get("qual")
    if qual is None and doc.cues_in(n.far_a, start, "qual"):
        qual = doc.cues_in(n.far_a, start, "qual")[-1]
    if qual is not None:
        n.qual = "robust" if qual[3] == "attack" else qual[3]
    ds = post.get("ds") or pre.get("ds")
    n.dataset = ds[3] if ds else None
    if post_set:
        n.setting = min(post_set, key=_SETTING_RANK.__getitem__)
    elif pre_set:
        n.setting, n.set_before = min(pre_set, key=_SETTING_RANK.__getitem__), True
    if _quantity(low, n, pre) == "other":
        n.skip = "other"  # "the throughput by over 40%", "37% compute time"
    elif n.form == "from" or n.form == "cmp" or (n.form in (None, "point") and n.bound is None and (
            ("cmp" in pre and not _winner_with(doc, n)) or _in_baseline_paren(doc, n))):
        n.role = "baseline"  # "vs 81.8%", "outperforming Vim-B's 81.8%", "(GoogLeNet, 6.66%)"
    elif _names_ablation(low[n.pre_a:start]):
        n.role = "variant"  # "without the token mixer, accuracy falls to 79.1%": an ablation of the method


def _names_ablation(window: str) -> bool:
    """Does the window speak of an ablation ("w/o", "removing the", ...)?  (A loop: cheaper
    than ``any`` over a generator, per number.)"""
    for w in _ABLATION_WORDS:
        if w in window:
            return True
    return False


_WINNING = ("outperform", "surpass", "suppress", "beat", "exceed")
_WITH = (" with", " reaching", " achieving", " obtaining", " attaining", " scoring", " hitting")


def _winner_with(doc: Doc, n: Num) -> bool:
    """ "outperforming all previous models with 87.7%": after a verb of winning, the number the
    clause goes on to state with "with" / "reaching" is the winner's, not the beaten one's."""
    return (doc.low[max(n.pre_a, n.start - 24):n.start].rstrip(" $~").endswith(_WITH)
            and any(c[3] in _WINNING for c in doc.cues_in(n.pre_a, n.start, "cmp")))


def _quantity(low: str, n: Num, pre: dict) -> str | None:
    """'acc' or 'other': what n measures, named right after it, else the nearest quantity
    named before it in its clause ("the throughput by over 40%"); None when neither says."""
    after = F.quantity_after(low, n.uend, n.post_b)
    if after is not None:
        return after
    qty, kind, k = pre.get("qty"), pre.get("kind"), pre.get("k")
    if qty is None:
        return "acc" if kind is not None or k is not None else None
    if (kind is not None and kind[0] >= qty[0]) or (k is not None and k[0] >= qty[0]):
        return "acc"  # an accuracy word named after the quantity
    return qty[3]


# A window's setting: the first of these (semi-supervised fine-tuning is semi-supervised; a k-NN
# classifier on frozen features is `frozen`, not a linear probe).
SETTING_PRIORITY = ("semi_supervised", "few_shot", "zero_shot", "frozen", "linear_probe", "finetuned",
                    "from_scratch")
_SETTING_RANK = {s: i for i, s in enumerate(SETTING_PRIORITY)}


def best_setting(found: list[str] | set[str]) -> str | None:
    """The setting a window states when it names several (see SETTING_PRIORITY)."""
    return min(found, key=_SETTING_RANK.__getitem__) if found else None


def _in_baseline_paren(doc: Doc, n: Num) -> bool:
    """A number inside parentheses after a comparison ("surpassing human-level performance
    (5.1%)", "suppressing GhostNetV1 (74.5%)") or next to another model's name ("(GoogLeNet,
    6.66%)") is a baseline's."""
    text = doc.text
    p = text.rfind("(", n.far_a, n.start)
    if p < 0 or text.find(")", p, n.start) >= 0:
        return False
    seps = doc.cues_in(max(n.s0, p - 150), p, "sep")
    if doc.cues_in(seps[-1][1] if seps else max(n.s0, p - 150), p, "cmp"):
        return True
    toks = doc.tokens(n, p + 1, n.start)
    if toks and any(not (doc.own_name and t[3].startswith(doc.own_name)) for t in toks):
        return True
    before = doc.tokens(n, max(n.far_a, p - 60), p, baseline=True)  # "surpassing A (83.0%) and B (83.1%)"
    return bool(before) and before[-1][2] and not text[before[-1][1]:p].strip()


def _share(doc: Doc, nums: list[Num]) -> None:
    """Let numbers borrow what they lack from their neighbours.

    Ranges and from-to pairs ("by 4 to 6 pp", "31% ~ 37% FLOPs", "from 61.0% to 83.7%") share
    their metric and what they measure; lists ("82.8%, 84.2%, and 84.6% top-1 accuracy on
    ImageNet-1K", "by 4.0% and 3.6% respectively", "by 8.2% on CC12M and 2.4% on LAION-400M")
    take what they lack from the next number, and the first item's form holds for the rest;
    "83.9% / 96.6% top-5" makes the first top-1.
    """
    low = doc.low
    for n in nums:
        right = n.right
        if right is None or right.skip:
            if right is not None and right.skip in _SKIP_SPREADS:
                n.skip = right.skip
            continue
        if n.form == "from" and TO_GAP_RE.fullmatch(low, n.uend, right.start):  # "from 61.0% to 83.7%"
            right.form, right.role = "point", "proposed"  # ("... to 76.0% over X": a value, not a gain)
        else:  # a range ("by 4 to 6 pp"): what is said before the first and after the last holds for both
            form = F.combine(n.tail, right.post)
            n.form = right.form = form.kind or ("delta" if _in_points(low, right) else None)
            n.bound = right.bound = form.bound
        right.k, right.kind = right.k or n.k, right.kind or n.kind
        n.k, n.kind = n.k or right.k, n.kind or right.kind
        right.qual = right.qual or n.qual
        right.dataset, right.setting = right.dataset or n.dataset, right.setting or n.setting
        right.pre_a = min(right.pre_a, n.pre_a)
    if len(nums) < 2:
        return
    for n, nx in zip(reversed(nums[:-1]), reversed(nums[1:])):
        if n.skip or nx.skip or n.right is nx:
            continue
        gap = low[n.uend:nx.start]
        pure = LIST_SEP_RE.fullmatch(gap) or K_LIST_SEP_RE.fullmatch(gap)
        if not (pure or (n.form in ("delta", "drop") and PARALLEL_SEP_RE.fullmatch(gap))):
            continue
        if nx.chain and len(nx.chain) >= MAX_LIST:
            continue  # (hostile input: a real list is short)
        nx.chain = nx.chain or [nx]
        n.chain = nx.chain
        n.chain.insert(0, n)
        n.pure = nx.pure = nx.pure and bool(pure)
        if n.k is None:
            n.k = 1 if nx.k == 5 and "/" in gap else nx.k
        n.kind = n.kind or nx.kind
        n.qual = n.qual or nx.qual
        if n.post.kind is None and n.form is None and nx.form in ("delta", "drop") and LIST_SEP_RE.fullmatch(gap):
            n.form, n.bound = nx.form, n.bound or nx.bound  # "3.2% and 6.2% more accurate"
        if not n.kind_before:  # "mCE of 45.2, and 61.3% on ImageNet-R" is no list of one metric
            n.dataset, n.setting = n.dataset or nx.dataset, n.setting or nx.setting
    for n, nx in zip(nums, nums[1:]):  # "beats CLIP by 6.1% when pre-trained on X and 3.0% on Y"
        if (nx.form is None and nx.kind is None and not nx.skip and n.form in ("delta", "drop") and nx.chain is None
                and not low[nx.pre_a:nx.start].strip() and low[nx.pre_a - 4:nx.pre_a].strip() in ("and", ",", "or")):
            nx.form, nx.bound = n.form, nx.bound or n.bound
    for n in nums:
        chain = n.chain
        if not chain or chain[0] is not n:
            continue
        for member in chain[1:]:  # "by 4.0% and 3.6%": the first item's form holds for the rest
            if member.form is None and n.form in ("delta", "drop", "cmp"):
                member.form, member.bound, member.role = n.form, member.bound or n.bound, n.role
        last = chain[-1]
        sets = [c[3] for c in doc.cues_in(last.uend, min(last.s1, last.uend + 120), "ds")]
        if len(sets) == len(chain) and low.find("respectively", last.uend, min(last.s1, last.uend + 160)) >= 0:
            for member, ds in zip(chain, sets):  # "84.1% and 91.2% on ImageNet and CIFAR-100, respectively"
                member.dataset = ds
        # "top-1 and top-5 error rates of 37.5% and 17.0%": zip the top-k list
        for a, b in ((max(n.between_a, n.start - 80), n.start), (last.uend, min(last.s1, last.uend + 60))):
            ks = [int(k) for k in K_RE.findall(low, a, b)]
            if len(ks) == len(chain) and len(set(ks)) > 1:
                for member, k in zip(chain, ks):
                    member.k = k
