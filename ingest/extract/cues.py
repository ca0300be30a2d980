"""Keyword cues of a span of text: metrics, datasets, comparisons, extra data, separators.

`scan_cues(low, text, a, b, words)` finds every cue word with ONE keyword trie compiled into
a regex (anchored at word starts), then classifies each hit by a short ``match`` at its offset;
`words` (`rulewords`) compiles the same trie with the rules' setting triggers and adds the
setting phrases of the rules.  A cue is a tuple (start, end, family,
value); families:

    sep    clause separator ("," ";" ":" and while whereas but which whilst)
    k      top-k (1 or 5)              kind   acc | err | mce | non ("accuracy score")
    qty    what a number measures: other (FLOPs, parameters, latency ...) | acc ("performance")
    qual   robust | certified | occluded (accuracy that is not clean accuracy)
    ds     a dataset id ("imagenet-1k", "other:cifar")
    cmp    a comparison word ("outperforming", "vs", "previous", "human")
    xun    extra data, unnamed ("web-scale", "940 million images")
    xneg   no extra data ("trained on ImageNet only")
    xnamed extra data named as a dataset with a pre-training role ("pre-trained on
           ImageNet-22K"); the corpora of the rules are looked for where extra data is
           (`rulewords.RuleWords.corpus_in`)
    pre    pre-training mentioned
    set    a setting phrase of the rules (`rulewords`)
"""

from __future__ import annotations

import re
from itertools import chain

from .vocab import DATASET_IDS, GEN_RESOLUTION_RE, HY, ILSVRC_RE, ILSVRC_WORDS, IMAGENET_RE, RESOURCE_WORDS

_SEPARATORS = "and while whereas but which whilst"
_DATASET_WORDS = (
    "imagenet in-1k in1k in-21k in21k in-22k in22k mini-imagenet miniimagenet mini_imagenet"
    " tiered-imagenet tieredimagenet tiny-imagenet tinyimagenet cifar coco mscoco ms-coco ade20k ade-20k"
    " cityscapes pascal voc lvis kinetics places inaturalist objectnet flowers oxford food-101 svhn mnist"
    " stl-10 vtab caltech sun397 flickr30k msr-vtt nocaps something-something ssv2 moments-in-time glue"
    " squad wmt librispeech dtd cub real imdb lsun ffhq celeba " + " ".join(ILSVRC_WORDS)
)
_COMPARE_WORDS = ("than vs versus outperform surpass suppress beat exceed compared unlike against previous prior"
                  " baseline human relative winner winning above below runner-up")
_EXTRA_WORDS = ("web weak weakly extra external additional alt-text alt large images pairs photos samples only"
                " pre pretrain")
_METRIC_WORDS = "top acc err mce corruption robust certified adversarial attack attacks occlud pgd fgsm"
PREFIX_WORDS = frozenset(  # may continue with more letters ("outperforms", "occluding")
    "outperform surpass suppress exceed beat previous baseline human pretrain pre kinetics places flowers"
    " lvis inaturalist cifar caltech wmt weak occlud lsun".split()
)
CASED = {"real": "ReaL", "places": "P", "flowers": "F", "glue": "GLUE", "cub": "CUB", "lsun": "LSUN"}


def trie_regex(words: list[str]) -> str:
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


_QUANTITY_WORDS = RESOURCE_WORDS + " performance"
KEYWORDS = tuple(sorted({w.replace("_", " ") for w in " ".join(
    (_SEPARATORS, _DATASET_WORDS, _COMPARE_WORDS, _EXTRA_WORDS, _METRIC_WORDS, _QUANTITY_WORDS)).split()}))


class KeywordScan:
    """Every clause separator ("," ";" ":") and every keyword of `words` at a word start (not
    after [a-z0-9]) in a span, in text order, as ``[,;:]|(?<![a-z0-9])<trie>`` found them with
    ``finditer``, but scanned faster: ``re`` skips ahead in C only when a pattern starts with a
    character set, so `scan` starts with the character before the keyword ([^a-z0-9]: the
    separator itself, a space, a bracket ...) and captures the keyword; `first` reads a keyword
    at offset 0, which has no character before it.  (Keywords start and end with [a-z0-9], so a
    keyword never starts where the previous one ended.)

    `actions` tells `scan_cues` what each keyword is, decided once here rather than per hit:
    (a plain separator word?, None or "is this rule trigger a whole word only?", reader or
    None, "is the reader's keyword a whole word only?").  `triggers` are the rules' setting
    triggers among `words`, `whole` those of them that count only as whole words."""

    __slots__ = ("scan", "first", "actions")

    def __init__(self, words, triggers=frozenset(), whole=frozenset()):
        trie = trie_regex(sorted(words))
        self.scan = re.compile(r"[^a-z0-9](?:(" + trie + r")|(?<=[,;:]))")
        self.first = re.compile("(" + trie + ")")
        self.actions = {w: (w in _SEP_SET and w not in triggers, (w in whole) if w in triggers else None,
                            _READERS.get(w), w in _WHOLE_WORDS) for w in words}


MAX_RULE_HITS = 500  # setting triggers read per span, at most (hostile input)

K_RE = re.compile(r"top" + HY + r"?\s?([15])(?![0-9a-z])")
ACC_RE = re.compile(r"acc(?:uracy|uracies|\.)?(?![a-z])(?P<score>\s+scores?\b)?")
ERR_RE = re.compile(r"err(?:or|ors|\.)?(?![a-z])")
MCE_RE = re.compile(r"mce(?![a-z])|corruption\s+errors?")
ROBUST_RE = re.compile(r"(?:robust|adversarial)\s+(?:top" + HY + r"?1\s+)?acc")
ONLY_AFTER_RE = re.compile(r"(?:" + HY + r"?1k)?(?:\s+data)?\s+only\b")
NEGATED_RE = re.compile(r"\b(?:without|no|w/o)\s+(?:any\s+)?(?:using\s+)?$")
RELATIVE_TO_RE = re.compile(r"relative\s+to\b")
WINNING_RE = re.compile(r"winning\s+entr")
DIGIT_RE = re.compile(r"[0-9]")
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
NO_EXTRA_RE = re.compile(r"\b(?:without|no|w/o)\s+(?:any\s+)?(?:extra|external|additional)\s"
                         r"|only\s+(?:on\s+|using\s+|use\s+)?(?:the\s+)?(?:imagenet|ilsvrc|in" + HY + r"?1k)")
ONLY_IMAGENET_RE = re.compile(r"only\s+(?:on\s+|using\s+|use\s+)?(?:the\s+)?(?=imagenet|ilsvrc|in" + HY + r"?1k)")
PRETRAIN_RE = re.compile(r"pre" + HY + r"?\s?train")
PRETRAIN_ROLE_BEFORE_RE = re.compile(
    r"pre" + HY + r"?\s?train[^.;]{0,40}\b(?:on|with|using|from)\s+(?:[a-z]+\s+){0,2}$")
PRETRAIN_ROLE_AFTER_RE = re.compile(r"\s?" + HY + r"?\s?pre" + HY + r"?\s?train")
ATTACK_RE = re.compile(r"attacks?\b|pgd\b|fgsm\b")


def scan_cues(low: str, text: str, a: int, b: int, words=None, limit: int = 20000) -> list:
    """Cues (start, end, family, value) in [a, b), in order.  The extractor's own cues do not
    overlap: a hit inside the text the previous cue consumed ("top-1", "extra training data")
    is skipped.  `words` (a `rulewords.RuleWords`: its keyword pattern includes the rules'
    setting triggers) adds the setting phrases of the rules.  At most `limit` hits (separators
    and keywords) are read (hostile input)."""
    scan = CUE_SCAN if words is None else words.cue_scan
    actions = scan.actions
    out, last, rule_hits, left = [], a, [], limit
    first = None if a else scan.first.match(low, 0, b)  # (offset 0 has no character before it)
    matches = scan.scan.finditer(low, first.end() if first else a - 1 if a else 0, b)
    for m in chain((first,), matches) if first else matches:  # one loop, no generator: this is per hit
        s = m.start()
        c = low[s]
        if c in ",;:" and s >= a:  # (c is one character: `first` starts with a keyword's letter)
            if not left:
                break
            left -= 1
            if s >= last:
                out.append((s, s + 1, "sep", c))
        if m.lastindex is None:
            continue
        if not left:
            break
        left -= 1
        s, e = m.span(1)
        w = low[s:e]
        plain_sep, rule_whole, reader, reader_whole = actions[w]
        glued = low[e:e + 1].isalpha()  # more letters follow ("android", "thanks")
        if plain_sep:  # the commonest keyword: a clause separator ("and", "which")
            if s >= last and not glued:
                out.append((s, e, "sep", w))
            continue
        if rule_whole is not None and not (rule_whole and glued) and len(rule_hits) < MAX_RULE_HITS:
            rule_hits.append((s, w))
        if s < last:
            continue
        if reader is not None and not (reader_whole and glued):
            cue = reader(low, text, s, e, w)
            if cue:
                out.append((s,) + cue)
                last = cue[0]
    found = words.cues(text, low, a, b, rule_hits) if rule_hits or (words and words.untriggered) else None
    return sorted(out + found) if found else out


def _read_top(low: str, text: str, s: int, e: int, w: str) -> tuple | None:
    m = K_RE.match(low, s)
    return (m.end(), "k", int(m.group(1))) if m else None


def _read_kind(low: str, text: str, s: int, e: int, w: str) -> tuple | None:
    if w == "acc":
        m = ACC_RE.match(low, s)
        if m and m.group("score"):
            return m.end(), "kind", "non"  # "classification accuracy scores" of generated samples
        return (m.end(), "kind", "acc") if m else None
    m = (ERR_RE if w == "err" else MCE_RE).match(low, s)
    return (m.end(), "kind", "mce" if w in ("mce", "corruption") else w) if m else None


def _read_qual(low: str, text: str, s: int, e: int, w: str) -> tuple | None:
    if w in ("robust", "adversarial"):
        m = ROBUST_RE.match(low, s)
        return (m.end(), "qual", "robust") if m else None
    if w == "certified":
        return e, "qual", "certified"
    if w == "occlud":
        return e, "qual", "occluded"
    return (e, "qual", "attack") if ATTACK_RE.match(low, s) else None


def _read_compare(low: str, text: str, s: int, e: int, w: str) -> tuple | None:
    if (w == "relative" and not RELATIVE_TO_RE.match(low, s)) or (w == "winning" and not WINNING_RE.match(low, s)):
        return None
    return e, "cmp", w


def _read_dataset(low: str, text: str, s: int, e: int, w: str) -> tuple | None:
    if w in CASED and not text[s:e].startswith(CASED[w]):
        return None  # "real images", "in places" are not ReaL / Places
    if w == "imagenet":
        m = IMAGENET_RE.match(low, s)
        e, key = m.end(), m.group("a") or m.group("b") or "imagenet"
        ds = DATASET_IDS.get(key, "other:imagenet-" + key)
        if ds == "imagenet-1k" and GEN_RESOLUTION_RE.match(low, e):
            return e, "ds", "other:imagenet-generation"  # "ImageNet 64x64": a generation benchmark
    elif w in ILSVRC_WORDS:
        e, ds = ILSVRC_RE.match(low, s).end(), "imagenet-1k"
    else:
        ds = DATASET_IDS.get(w, "other:" + w)
    if ds in ("imagenet-21k", "imagenet-1k") and (PRETRAIN_ROLE_BEFORE_RE.search(low, max(0, s - 60), s)
                                                  or PRETRAIN_ROLE_AFTER_RE.match(low, e)):
        if ds == "imagenet-1k":  # "our ImageNet-pretrained backbone reaches 45.6 AP on COCO"
            return e, "pre", "imagenet"  # the pre-training set, not the one a number is reported on
        return e, "xnamed", text[s:e]  # "pre-trained on ImageNet-22K": extra data, not the test set
    if ds == "imagenet-1k" and ONLY_AFTER_RE.match(low, e):
        return e, "xneg", "only"  # "trained on ImageNet only"
    return e, "ds", ds


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
    return None


def unnamed_extra(low: str, a: int, b: int) -> bool:
    """Does low[a:b] state extra data without naming it ("web-scale alt-text data", "1.5B
    weakly supervised image and text pairs", "940 million images")?"""
    if _has_any(low, a, b, _EXTRA_WORD_LITERALS) and EXTRA_WORD_RE.search(low, a, b):
        return True
    for w in ("images", "pairs", "photos"):
        i = low.find(w, a, b)
        if i >= 0 and BIG_DATA_BEFORE_RE.search(low, max(a, i - 90), i):
            return True
    return False


def no_extra(low: str, a: int, b: int) -> bool:
    """Does low[a:b] say there is no extra data ("without extra data", "only ImageNet-1K")?"""
    return _has_any(low, a, b, _NO_EXTRA_LITERALS) and NO_EXTRA_RE.search(low, a, b) is not None


# Words every match of EXTRA_WORD_RE / NO_EXTRA_RE contains: ``str.find`` rules most windows out
# before a search that ``re`` would try at every offset (neither pattern starts with a literal).
_EXTRA_WORD_LITERALS = ("web", "weak", "extra", "external", "additional", "alt", "large")
_NO_EXTRA_LITERALS = ("extra", "external", "additional", "only")


def _has_any(low: str, a: int, b: int, words: tuple) -> bool:
    """Does one of `words` occur in low[a:b]?"""
    for w in words:
        if low.find(w, a, b) >= 0:
            return True
    return False


def _read_sep(low: str, text: str, s: int, e: int, w: str) -> tuple | None:
    return e, "sep", w


def _read_quantity(low: str, text: str, s: int, e: int, w: str) -> tuple | None:
    return e, "qty", "acc" if w == "performance" else "other"


_SEP_SET = frozenset(_SEPARATORS.split())
_DATASET_SET = frozenset(w.replace("_", " ") for w in _DATASET_WORDS.split())
_COMPARE_SET = frozenset(_COMPARE_WORDS.split())
_QUANTITY_SET = frozenset(_QUANTITY_WORDS.split())
_QUAL_SET = frozenset("robust certified adversarial attack attacks occlud pgd fgsm".split())


def _reader(w: str):
    """The function classifying keyword w."""
    if w in _SEP_SET:
        return _read_sep
    if w == "top":
        return _read_top
    if w in ("acc", "err", "mce", "corruption"):
        return _read_kind
    if w in _QUAL_SET:
        return _read_qual
    if w in _QUANTITY_SET:
        return _read_quantity
    if w in _DATASET_SET:
        return _read_dataset
    if w in _COMPARE_SET:
        return _read_compare
    return _read_extra


_READERS = {w: _reader(w) for w in KEYWORDS}
# Keywords that are no cue when more letters follow ("android"); the others are prefixes
# ("outperforms") or read further by their reader ("top-1", "accuracy", "ImageNet-1K").
_WHOLE_WORDS = frozenset(_READERS) - PREFIX_WORDS - {"top", "acc", "err", "imagenet", "alt"}
CUE_SCAN = KeywordScan(KEYWORDS)


# --- abstract-wide readers ---------------------------------------------------------------
def last_dataset(low: str, text: str, a: int, b: int) -> str | None:
    """The last dataset named in [a, b): find the last ImageNet-family mention by reverse
    search, then let any other dataset named after it win ("... on CIFAR-10.")."""
    last = max(low.rfind(w, a, b) for w in ("imagenet", "lsvrc", "ilsrcv", "ilsvcr", "in-1k", "in1k"))
    if last < 0:
        return None  # whatever it is, it is not ImageNet
    if low.startswith("lsvrc", last) and last > a and low[last - 1] == "i":
        last -= 1
    found = [c[3] for c in scan_cues(low, text, last, b, limit=200) if c[2] == "ds"]
    return found[-1] if found else None


# "pre-training on large datasets and fine-tuning the model on a target task": a pre-training
# mention followed, in the same sentence and within 160 characters, by fine-tuning or transfer.
FRAMING_RE = re.compile(r"pre" + HY + r"?\s?train[^.]{0,160}?(?<!without )(?<!no )(?:fine" + HY
                        + r"?\s?tun|finetun|transferr?(?:ed|ing)?\s+to\b)")


def frames_transfer(low: str, limit: int = 8000) -> bool:
    """Does the abstract (its first `limit` characters: real abstracts are shorter) frame its
    results as pre-training then fine-tuning or transfer?"""
    return "train" in low and FRAMING_RE.search(low, 0, limit) is not None
