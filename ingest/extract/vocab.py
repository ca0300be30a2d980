"""Fixed vocabulary of the extractor: how numbers, sentences and lists are written.

Setting words and corpus names are NOT here: they are rules (rules/settings.toml,
rules/corpora.toml), read through `ingest.extract.rulewords`.  This module holds what is
grammar rather than rule: number spellings, sentence ends, list separators, the words
that turn a number into a gain, a drop or a bound, and the other quantities (FLOPs,
latency, AP ...) a percentage can measure.

Speed and safety.  ``re`` only skips ahead quickly (in C, like ``str.find``) when a pattern
starts with a literal; a leading character class is much slower and a leading look-behind
slower still, so patterns start with a literal or a digit where they can and look-behinds
come after the first character.  Case-insensitive patterns run on a lower-cased copy of
the abstract with the same offsets (IGNORECASE is several times slower).  No pattern has
nested quantifiers over overlapping classes, and repetitions that could run long are
bounded, so hostile input stays linear.
"""

from __future__ import annotations

import re

HY = "[-\u2010-\u2015\u2212]"  # ASCII hyphen, unicode hyphens/dashes, minus sign
NUM = r"[0-9]{1,3}(?:\.[0-9]{1,4})?"  # a percentage-sized number: 0-999, <= 4 decimals
NUM_END = r"(?![0-9]|[.,][0-9])"  # not the prefix of a longer number or version string
# NUM, not the tail of a longer number or version string ("1.1.1", "123.4").  The look-behind
# comes after the first digit so that the pattern starts with a digit class.
WHOLE_NUM = r"[0-9](?<![0-9.,][0-9])[0-9]{0,2}(?:\.[0-9]{1,4})?"
DIGITS, DIGITS_DOT = frozenset("0123456789"), frozenset("0123456789.")

# --- numbers (lower-cased abstract) ----------------------------------------------------------
# A number is found from its anchor with ``str.find``: a percent sign (plain, LaTeX "\%",
# fullwidth, "percent", "percentage points"), "pp" / "points" (a difference in points), or a
# metric word glued to it ("87.3 top-1 accuracy", "accuracy of 84.4").
PERCENT_ANCHORS = ("%", "\uff05", "percent", "per cent")
POINT_ANCHORS = ("pp", "p.p.", "point")  # "1.6 pp", "1.5 points above": whole words only
PERCENT_WORD_RE = re.compile(r"per(?:cent| cent)")
METRIC_ANCHORS = ("acc", "err", "mce", "top")
NUMBER_BEFORE_RE = re.compile("(" + WHOLE_NUM + r")[\s~$]{0,3}(?:\\[,;:! ])?[\s~$]{0,3}[\\(]?$")
# After "%," a number may follow without a space ("85.7%,88.0%"): the look-behind of
# WHOLE_NUM (no "," before, as in "1,000") would refuse it.
AFTER_PERCENT_COMMA_RE = re.compile(r"(?:%|\\%)\s?,\s?$")
NOT_BEFORE_NUMBER = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-\u2010\u2011\u2012\u2013\u2014\u2015\u2212")
METRIC_NUMBER_RE = re.compile(
    r"(?:accuracy|acc\.|errors?(?:\s+rates?)?|err\b|mce\b|top" + HY + r"?\s?[15])"
    r"\s{0,3}(?:of|is|=|:|at|to|from|reaches|reaching|was)?\s{0,3}\$?\s{0,2}"
    r"(" + NUM + ")" + NUM_END + r"(?!\s{0,2}(?:[mbk]\b|x\b|\u00d7|layers|images|classes|epochs|ms\b|fps))"
)
GLUED_THROUGH_RE = re.compile(  # "90.0 fine-tuning top-1 accuracy", "80.4 zero-shot top-1"
    "(" + WHOLE_NUM + r")\s{1,2}(?:(?:zero" + HY + r"?\s?shot|few" + HY + r"?\s?shot|fine" + HY
    + r"?\s?tun(?:ing|ed)|finetun(?:ing|ed)|linear(?:" + HY + r"?\s?prob(?:e|ing))?|single" + HY + r"?\s?crop"
    r"|center" + HY + r"?\s?crop|imagenet(?:" + HY + r"?1k)?|in" + HY + r"?1k)\s{1,2}){1,2}$"
)
SLASH_LEFT_RE = re.compile("(" + WHOLE_NUM + r")\s?/\s?$")  # "79.1/94.4% top-1/top-5"
TO_NUMBER_RE = re.compile(r"\s{0,3}to\s{1,3}\$?(" + NUM + ")" + NUM_END + r"(\s{0,2}\\?%)?")
# The left end of a range written before a number: "3%-15%", "31% $\sim$ 37%", "4 to 6 pp".
RANGE_LEFT_RE = re.compile(
    "(" + WHOLE_NUM + r")\s{0,2}(?:\\?%)?\s{0,2}(?:" + HY + r"|~|\$\\sim\$|\\sim|to)\s{0,2}\$?\s{0,2}$"
)

# --- sentences (original abstract: capitals matter) -------------------------------------------
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
    """A sentence start after a `stop` character: the match ends where the sentence starts
    (white space, at most 20 characters from the stop, then a capital, digit or bracket)."""
    return re.compile(
        stop + "(?=[\\s\"'\u201d\u2019)\\]])" + _not_after(ABBREVIATIONS, stop)
        + "(?:\\s\\s{0,18}|C\\s\\s{0,17}|C{2}\\s\\s{0,16}|C{3}\\s\\s{0,15})".replace("C", _CLOSE)
        + "(?=[A-Z0-9(\\[\"\u201c])"
    )


SENT_START_DOT_RE = _sentence_start_re("\\.")  # starts with a literal: found as fast as str.find
SENT_START_MARK_RE = _sentence_start_re("[!?]")
PARAGRAPH_RE = re.compile(r"\n[ \t]*\n")

# --- lists ---------------------------------------------------------------------------------------
# Text between two numbers that makes them one list ("82.8%, 84.2%, and 84.6% top-1"), also
# when the left one carries its own top-k ("84.4% top-1 / 97.1% top-5 accuracy").
LIST_SEP_RE = re.compile(r"[\s,/&;]*(?:(?:and|or)\b[\s,/&;]*)?")
K_LIST_SEP_RE = re.compile(
    r"\s{0,3}\(?top" + HY + r"?\s?[15]\)?(?:\s{1,3}acc\w*)?[\s,/&;]*(?:(?:and|or)\b[\s,/&;]*)?"
)
# A parallel list: "by 8.2% on CC12M and 2.4% on LAION-400M" (each item names its condition).
PARALLEL_SEP_RE = re.compile(
    r"\s{1,2}(?:on|for|in|with|at|using|under)\s{1,2}[^\s,;.()]{1,30}(?:\s{1,2}[^\s,;.()]{1,30}){0,2}?"
    r"\s{0,2}(?:,\s{0,2}(?:and\s{1,2})?|and\s{1,2}|/\s{0,2})"
)
TO_GAP_RE = re.compile(r"\s*to\s*")

# --- ImageNet ------------------------------------------------------------------------------------
IN1K_RE = re.compile(r"\bin" + HY + r"?(?:1|21|22)k\b")
# ILSVRC and its common misspellings ("ILSRCV2012", "ILSVCR"), then an optional year.
ILSVRC_RE = re.compile(r"i?ls(?:vrc|rcv|vcr|rvc)(?:" + HY + r"?\s?'?[0-9]{2,4})?")
ILSVRC_WORDS = ("ilsvrc", "lsvrc", "ilsrcv", "ilsvcr", "ilsrvc")


def mentions_imagenet(low: str) -> bool:
    """Cheap test that an ImageNet-family dataset is named at all."""
    return ("imagenet" in low or "lsvrc" in low or "ilsrcv" in low or "ilsvcr" in low or "ilsrvc" in low
            or (("1k" in low or "2k" in low) and IN1K_RE.search(low) is not None))


IMAGENET_RE = re.compile(r"imagenet(?:(?:" + HY + r"|\s)?(?P<a>v2|sketch|1k|21k|22k|5k|2012)(?![a-z0-9])"
                         r"|" + HY + r"?(?P<b>real|a|r|c|o|p|lt|like|256|512|128|64|32)(?![a-z0-9]))?")
DATASET_IDS = {
    "imagenet": "imagenet-1k", "1k": "imagenet-1k", "2012": "imagenet-1k", "in-1k": "imagenet-1k",
    "in1k": "imagenet-1k", "v2": "imagenet-v2", "real": "imagenet-real", "sketch": "imagenet-sketch",
    "a": "imagenet-a", "r": "imagenet-r", "c": "imagenet-c", "21k": "imagenet-21k", "22k": "imagenet-21k",
    "in-21k": "imagenet-21k", "in21k": "imagenet-21k", "in-22k": "imagenet-21k", "in22k": "imagenet-21k",
}
FAMILY = frozenset({"imagenet-1k", "imagenet-v2", "imagenet-real", "imagenet-a", "imagenet-r",
                    "imagenet-sketch", "imagenet-c", "imagenet-21k"})
# "ImageNet 64x64", "ImageNet-256": a generation benchmark at that resolution, not classification.
GEN_RESOLUTION_RE = re.compile(r"\s?(?:" + HY + r"|\s)?\d{2,3}\s?(?:x|\u00d7|\\times)\s?\d{2,3}")

# --- what a percentage measures ------------------------------------------------------------------
# Another metric named right after / before the number (original case: "IS", "AP" are
# acronyms, while "is" and "map" are words).
NON_METRIC = (
    r"(?=[mAIFBPSCNWGMf]|(?i:[bmrpstle]))(?:m?AP(?:50|75|_?[bmslSML]|\^?(?:box|mask|b|m))?|mIoU|IoU|FID|IS|BLEU"
    r"|PSNR|SSIM|CIDEr|PQ|NDCG|AUC|AUROC|AUPR|FPR\d*|mFR|WER|F1|GFLOPs|FLOPs?|MACs|fps"
    r"|(?i:box\s?AP|mask\s?AP|recall|precision|mean\s+flip\s+rate|sparsity|throughput|latency|speed"
    + HY + r"?ups?|memory|energy|bits?/dim))"
)
NON_POST_RE = re.compile(r"\s{0,3}+(?:\\?%|percent)?+[\s\-]{0,3}+\)?+\s{0,2}+(?:(?i:top" + HY + r"?1|average|mean)\s+)?"
                         + NON_METRIC + r"(?![A-Za-z])")
NON_PRE_RE = re.compile(r"(?<![A-Za-z\-])" + NON_METRIC + r"(?![A-Za-z])")  # (not "full-precision")
# Resources and other quantities a percentage can measure (lower case): "52% fewer
# parameters", "saving 37% compute time", "the throughput by over 40%".
RESOURCE_WORDS = (
    "flops gflops macs mult-adds multiply-adds params parameters parameter throughput latency speed speed-up"
    " speedup memory compute computation computations computational cost costs time energy power storage"
    " size bandwidth fps sparsity compression tokens patches bits model-size runtime inference-time gpu"
)
APPROX_WORDS = (" about", " around", " roughly", " nearly", " almost", " approximately", "~")
ACHIEVE_WORDS = ("achiev", "attain", "obtain", "reach", " get", " got", "yield", " set", "score", " hit", "record",
                 "deliver", "accura", "perform", "match", "boost", "push", "train", "increas", "improv", "rais",
                 "retain")


def achieves(low: str, a: int, b: int) -> bool:
    """Does low[a:b] say a result was achieved ("reaches", "attains", "boosted ... to")?"""
    window = low[a:b]
    return any(w in window for w in ACHIEVE_WORDS)
