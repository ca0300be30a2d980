"""Vocabulary of :mod:`ingest.extract`: precompiled patterns, keyword cues, text readers.

How abstracts phrase ImageNet results lives here, as patterns and as small functions that
read a span of text (`scan_cues`, `tail_kind`, `frames_transfer`, ...); the rules combining
what they read live in ``extract.py`` and ``extract_claim.py``.

Speed and safety.  Each scan is one pattern that fails fast: numbers are found from their
anchors with ``str.find``; all cue words (metrics, datasets, settings, comparisons, extra
data, clause separators) are found by ONE keyword trie compiled into a regex, anchored at
word starts, each hit then classified by a short ``match`` at its offset.  ``re`` only
skips ahead quickly (in C, like ``str.find``) when a pattern starts with a literal; a
leading character class is much slower and a leading look-behind slower still, so
patterns start with a literal or a digit where they can, look-behinds come after the
first character, and cheap exact pre-tests (substrings, first-letter look-aheads) run
before patterns that would fail anyway.  Case-insensitive matching runs on a lower-cased
copy of the abstract with the same offsets (IGNORECASE is several times slower).  No
pattern has nested quantifiers over overlapping classes, and repetitions that could run
long are bounded, so hostile input stays linear.
"""

from __future__ import annotations

import re
from itertools import islice

HY = "[-\u2010-\u2015\u2212]"  # ASCII hyphen, unicode hyphens/dashes, minus sign
NUM = r"[0-9]{1,3}(?:\.[0-9]{1,4})?"  # a percentage-sized number: 0-999, <= 4 decimals
NUM_END = r"(?![0-9]|[.,][0-9])"  # not the prefix of a longer number or version string
# NUM, not the tail of a longer number or version string ("1.1.1", "123.4").  The look-behind
# comes after the first digit so that the pattern starts with a digit class: ``re`` then only
# tries the few digits of a window instead of every position.
WHOLE_NUM = r"[0-9](?<![0-9.,][0-9])[0-9]{0,2}(?:\.[0-9]{1,4})?"

# --- numbers (run on the lower-cased abstract) ------------------------------------------
# Numbers are found from their anchors, each a quick ``str.find`` loop: a percent sign
# (plain, LaTeX "\%", "$86.3\%$", "\,\%", fullwidth, "percent"), or a metric word with the
# number glued before it ("87.3 top-1 accuracy") or introduced after it ("accuracy of
# 84.4", "mCE of 45.2").  The number is then read with a short regex next to the anchor.
PERCENT_ANCHORS = ("%", "\uff05", "percent", "per cent")
PERCENT_WORD_RE = re.compile(r"per(?:cent| cent)")  # both spelled-out anchors
METRIC_ANCHORS = ("acc", "err", "mce", "top")
# The number ending right before an anchor; the look-behind keeps "1.1.1" and "123.4" whole.
NUMBER_BEFORE_RE = re.compile("(" + WHOLE_NUM + r")[\s~$]{0,3}(?:\\[,;:! ])?[\s~$]{0,3}[\\(]?$")
NOT_BEFORE_NUMBER = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-\u2010\u2011\u2012\u2013\u2014\u2015\u2212")
METRIC_NUMBER_RE = re.compile(
    r"(?:accuracy|acc\.|errors?(?:\s+rates?)?|err\b|mce\b|top" + HY + r"?\s?[15])"
    r"\s{0,3}(?:of|is|=|:|at|to|from|reaches|reaching|was)?\s{0,3}\$?\s{0,2}"
    r"(" + NUM + ")" + NUM_END + r"(?!\s{0,2}(?:[mbk]\b|x\b|\u00d7|layers|images|classes|epochs|ms\b|fps))"
)
# "90.0 fine-tuning top-1 accuracy", "80.4 zero-shot top-1": a bare number, then a
# setting word or two, then the metric anchor.
GLUED_THROUGH_RE = re.compile(
    "(" + WHOLE_NUM + r")\s{1,2}(?:(?:zero" + HY + r"?\s?shot|few" + HY + r"?\s?shot|fine" + HY
    + r"?\s?tun(?:ing|ed)|finetun(?:ing|ed)|linear(?:" + HY + r"?\s?prob(?:e|ing))?|single" + HY + r"?\s?crop"
    r"|center" + HY + r"?\s?crop|imagenet(?:" + HY + r"?1k)?|in" + HY + r"?1k)\s{1,2}){1,2}$"
)
# "79.1/94.4% top-1/top-5": the bare left number of a slash pair.
SLASH_LEFT_RE = re.compile("(" + WHOLE_NUM + r")\s?/\s?$")
TO_NUMBER_RE = re.compile(r"\s{0,3}to\s{1,3}\$?(" + NUM + ")" + NUM_END + r"(\s{0,2}\\?%)?")

# --- sentences (run on the original abstract: capitals matter) ---------------------------
# A sentence starts after ".", "!" or "?" (maybe closing a quote or bracket), white space (at
# most 20 characters from the stop on), and then a capital, digit or opening bracket; or after
# a blank line.  A stop right after an abbreviation ("e.g.", "et al.", "vs.") ends nothing.
ABBREVIATIONS = ("e.g", "i.e", "et al", " vs", "(vs", " cf", "(cf", "fig", " eq", "approx", "resp", " no", " ref")


def _not_after(words: tuple, last: str) -> str:
    """Negative look-behinds: the text so far does not end with a word (any letter case) and
    then one character of the class `last` (the one just matched)."""
    by_len: dict[int, list[str]] = {}
    for w in words:
        by_len.setdefault(len(w), []).append("".join(
            f"[{c}{c.upper()}]" if c.isalpha() else re.escape(c) for c in w))
    return "".join(f"(?<!(?:{'|'.join(alts)}){last})" for _, alts in sorted(by_len.items()))


_CLOSE = "[\"'\u201d\u2019)\\]]"


def _sentence_start_re(stop: str) -> re.Pattern:
    """A sentence start after a `stop` character: the match ends where the sentence starts.
    The white space is bounded by the alternatives: 20 characters from the stop in all."""
    return re.compile(  # (the look-ahead first: most stops are decimal points, ruled out at once)
        stop + "(?=[\\s\"'\u201d\u2019)\\]])" + _not_after(ABBREVIATIONS, stop)
        + "(?:\\s\\s{0,18}|C\\s\\s{0,17}|C{2}\\s\\s{0,16}|C{3}\\s\\s{0,15})".replace("C", _CLOSE)
        + "(?=[A-Z0-9(\\[\"\u201c])"
    )


# Two patterns, so that the common one starts with a literal "." (which ``re`` finds as fast as
# ``str.find``, many times faster than a character class); "!" and "?" are rare in abstracts.
SENT_START_DOT_RE = _sentence_start_re("\\.")
SENT_START_MARK_RE = _sentence_start_re("[!?]")
PARAGRAPH_RE = re.compile(r"\n[ \t]*\n")

# --- per-number context (lower-cased abstract unless noted) -----------------------------
# Right after the number: a difference or a share, not an accuracy.
# (Only whether they match counts.  The words start with a letter, so the text before them
# is read one way only, possessively ("*+"), and a look-ahead lists their first letters: the
# pattern fails fast instead of trying every word after each reading of that text.)
DELTA_POST_RE = re.compile(
    r"\s{0,3}+(?:\\?%|\uff05|percent)?+\s{0,3}+\)?+\s{0,2}+(?=[abcdfghilmoprstw])(?:points?\b|pts?\b|pp\b|p\.p\.|relative|absolute|higher"
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
# Every word the rules below look at last (after dropping fillers).
_TAIL_WORDS = _FILLERS | _BOUND_WORDS | {"to", "by", "of", "least", "from", "vs", "vs.", "versus", "against", "with"}


def tail_kind(tail: str) -> str | None:
    """'delta' | 'bound' | 'from' | 'cmp' | None for the text right before a number."""
    t = tail.rstrip(" $\t\n")
    if not t:
        return None
    if t.endswith(("absolute", "relative")):
        return "delta"  # "(absolute 7.8%)", "a relative 30%'
    if t[-1] in "+\u00b1" or (t[-1] in "-\u2212" and (len(t) < 2 or not (t[-2].isalnum() or t[-2] == ")"))):
        return "delta"
    t = t.replace("~", " ~ ").replace("(", " ")
    last = t.rsplit(None, 1)
    if not last or last[-1] not in _TAIL_WORDS:
        return None  # (the common case, told by the last word alone)
    words = t.split()[-8:]
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
    r"(?=[mAIFBPSCNWGMf]|(?i:[bmrpstle]))(?:m?AP(?:50|75|_?[bmslSML]|\^?(?:box|mask))?|mIoU|IoU|FID|IS|BLEU|PSNR|SSIM|CIDEr|PQ|NDCG|AUC|AUROC|AUPR"
    r"|FPR\d*|mFR|WER|F1|GFLOPs|FLOPs?|MACs|fps|(?i:box\s+AP|mask\s+AP|recall|precision|mean\s+flip\s+rate"
    r"|sparsity|throughput|latency|speed" + HY + r"?ups?|memory|energy|bits?/dim))"
)
NON_POST_RE = re.compile(r"\s{0,3}+(?:\\?%|percent)?+\s{0,3}+\)?+\s{0,2}+(?:(?i:top" + HY + r"?1|average|mean)\s+)?"
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


def scan_cues(low: str, text: str, a: int, b: int, limit: int = 20000) -> list:
    """Cues (start, end, family, value) in [a, b), in order, non-overlapping: a hit inside
    the text the previous cue consumed ("top-1", "extra training data") is skipped.  At most
    `limit` hits of CUE_RE are read (hostile input).  See `read_cue` for the families."""
    out, last = [], a
    for m in islice(CUE_RE.finditer(low, a, b), limit):
        s, e = m.span()
        if s < last:
            continue
        w = m.group()
        if w in _SEPARATOR_CUES:  # the commonest cue, inlined: a clause separator
            if w in ",;:" or not low[e:e + 1].isalpha():
                out.append((s, e, "sep", w))
        elif w == "%":  # "1% of the labels": a label fraction (the cue ends at "%": "ImageNet" is read next)
            if LABEL_FRACTION_RE.match(low, s):
                out.append((s, e, "set", "semi_supervised"))
        elif not (w in _WHOLE_WORDS and low[e:e + 1].isalpha()):  # not "android", "thanks", "topology"
            cue = _READERS[w](low, text, s, e, w)
            if cue:
                out.append((s,) + cue)
                last = cue[0]
    return out


# Readers: (low, text, s, e, w) for keyword w = low[s:e] -> (end, family, value) or None.
def read_cue(low: str, text: str, s: int, e: int) -> tuple | None:
    """Classify the keyword low[s:e] (a cue keyword, or a framing key).

    Returns (end, family, value) or None.  Families: sep, k, kind, ds, set, cmp,
    xnamed (extra data, named), xun (extra data, unnamed), xneg (no extra data),
    pre (pre-training mentioned), xfer ("transferred to").
    """
    w = low[s:e]
    if w in _WHOLE_WORDS and low[e:e + 1].isalpha():
        return None  # a longer word: "android", "thanks", "topology"
    return _READERS[w](low, text, s, e, w)


def _read_sep(low: str, text: str, s: int, e: int, w: str) -> tuple | None:
    return e, "sep", w


def _read_top(low: str, text: str, s: int, e: int, w: str) -> tuple | None:
    m = K_RE.match(low, s)
    return (m.end(), "k", int(m.group(1))) if m else None


def _read_kind(low: str, text: str, s: int, e: int, w: str) -> tuple | None:
    m = (ACC_RE if w == "acc" else ERR_RE if w == "err" else MCE_RE).match(low, s)
    return (m.end(), "kind", "mce" if w in ("mce", "corruption") else w) if m else None


def _read_compare(low: str, text: str, s: int, e: int, w: str) -> tuple | None:
    if (w == "relative" and not RELATIVE_TO_RE.match(low, s)) or (w == "winning" and not WINNING_RE.match(low, s)):
        return None
    return e, "cmp", w


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


def _read_setting(low: str, text: str, s: int, e: int, w: str) -> tuple | None:
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


_SEP_SET = frozenset(_SEPARATORS.split())
_SEPARATOR_CUES = _SEP_SET | {",", ";", ":"}
_DATASET_SET = frozenset(w.replace("_", " ") for w in _DATASET_WORDS.split())
_SETTING_SET = frozenset(_SETTING_WORDS.split())
_COMPARE_SET = frozenset(_COMPARE_WORDS.split())


def _reader(w: str):
    """The function classifying keyword w (and the framing keys "pre", "fine", "transfer")."""
    if w in _SEP_SET:
        return _read_sep
    if w == "top":
        return _read_top
    if w in ("acc", "err", "mce", "corruption"):
        return _read_kind
    if w in _DATASET_SET:
        return _read_dataset
    if w in _SETTING_SET or w == "without":
        return _read_setting
    if w in _COMPARE_SET:
        return _read_compare
    return _read_extra


_READERS = {w: _reader(w) for w in _KEYWORDS + ["pre", "transfer"]}
# Keywords that are no cue when more letters follow ("android"); the others are prefixes
# ("outperforms") or read further by their reader ("top-1", "accuracy", "ImageNet-1K").
_WHOLE_WORDS = frozenset(_READERS) - PREFIX_WORDS - {"top", "acc", "err", "imagenet", "ig-", "alt"}


# --- abstract-wide readers ---------------------------------------------------------------
def last_dataset(low: str, text: str, a: int, b: int) -> str | None:
    """The last dataset named in [a, b): find the last ImageNet-family mention by reverse
    search, then let any other dataset named after it win ("... on CIFAR-10.")."""
    last = max(low.rfind(w, a, b) for w in ("imagenet", "ilsvrc", "in-1k", "in1k"))
    if last < 0:
        return None  # whatever it is, it is not ImageNet
    found = [c[3] for c in scan_cues(low, text, last, b, limit=200) if c[2] == "ds"]
    return found[-1] if found else None


# "pre-training ... fine-tuning" framing, found abstract-wide by `framing_cues`:
# (pattern, its spellings in order, cue keyword they start)
_FRAMING = ((re.compile(r"pre(?:-train|train| train)"), ("pre-train", "pretrain", "pre train"), "pre"),
            (re.compile(r"fine(?:-tun|tun| tun)"), ("fine-tun", "finetun", "fine tun"), "fine"),
            (re.compile(r"transfer"), ("transfer",), "transfer"))


def frames_transfer(low: str, text: str, limit: int = 200) -> bool:
    """Does the abstract frame its results as pre-training then fine-tuning or transfer?
    ("pre-training on large datasets and fine-tuning the model on a target task"): a
    pre-training mention whose next framing cue is a fine-tuning or "transferred to" one,
    within 160 characters of the same sentence.  The cues are those of `framing_cues`."""
    if "train" not in low or ("fine" not in low and "transfer" not in low):
        return False
    pre = _word_starts(low, *_FRAMING[0][:2])
    if not pre:
        return False  # (the pre-training mentions come first, so none are among the cues)
    hits = [pre] + [_word_starts(low, rx, variants) for rx, variants, _ in _FRAMING[1:]]
    if sum(map(len, hits)) > limit:  # hostile input: read the cues as listed
        cues = framing_cues(low, text, limit)
        return any(c[2] == "pre" and d[2] in ("set", "xfer") and 0 < d[0] - c[1] <= 160
                   and "." not in low[c[1]:d[0]] for c, d in zip(cues, cues[1:]))
    events = sorted((i, key) for found, (_, _, key) in zip(hits, _FRAMING) for i in found)
    for at, (i, key) in enumerate(events):
        if key != "pre":
            continue
        end = i + 3  # a pre-training mention is always a cue, ending after "pre"
        for j, next_key in events[at + 1:]:
            cue = read_cue(low, text, j, j + len(next_key))  # (only the next cue counts)
            if cue is not None:
                if cue[1] in ("set", "xfer") and 0 < j - end <= 160 and "." not in low[end:j]:
                    return True
                break
    return False


def _word_starts(low: str, rx: re.Pattern, variants: tuple) -> list[int]:
    """Word-start positions of rx's matches, spelling by spelling (`variants` order)."""
    found: dict[str, list[int]] = {v: [] for v in variants}
    for m in rx.finditer(low):  # one scan for all spellings (they start alike)
        found[m.group()].append(m.start())
    return [i for v in variants for i in found[v] if not i or not low[i - 1].isalnum()]


def framing_cues(low: str, text: str, limit: int = 200) -> list:
    """Cues of the framing mentions anywhere in the text, in order; at most `limit`
    mentions, taken spelling by spelling."""
    hits: list = []
    for rx, variants, key in _FRAMING:
        for i in _word_starts(low, rx, variants):
            if len(hits) >= limit:
                break
            hits.append((i, -len(key), key))
    out, taken = [], set()
    for i, _, w in sorted(hits):
        if i not in taken:
            cue = read_cue(low, text, i, i + len(w))
            if cue:
                taken.add(i)
                out.append((i,) + cue)
    return out
