"""Vocabulary of :mod:`ingest.extract`: precompiled patterns, keyword cues, helpers.

How abstracts phrase ImageNet results lives here; the rules combining the
pieces live in ``extract.py``.

Speed and safety.  The abstract is scanned a fixed number of times, each by a
pattern that fails fast: numbers start with a digit, and all cue words
(metrics, datasets, settings, comparisons, extra data, clause separators) are
found by ONE keyword trie compiled into a regex (first-character dispatch,
anchored at word starts), each hit then classified by a short ``match`` at
that offset.  Case-insensitive matching runs on a lower-cased copy of the
abstract with the same offsets (IGNORECASE is several times slower in ``re``).
No pattern has nested quantifiers over overlapping classes; repetitions that
could run long are bounded, so hostile input stays linear.
"""

from __future__ import annotations

import functools
import re

HY = "[-\u2010-\u2015\u2212]"  # ASCII hyphen, unicode hyphens/dashes, minus sign
NUM = r"[0-9]{1,3}(?:\.[0-9]{1,4})?"  # a percentage-sized number: 0-999, <= 4 decimals
NUM_END = r"(?![0-9]|[.,][0-9])"  # not the prefix of a longer number or version string

# --- numbers (run on the lower-cased abstract) ------------------------------------------
# Numbers are found from their anchors, each a quick ``str.find`` loop: a percent sign
# (plain, LaTeX "\%", "$86.3\%$", "\,\%", fullwidth, "percent"), or a metric word with the
# number glued before it ("87.3 top-1 accuracy") or introduced after it ("accuracy of
# 84.4", "mCE of 45.2").  The number is then read with a short regex next to the anchor.
PERCENT_ANCHORS = ("%", "\uff05", "percent", "per cent")
METRIC_ANCHORS = ("acc", "err", "mce", "top")
# The number ending right before an anchor; the look-behind keeps "1.1.1" and "123.4" whole.
NUMBER_BEFORE_RE = re.compile(r"(?<![0-9.,])(" + NUM + r")[\s~$]{0,3}(?:\\[,;:! ])?[\s~$]{0,3}[\\(]?$")
NOT_BEFORE_NUMBER = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-\u2010\u2011\u2012\u2013\u2014\u2015\u2212")
METRIC_NUMBER_RE = re.compile(
    r"(?:accuracy|acc\.|errors?(?:\s+rates?)?|err\b|mce\b|top" + HY + r"?\s?[15])"
    r"\s{0,3}(?:of|is|=|:|at|to|from|reaches|reaching|was)?\s{0,3}\$?\s{0,2}"
    r"(" + NUM + ")" + NUM_END + r"(?!\s{0,2}(?:[mbk]\b|x\b|\u00d7|layers|images|classes|epochs|ms\b|fps))"
)
# "90.0 fine-tuning top-1 accuracy", "80.4 zero-shot top-1": a bare number, then a
# setting word or two, then the metric anchor.
GLUED_THROUGH_RE = re.compile(
    r"(?<![0-9.,])(" + NUM + r")\s{1,2}(?:(?:zero" + HY + r"?\s?shot|few" + HY + r"?\s?shot|fine" + HY
    + r"?\s?tun(?:ing|ed)|finetun(?:ing|ed)|linear(?:" + HY + r"?\s?prob(?:e|ing))?|single" + HY + r"?\s?crop"
    r"|center" + HY + r"?\s?crop|imagenet(?:" + HY + r"?1k)?|in" + HY + r"?1k)\s{1,2}){1,2}$"
)
# "79.1/94.4% top-1/top-5": the bare left number of a slash pair.
SLASH_LEFT_RE = re.compile(r"(?<![0-9.,])(" + NUM + r")\s?/\s?$")
TO_NUMBER_RE = re.compile(r"\s{0,3}to\s{1,3}\$?(" + NUM + ")" + NUM_END + r"(\s{0,2}\\?%)?")

# --- sentences (run on the original abstract: capitals matter) ---------------------------
# A sentence ends at ".", "!" or "?" (maybe closing a quote or bracket) before white space and
# a capital, digit or opening bracket (checked in Python), or at a blank line.
SENT_END_RE = re.compile(r"[.!?][\"'\u201d\u2019)\]]{0,3}\s")
PARAGRAPH_RE = re.compile(r"\n[ \t]*\n")
SENT_START_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789([\"\u201c")
ABBREVIATIONS = ("e.g", "i.e", "et al", " vs", "(vs", " cf", "(cf", "fig", " eq", "approx", "resp", " no", " ref")

# --- per-number context (lower-cased abstract unless noted) -----------------------------
# Right after the number: a difference or a share, not an accuracy.
DELTA_POST_RE = re.compile(
    r"\s{0,3}(?:\\?%|\uff05|percent)?\s{0,3}\)?\s{0,2}(?:points?\b|pts?\b|pp\b|p\.p\.|relative|absolute|higher"
    r"|lower|better|worse|more\b|less\b|fewer|faster|slower|smaller|larger|gains?\b|boost|improvement|increase"
    r"|decrease|reduction|drop|margin|speed" + HY + r"?up|of\b|sparsity|compression|masking|mask\b|overlap"
    r"|labels?\b|labell?ed|annotat|data\b|training\s+data)"
)
# Right before the number: a delta ("by 2.3", "gain of 1.2", "+1.2"), a bound ("than 80%",
# "over 90%"), the start of a change ("from 61.0% to"), or a baseline ("vs 81.8%").  Read
# word by word from the end (cheaper than an end-anchored regex search).
_FILLERS = frozenset("a an about around roughly nearly almost approximately ~ relative absolute large"
                     " significant remarkable".split())
_DELTA_NOUNS = frozenset(w + s for w in ("improvement", "gain", "boost", "increase", "margin", "drop",
                                          "decrease", "reduction", "degradation", "difference", "gap")
                         for s in ("", "s"))
_BOUND_WORDS = frozenset("than within over above below under beyond exceeding".split())


def tail_kind(tail: str) -> str | None:
    """'delta' | 'bound' | 'from' | 'cmp' | None for the text right before a number."""
    t = tail.rstrip(" $\t\n")
    if not t:
        return None
    if t.endswith(("absolute", "relative")):
        return "delta"  # "(absolute 7.8%)", "a relative 30%'
    if t[-1] in "+\u00b1" or (t[-1] in "-\u2212" and (len(t) < 2 or not (t[-2].isalnum() or t[-2] == ")"))):
        return "delta"
    words = t.replace("~", " ~ ").replace("(", " ").split()[-8:]
    while words and (words[-1] in _FILLERS or (words[-1] == "to" and words[-2:-1] == ["up"])):
        if words.pop() == "to":
            words.pop()  # "by up to 3%"
    if not words:
        return None
    last, prev = words[-1], (words[-2] if len(words) > 1 else "")
    if last == "by" or (last == "of" and prev in _DELTA_NOUNS):
        return "delta"
    if last in _BOUND_WORDS or (last == "least" and prev == "at"):
        return "bound"
    if last == "from":
        return "from"
    if last in ("vs", "vs.", "versus", "against") or (last in ("to", "with") and prev in ("compared", "relative")):
        return "cmp"
    return None


# Another metric named right after / before the number (original case: "IS", "AP" are
# acronyms, while "is" and "map" are words).
NON_METRIC = (
    r"(?:m?AP(?:50|75|_?[bmslSML]|\^?(?:box|mask))?|mIoU|IoU|FID|IS|BLEU|PSNR|SSIM|CIDEr|PQ|NDCG|AUC|AUROC|AUPR"
    r"|FPR\d*|mFR|WER|F1|GFLOPs|FLOPs?|MACs|fps|(?i:box\s+AP|mask\s+AP|recall|precision|mean\s+flip\s+rate"
    r"|sparsity|throughput|latency|speed" + HY + r"?ups?|memory|energy|bits?/dim))"
)
NON_POST_RE = re.compile(r"\s{0,3}(?:\\?%|percent)?\s{0,3}\)?\s{0,2}(?:(?i:top" + HY + r"?1|average|mean)\s+)?"
                         + NON_METRIC + r"(?![A-Za-z])")
NON_PRE_RE = re.compile(r"(?<![A-Za-z])" + NON_METRIC + r"(?![A-Za-z])")
APPROX_WORDS = (" about", " around", " roughly", " nearly", " almost", " approximately", "~")
ACHIEVE_RE = re.compile(r"\b(?:achiev|attain|obtain|reach|get|gets|got|yield|set|score|hit|record|deliver"
                        r"|accura|perform|match)")
# Text between two numbers that makes them one list ("82.8%, 84.2%, and 84.6% top-1"), also
# when the left one carries its own top-k ("84.4% top-1 / 97.1% top-5 accuracy").
LIST_SEP_RE = re.compile(r"[\s,/&;]*(?:(?:and|or)\b[\s,/&;]*)?")
K_LIST_SEP_RE = re.compile(
    r"\s{0,3}\(?top" + HY + r"?\s?[15]\)?(?:\s{1,3}acc\w*)?[\s,/&;]*(?:(?:and|or)\b[\s,/&;]*)?"
)
TO_GAP_RE = re.compile(r"\s*to\s*")
IN1K_RE = re.compile(r"\bin" + HY + r"?(?:1|21|22)k\b")


def mentions_imagenet(low: str) -> bool:
    """Cheap test that an ImageNet-family dataset is named at all."""
    return "imagenet" in low or "lsvrc" in low or (("1k" in low or "2k" in low) and IN1K_RE.search(low) is not None)


LABEL_KINDS = frozenset({"k", "kind", "ds"})  # a ":" right after these is a label ("top-5: 98.0%")

# --- keyword cues ------------------------------------------------------------------------
# Every cue word, lower-case.  A hit is classified by `read_cue`; words whose handler
# needs more text ("fine" -> "fine-tuned") are checked there.
_SEPARATORS = "and while whereas but which whilst"
_DATASET_WORDS = (
    "imagenet ilsvrc lsvrc in-1k in1k in-21k in21k in-22k in22k mini-imagenet miniimagenet mini_imagenet"
    " tiered-imagenet tieredimagenet tiny-imagenet tinyimagenet cifar coco mscoco ms-coco ade20k ade-20k"
    " cityscapes pascal voc lvis kinetics places inaturalist objectnet flowers oxford food-101 svhn mnist"
    " stl-10 vtab caltech sun397 flickr30k msr-vtt nocaps something-something ssv2 moments-in-time glue"
    " squad wmt librispeech dtd cub real"
)
# ("semi-supervised" alone names a method, often with all labels: the setting comes from a
# label fraction, "1% of the labels", read at the percent sign.)
_SETTING_WORDS = "zero few one-shot shot per linear frozen fine finetun scratch"
_COMPARE_WORDS = ("than vs versus outperform surpass beat exceed compared unlike against previous prior"
                  " baseline human relative winner winning above below")
_EXTRA_WORDS = ("jft ig- instagram laion yfcc webimagetext datacomp coyo webli cc3m cc12m web weak weakly"
                " extra external additional alt-text alt large images pairs photos samples without only")
_METRIC_WORDS = "top acc err mce corruption"
PREFIX_WORDS = frozenset(  # may continue with more letters ("outperforms", "annotations")
    "outperform surpass exceed beat previous baseline human fine finetun pretrain pre"
    " kinetics places flowers lvis inaturalist cifar caltech wmt transfer weak".split()
)
CASED = {"real": "ReaL", "places": "P", "flowers": "F", "glue": "GLUE", "cub": "CUB"}  # need these capitals


def _trie_regex(words: list[str]) -> str:
    """Alternation of `words` as a trie: one first-character test per position."""
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        alts = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie)


_KEYWORDS = sorted({w.replace("_", " ") for w in " ".join(  # "_" joins multi-word keywords
    (_SEPARATORS, _DATASET_WORDS, _SETTING_WORDS, _COMPARE_WORDS, _EXTRA_WORDS, _METRIC_WORDS)).split()})
CUE_RE = re.compile(r"[,;:%]|(?<![a-z0-9])" + _trie_regex(_KEYWORDS))
# "pre-training ... fine-tuning" framing, found abstract-wide by `find_cues`:
# (text to find, cue keyword it starts)
FRAMING_KEYWORDS = (("pre-train", "pre"), ("pretrain", "pre"), ("pre train", "pre"), ("fine-tun", "fine"),
                    ("finetun", "fine"), ("fine tun", "fine"), ("transfer", "transfer"))

# Refinements, matched at the cue's offset in the lower-cased text.
K_RE = re.compile(r"top" + HY + r"?\s?([15])(?![0-9a-z])")
ACC_RE = re.compile(r"acc(?:uracy|uracies|\.)?(?![a-z])")
ERR_RE = re.compile(r"err(?:or|ors|\.)?(?![a-z])")
MCE_RE = re.compile(r"mce(?![a-z])|corruption\s+errors?")
IMAGENET_RE = re.compile(r"imagenet(?:(?:" + HY + r"|\s)?(?P<a>v2|sketch|1k|21k|22k|5k|2012)(?![a-z0-9])"
                         r"|" + HY + r"?(?P<b>real|a|r|c|o|p|lt)(?![a-z0-9]))?")
ILSVRC_RE = re.compile(r"i?lsvrc(?:" + HY + r"?\s?'?[0-9]{2,4})?")
ONLY_AFTER_RE = re.compile(r"(?:" + HY + r"?1k)?(?:\s+data)?\s+only\b")
ZERO_RE = re.compile(r"zero" + HY + r"?\s?shot")
FEW_RE = re.compile(r"few" + HY + r"?\s?shot")
SHOT_BEFORE_RE = re.compile(r"[0-9]" + HY + r"?\s?$")
PER_CLASS_RE = re.compile(r"per\s+class")
PER_CLASS_BEFORE_RE = re.compile(r"(?:[0-9]+|one|two|five|ten|a\s+few)\s+(?:labell?ed\s+)?"
                                 r"(?:examples?|images?|samples?|shots?)\s+$")
LINEAR_RE = re.compile(r"linear" + HY + r"?\s?(?:prob|eval|classif|protocol|head|readout)")
FROZEN_RE = re.compile(r"frozen\s+(?:[a-z]+\s+)?(?:encoder|features?|backbone|representations?|weights|trunk"
                       r"|model|image\s+encoder)")
FINETUNE_RE = re.compile(r"fine" + HY + r"?\s?tun|finetun")
NEGATED_RE = re.compile(r"\b(?:without|no|w/o)\s+(?:any\s+)?$")
SCRATCH_BEFORE_RE = re.compile(r"from\s+$")
WITHOUT_PRETRAIN_RE = re.compile(r"without\s+(?:any\s+)?pre" + HY + r"?\s?train")
# After a percent sign: a label fraction ("1% of the labels", "10% of ImageNet").
LABEL_FRACTION_RE = re.compile(
    r"%\s{0,2}(?:of\s+)?(?:the\s+)?(?:(?:[a-z0-9\-]+\s+){0,2}?(?:labels?|labell?ed|annotations?)\b"
    r"|of\s+(?:the\s+)?(?:imagenet|ilsvrc|in" + HY + r"?1k|training\s+(?:data|set|images)))"
)
RELATIVE_TO_RE = re.compile(r"relative\s+to\b")
WINNING_RE = re.compile(r"winning\s+entr")
EXTRA_NAMED_RE = re.compile(  # on the original text, for the corpus name as written
    r"(?i:JFT(?:" + HY + r"[0-9]+[MB])?|IG" + HY + r"[0-9]+(?:\.[0-9]+)?[MB]|Instagram(?:" + HY
    + r"[0-9]+(?:\.[0-9]+)?[MB])?|LAION(?:" + HY + r"[0-9]+[MBK]?)?|YFCC[0-9]*[MB]?|WebImageText"
    r"|DataComp(?:" + HY + r"[0-9]+[MB])?|COYO(?:" + HY + r"[0-9]+[MB])?|WebLI|CC[0-9]+M)(?![A-Za-z])"
)
DIGIT_RE = re.compile(r"[0-9]")
CLAUSE_END_RE = re.compile(r"[.;!?](?:\s|$)")
EXTRA_ANY_RE = re.compile(r"jft|ig-|instagram|laion|yfcc|webimagetext|datacomp|coyo|webli|cc[0-9]|web|weak|extra"
                          r"|external|additional|alt|large")
NO_EXTRA_RE = re.compile(r"\b(?:without|no|w/o)\s+(?:any\s+)?(?:extra|external|additional)\s")
EXTRA_WORD_RE = re.compile(
    r"web" + HY + r"?\s?scale|weakly" + HY + r"?\s?(?:supervised|labell?ed)|weak\s+supervision"
    r"|(?:extra|external|additional)\s+(?:training\s+)?data|alt" + HY + r"?text"
    r"|large(?:" + HY + r"?scale)?\s+(?:supervised\s+)?datasets"
)
# "... 940 million 224x224 images", "1.5B weakly supervised image and text pairs": only
# >= 100M images/pairs count (ImageNet-1K has 1.28M images, ImageNet-21K 14M).
BIG_DATA_BEFORE_RE = re.compile(
    r"(?:[0-9]{3,}(?:\.[0-9]+)?\s{0,2}(?:m|million)|[0-9]+(?:\.[0-9]+)?\s{0,2}(?:b|billion))"
    r"\s+(?:[a-z0-9(),\-]+\s+){0,5}$"
)
# Ends before the dataset name so that it is still read as a dataset mention.
ONLY_IMAGENET_RE = re.compile(r"only\s+(?:on\s+|using\s+|use\s+)?(?:the\s+)?(?=imagenet|ilsvrc|in" + HY + r"?1k)")
PRETRAIN_RE = re.compile(r"pre" + HY + r"?\s?train")
TRANSFER_RE = re.compile(r"transferr?(?:ed|ing)?\s+to\b")
PRETRAIN_ROLE_BEFORE_RE = re.compile(
    r"pre" + HY + r"?\s?train[^.;]{0,40}\b(?:on|with|using|from)\s+(?:[a-z]+\s+){0,2}$")
PRETRAIN_ROLE_AFTER_RE = re.compile(r"\s?" + HY + r"?\s?pre" + HY + r"?\s?train")
SETTING_PRIORITY = ("semi_supervised", "few_shot", "zero_shot", "linear_probe", "finetuned", "from_scratch")
DATASET_IDS = {
    "imagenet": "imagenet-1k", "1k": "imagenet-1k", "2012": "imagenet-1k", "in-1k": "imagenet-1k",
    "in1k": "imagenet-1k", "v2": "imagenet-v2", "real": "imagenet-real", "sketch": "imagenet-sketch",
    "a": "imagenet-a", "r": "imagenet-r", "c": "imagenet-c", "21k": "imagenet-21k", "22k": "imagenet-21k",
    "in-21k": "imagenet-21k", "in21k": "imagenet-21k", "in-22k": "imagenet-21k", "in22k": "imagenet-21k",
}


def read_cue(low: str, text: str, s: int, e: int) -> tuple | None:
    """Classify the keyword low[s:e] found by CUE_RE.

    Returns (end, family, value) or None.  Families: sep, k, kind, ds, set, cmp,
    xnamed (extra data, named), xun (extra data, unnamed), xneg (no extra data),
    pre (pre-training mentioned), xfer ("transferred to").
    """
    w = low[s:e]
    nxt = low[e:e + 1]
    if w in ",;:":
        return e, "sep", w
    if w not in PREFIX_WORDS and nxt.isalpha() and w not in ("top", "acc", "err", "imagenet", "ig-", "alt"):
        return None  # a longer word: "android", "thanks", "topology"
    if w in _SEP_SET:
        return e, "sep", w
    if w == "top":
        m = K_RE.match(low, s)
        return (m.end(), "k", int(m.group(1))) if m else None
    if w in ("acc", "err", "mce", "corruption"):
        m = (ACC_RE if w == "acc" else ERR_RE if w == "err" else MCE_RE).match(low, s)
        return (m.end(), "kind", "mce" if w in ("mce", "corruption") else w) if m else None
    if w in _DATASET_SET or w.startswith(("imagenet", "in-2", "in2")):
        return _read_dataset(low, text, s, e, w)
    if w in _SETTING_SET or w == "without":
        return _read_setting(low, s, e, w)
    if w in _COMPARE_SET:
        if (w == "relative" and not RELATIVE_TO_RE.match(low, s)) or (w == "winning" and not WINNING_RE.match(low, s)):
            return None
        return e, "cmp", w
    return _read_extra(low, text, s, e, w)


def _read_dataset(low: str, text: str, s: int, e: int, w: str) -> tuple | None:
    if w in CASED and not text[s:e].startswith(CASED[w]):
        return None  # "real images", "in places" are not ReaL / Places
    if w.startswith("imagenet"):
        m = IMAGENET_RE.match(low, s)
        e, key = m.end(), m.group("a") or m.group("b") or "imagenet"
        ds = DATASET_IDS.get(key, "other:imagenet-" + key)
    elif w in ("ilsvrc", "lsvrc"):
        e, ds = ILSVRC_RE.match(low, s).end(), "imagenet-1k"
    else:
        ds = DATASET_IDS.get(w, "other:" + w)
    if ds == "imagenet-21k" and (PRETRAIN_ROLE_BEFORE_RE.search(low, max(0, s - 60), s)
                                 or PRETRAIN_ROLE_AFTER_RE.match(low, e)):
        return e, "xnamed", text[s:e]  # "pre-trained on ImageNet-22K": extra data, not the test set
    if ds == "imagenet-1k" and ONLY_AFTER_RE.match(low, e):
        return e, "xneg", "only"  # "trained on ImageNet only"
    return e, "ds", ds


def _read_setting(low: str, s: int, e: int, w: str) -> tuple | None:
    name = None
    if (w == "zero" and ZERO_RE.match(low, s)) or w == "one-shot":
        name = "zero_shot" if w == "zero" else "few_shot"
    elif (w == "few" and FEW_RE.match(low, s)) or (w == "shot" and SHOT_BEFORE_RE.search(low, max(0, s - 6), s)):
        name = "few_shot"  # "few-shot", "10-shot"
    elif w == "per" and PER_CLASS_RE.match(low, s) and PER_CLASS_BEFORE_RE.search(low, max(0, s - 40), s):
        name = "few_shot"  # "10 examples per class"
    elif (w == "linear" and LINEAR_RE.match(low, s)) or (w == "frozen" and FROZEN_RE.match(low, s)):
        name = "linear_probe"
    elif w in ("fine", "finetun") and FINETUNE_RE.match(low, s):
        if not NEGATED_RE.search(low, max(0, s - 20), s):  # "without fine-tuning" is no setting
            name = "finetuned"
    elif (w == "scratch" and SCRATCH_BEFORE_RE.search(low, max(0, s - 8), s)) or (
            w == "without" and WITHOUT_PRETRAIN_RE.match(low, s)):
        name = "from_scratch"
    return (e, "set", name) if name else None


def _read_extra(low: str, text: str, s: int, e: int, w: str) -> tuple | None:
    if w in ("extra", "external", "additional", "web", "weak", "weakly", "alt", "alt-text", "large"):
        m = EXTRA_WORD_RE.match(low, s)
        if not m:
            return None
        negated = w in ("extra", "external", "additional") and NEGATED_RE.search(low, max(0, s - 20), s)
        return (m.end(), "xneg", w) if negated else (m.end(), "xun", True)
    if w in ("images", "pairs", "photos", "samples"):  # "940 million images" (digits first: cheap test)
        big = DIGIT_RE.search(low, max(0, s - 90), s) and BIG_DATA_BEFORE_RE.search(low, max(0, s - 90), s)
        return (e, "xun", True) if big else None
    if w == "only":
        m = ONLY_IMAGENET_RE.match(low, s)
        return (m.end(), "xneg", "only") if m else None
    if w in ("pre", "pretrain"):
        return (e, "pre", True) if PRETRAIN_RE.match(low, s) else None
    if w == "transfer":
        return (e, "xfer", True) if TRANSFER_RE.match(low, s) else None
    m = EXTRA_NAMED_RE.match(text, s)
    return (m.end(), "xnamed", m.group()) if m else None


def find_cues(low: str, text: str, words: tuple, limit: int = 200) -> list:
    """Cues at word-start occurrences of a few rare `words` anywhere in the text, in order.
    For abstract-wide facts a handful of ``str.find`` loops beats any regex scan."""
    hits: list = []
    for w, key in words:
        i = low.find(w)
        while i >= 0 and len(hits) < limit:
            if not i or not low[i - 1].isalnum():
                hits.append((i, -len(key), key))
            i = low.find(w, i + 1)
    out, taken = [], set()
    for i, _, w in sorted(hits):
        if i not in taken:
            cue = read_cue(low, text, i, i + len(w))
            if cue:
                taken.add(i)
                out.append((i,) + cue)
    return out


def scan_cues(low: str, text: str, a: int, b: int, rx: re.Pattern = CUE_RE, limit: int = 20000) -> list:
    """Cues (start, end, family, value) in [a, b), in order, non-overlapping."""
    out, last = [], a
    for i, m in enumerate(rx.finditer(low, a, b)):
        if i >= limit:
            break
        s, e = m.span()
        if s < last:
            continue
        w = m.group()
        if w == "%":  # "1% of the labels": a label fraction (the cue ends at "%": "ImageNet" is read next)
            if LABEL_FRACTION_RE.match(low, s):
                out.append((s, e, "set", "semi_supervised"))
            continue
        if w in _SEP_SET or w in ",;:":  # the commonest cue, inlined: a clause separator
            if w in ",;:" or not low[e:e + 1].isalpha():
                out.append((s, e, "sep", w))
            continue
        cue = read_cue(low, text, s, e)
        if cue:
            out.append((s,) + cue)
            last = cue[0]
    return out


def last_dataset(low: str, text: str, a: int, b: int) -> str | None:
    """The last dataset named in [a, b): find the last ImageNet-family mention by reverse
    search, then let any other dataset named after it win ("... on CIFAR-10.")."""
    last = max(low.rfind(w, a, b) for w in ("imagenet", "ilsvrc", "in-1k", "in1k"))
    if last < 0:
        return None  # whatever it is, it is not ImageNet
    found = [c[3] for c in scan_cues(low, text, last, b, limit=200) if c[2] == "ds"]
    return found[-1] if found else None


def extra_after(low: str, text: str, a: int, b: int) -> str | bool | None:
    """Extra pre-training data stated in [a, b) right after a model's name ("ViT-G
    pre-trained on JFT", "CoCa is pretrained on web-scale alt-text data")."""
    end = min(b, a + 160)
    stop = CLAUSE_END_RE.search(low, a, end)
    end = stop.start() if stop else end
    if not EXTRA_ANY_RE.search(low, a, end):
        return None  # the common case: one quick scan
    cmp = TOKEN_COMPARE_RE.search(low, a, end)
    end = cmp.start() if cmp else end  # "X outperforms Y pre-trained on JFT": Y's data
    if ONLY_IMAGENET_RE.search(low, a, end) or NO_EXTRA_RE.search(low, a, end):
        return None
    named = EXTRA_NAMED_RE.search(text, a, end)
    if named:
        return named.group()
    return True if EXTRA_WORD_RE.search(low, a, end) else None


_SEP_SET = frozenset(_SEPARATORS.split())
_DATASET_SET = frozenset(w.replace("_", " ") for w in _DATASET_WORDS.split())
_SETTING_SET = frozenset(_SETTING_WORDS.split())
_COMPARE_SET = frozenset(_COMPARE_WORDS.split())

# --- model names (original text: capitals matter) ----------------------------------------
# Capital-first so the scan skips lower-case text fast; `scan_tokens` drops tokens glued
# to a preceding word character or hyphen.
TOKEN_RE = re.compile(r"[A-Z][A-Za-z0-9]*(?:[-/.][A-Za-z0-9]+)*")
TOKEN_CONT_RE = re.compile(r" (?:V\d+|v\d+|\d+x\d+d|Transformers?|Networks?|Nets?)\b")
# Comparison words before a model name; "over" only counts here ("2.3% over ResNet-50").
TOKEN_COMPARE_RE = re.compile(  # on the lower-cased text
    r"\b(?:than|vs\.?|versus|outperform\w*|surpass\w*|beat(?:s|ing)?|exceed\w*|compared|unlike|against"
    r"|previous(?:ly)?|prior|baselines?|humans?|relative\s+to|winner|winning\s+entry|over|match\w*)\b")
CLAUSE_RE = re.compile(r"[,;:]|\b(?:and|while|whereas|but|which|whilst)\b")
LIST_GAP_RE = re.compile(r"[\s,]*(?:(?:and|or|the|a|an)\b[\s,]*){0,3}")
SIZE_MODEL_RE = re.compile(
    r"(?<![-\w])(?P<size>Atto|Femto|Pico|Nano|Tiny|Small|Base|Large|Huge|Giant|Gigantic|Enormous|XL|XXL|[HLGBST])"
    r"\s+(?:model|variant|version|network)\b"
)
WITH_MODEL_RE = re.compile(r"\b(?:with|using|for)\s+(?:(?:a|an|the|our|single|vanilla|standard|plain)\s+){0,3}")
PARAMS_RE = re.compile(
    r"(?<![\w.])([0-9]+(?:\.[0-9]+)?)\s?" + HY + r"?\s?(k|m|b|million|billion)\b\s?" + HY + r"?\s?"
    r"(?:param(?:eter)?s?\b|(?:[a-z]\w*\s+)?(?:model|network|variant)\b)"
)
# "28.3M, 49.7M, and 87.9M parameters": a list of counts, zipped with a list of results.
PARAM_LIST_RE = re.compile(
    r"((?:[0-9]+(?:\.[0-9]+)?\s?(?:k|m|b|million|billion)\b(?:\s?,\s?(?:and\s+)?|\s+and\s+)?){2,12})\s?param"
)
PARAM_NUMBER_RE = re.compile(r"(?<![\w.])([0-9]+(?:\.[0-9]+)?)\s?(k|m|b|million|billion)\b")
MULTIPLIER = {"k": 10**3, "m": 10**6, "million": 10**6, "b": 10**9, "billion": 10**9}
SUBJECT_RE = re.compile(
    r"\b(?i:an?|the|our|these|this)\s+((?:[a-z][\w\-]*\s+){0,5}?[a-z][\w\-]*)\s+"
    r"(?:achieves?|attains?|obtains?|reach(?:es)?|gets?|yields?|sets?|scores?|hits?)\b"
)
GENERIC_SUBJECTS = frozenset("model method approach network framework system architecture".split())
PAREN_STRIP_RE = re.compile(r"\([^()]{0,80}\)")
# Own-model definitions: "we introduce DaViT", "presents Contrastive Captioner (CoCa)".
DEFINE_RE = re.compile(
    r"(?:we\s+(?:propose|introduce|present|call|term|dub|name|launch|develop)\w*"
    r"|(?:paper|work|report)\s+(?:presents|introduces|proposes|describes)|called|named|dubbed|termed|coined)"
    r"\s+(?:(?:it|them|this|a|an|the|new|novel|simple|family\s+of|series\s+of)\s+){0,4}"
)
ACRONYM_RE = re.compile(r"\(\s?([A-Za-z][A-Za-z0-9]*(?:[-/][A-Za-z0-9]+)*)\s?\)")
CAP_PHRASE_RE = re.compile(r"[A-Z][\w\-]*(?: [A-Z][\w\-]*){0,2}")

# Capitalised tokens that are datasets, venues, hardware or generic acronyms, never models.
NOT_MODELS = frozenset(
    """imagenet ilsvrc cifar coco mscoco ade20k vtab jft laion yfcc voc pascal lvis kinetics places
    inaturalist objectnet svhn mnist flickr30k msr-vtt nocaps vqa nlvr2 snli-ve glue squad wmt real
    cnn cnns dnn dnns rnn lstm gan gans nlp cv sota mlp mlps gpu gpus tpu tpus api url http https
    flops gflops macs ap map iou miou fid is bleu rgb ocr ai ml dl rl ssl mim iccv cvpr eccv neurips
    icml iclr tpami aaai arxiv github code top top-1 top-5 se ii iii iv vi mce fps vit-based
    in-1k in-21k in-22k ig instagram pytorch tensorflow jax keras cuda lsvrc""".split()
)
NOT_MODEL_PREFIXES = ("imagenet", "ilsvrc", "cifar", "coco", "kinetics", "jft", "laion", "ig-", "top-",
                      "voc", "ade", "in-", "yfcc", "places", "caltech", "food", "stl-", "sun-", "msr-",
                      "lvis", "nlvr", "snli", "vqa", "flickr", "lsvrc", "ms-coco")
SIZE_SUFFIX = re.compile(r"[-/](?:\d|[A-Z]|Tiny|Small|Base|Large|Huge|Giant)")
_CAMEL_RE = re.compile(r"[a-z][A-Z]")


@functools.lru_cache(maxsize=4096)
def is_model_token(tok: str) -> bool:
    """Does a capitalised token look like a model name ("DaViT", "ViT-G/14", "MAE")?"""
    low = tok.lower()
    if len(tok) < 2 or low in NOT_MODELS or low.startswith(NOT_MODEL_PREFIXES):
        return False
    if _CAMEL_RE.search(tok):  # camel case: CoCa, ResNet, ConvNeXt, iGPT
        return True
    if not tok[0].isupper():
        return False
    if any(c.isdigit() for c in tok) or SIZE_SUFFIX.search(tok):  # GPT-3, Swin-L, BASIC-L
        return True
    # acronyms and capitalised acronyms: MAE, CLIP, EVA, NASNet (stop-listed ones excluded)
    return tok.replace("-", "").isupper() or sum(c.isupper() for c in tok) >= 2


def scan_tokens(text: str, low: str, a: int, b: int) -> list[tuple]:
    """Model-like tokens in text[a:b] as (start, end, is_baseline, name).

    A token is a baseline when a comparison word precedes it in the same clause
    ("outperforming X", "vs X", "over X") or it continues such a list
    ("than CLIP, ALIGN and BASIC").
    """
    out, last_end, in_cmp = [], a, False
    for m in TOKEN_RE.finditer(text, a, b):
        tok = m.group()
        if (m.start() and (text[m.start() - 1].isalnum() or text[m.start() - 1] in "_-")) \
                or not is_model_token(tok):
            continue
        cont = TOKEN_CONT_RE.match(text, m.end(), b)  # "ConvNeXt V2", "ResNeXt-101 32x48d"
        end = cont.end() if cont else m.end()
        gap = low[last_end:m.start()]
        cmp = None
        for cmp in TOKEN_COMPARE_RE.finditer(gap):
            pass
        if cmp is not None:
            in_cmp = CLAUSE_RE.search(gap, cmp.end()) is None
        else:
            in_cmp = in_cmp and LIST_GAP_RE.fullmatch(gap) is not None
        out.append((m.start(), end, in_cmp, text[m.start():end]))
        last_end = end
    return out


def title_name(title: str) -> str | None:
    """Own model named by the title: "CoCa: Contrastive ..." -> "CoCa",
    "Big Transfer (BiT): ..." -> "BiT", "Squeeze-and-Excitation Networks" -> itself."""
    head, colon, _ = title.partition(":")
    if colon and len(head) <= 60:
        head = head.strip()
        acr = ACRONYM_RE.search(head)
        if acr and is_model_token(acr.group(1)):
            return acr.group(1)
        words = head.split()
        if 1 <= len(words) <= 4 and (len(words) <= 3 or any(is_model_token(w) for w in words)):
            return head
    words = title.split()
    if 1 <= len(words) <= 3 and any(is_model_token(w) or ("-" in w and w[0].isupper()) for w in words):
        return title.strip()
    return None


def defined_name(text: str, low: str) -> str | None:
    """Own model defined in the abstract: "we introduce Dual Attention Vision
    Transformers (DaViT)" -> "DaViT"; "This paper presents SimCLR: ..." -> "SimCLR"."""
    for i, m in enumerate(DEFINE_RE.finditer(low, 0, 4000)):
        if i > 20:
            break
        seg = text[m.end():m.end() + 100].split(". ")[0]
        acr = ACRONYM_RE.search(seg)
        if acr and is_model_token(acr.group(1)):
            return acr.group(1)
        tok = TOKEN_RE.match(seg)
        if tok and is_model_token(tok.group()):
            return tok.group()
        cap = CAP_PHRASE_RE.match(seg)
        if cap and not cap.group().lower().startswith(NOT_MODEL_PREFIXES):
            return cap.group()
    return None
