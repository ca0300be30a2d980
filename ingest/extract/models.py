"""Who a number belongs to: model-name tokens, the paper's own model, parameter counts.

`scan_tokens` finds capitalised tokens that look like model names ("DaViT-B", "ViT-G/14",
"CoCa"), marking those that follow a comparison word as another paper's (baselines);
`title_name` and `defined_name` read the paper's own model from its title ("CoCa: ...") or
its definition in the abstract ("we introduce Dual Attention Vision Transformers (DaViT)");
and `PARAMS_RE` / `PARAM_LIST_RE` spell parameter counts.  Model names are read on the
original text (capitals matter).
"""

from __future__ import annotations

import functools
import re

from .vocab import HY

# --- model names (original text: capitals matter) ----------------------------------------
# Capital-first so the scan skips lower-case text fast; `scan_tokens` drops tokens glued
# to a preceding word character or hyphen.  A plain capitalised word ("We", "Transformer")
# is never a model name (see `is_model_token`): the look-ahead skips it in the scan already.
TOKEN_RE = re.compile(r"[A-Z](?![a-z]*(?![A-Za-z0-9]|[-/.][A-Za-z0-9]))[A-Za-z0-9]*(?:[-/.][A-Za-z0-9]+)*")
TOKEN_CONT_RE = re.compile(r" (?:V\d+|v\d+|\d+x\d+d|Transformers?|Networks?|Nets?)\b")
# Comparison words: before a model name they make it a baseline (`scan_tokens`); after one
# they end the text `extra_after` reads.  "over" only counts here ("2.3% over ResNet-50").
_COMPARE_WORDS = (r"(?:than|vs\.?|versus|outperform\w*|surpass\w*|suppress\w*|beat(?:s|ing)?|exceed\w*|compared"
                  r"|unlike|against|previous(?:ly)?|prior|baselines?|humans?|relative\s+to|winner|winning\s+entry"
                  r"|over|above|match\w*)")
TOKEN_COMPARE_RE = re.compile(r"\b" + _COMPARE_WORDS + r"\b")  # on the lower-cased text
# The same words, found from the non-word character before each: ``re`` skips ahead in C to a
# pattern's leading character class, but tries ``\b`` at every offset.  Searched from the character
# before a span (`first_comparison`), or over a span padded with one space in front (`scan_tokens`),
# it finds the words TOKEN_COMPARE_RE finds (the only word it can miss is one glued to a "vs."
# before it, which changes neither the last match's clause nor whether there is one).
_COMPARE_AFTER_NONWORD_RE = re.compile(r"\W" + _COMPARE_WORDS + r"\b")
CLAUSE_RE = re.compile(r"[,;:]|\b(?:and|while|whereas|but|which|whilst)\b")
LIST_GAP_RE = re.compile(r"[\s,]*(?:\([^()]{0,30}\)[\s,]*)?(?:(?:and|or|the|a|an)\b[\s,]*){0,3}")
SIZE_MODEL_RE = re.compile(
    r"(?<![-\w])(?P<size>Atto|Femto|Pico|Nano|Tiny|Small|Base|Large|Huge|Giant|Gigantic|Enormous|XL|XXL|[HLGBST])"
    r"\s+(?:model|variant|version|network)\b"
)
WITH_MODEL_RE = re.compile(r"\b(?:with|using|for)\s+(?:(?:a|an|the|our|single|vanilla|standard|plain)\s+){0,3}")
SUBJECT_RE = re.compile(
    r"\b(?i:an?|the|our|these|this)\s+((?:[a-z][\w\-]*\s+){0,5}?[a-z][\w\-]*)\s+"
    r"(?:achieves?|attains?|obtains?|reach(?:es)?|gets?|yields?|sets?|scores?|hits?)\b"
)
GENERIC_SUBJECTS = frozenset("model method approach network framework system architecture".split())
PAREN_STRIP_RE = re.compile(r"\([^()]{0,80}\)")
# Parameter counts: "(86M parameters)", "a 650M Huge model".  The look-behind (no word
# character or "." before the number) sits after the first digit so that the pattern
# starts with a digit class, which ``re`` scans for quickly.
PARAMS_RE = re.compile(
    r"([0-9](?<![\w.][0-9])[0-9]*(?:\.[0-9]+)?)\s?" + HY + r"?\s?(k|m|b|million|billion)\b\s?" + HY + r"?\s?"
    r"(?:param(?:eter)?s?\b|(?:[a-z]\w*\s+)?(?:model|network|variant)\b)"
)
# "28.3M, 49.7M, and 87.9M parameters": a list of counts, zipped with a list of results.
_COUNT_ITEM = r"(?:\.[0-9]+)?\s?(?:k|m|b|million|billion)\b(?:\s?,\s?(?:and\s+)?|\s+and\s+)?"
PARAM_LIST_RE = re.compile(  # 2-12 counts; the first digit is spelled out so that ``re`` skips to digits
    r"([0-9][0-9]*" + _COUNT_ITEM + r"(?:[0-9]+" + _COUNT_ITEM + r"){1,11})\s?param"
)
PARAM_NUMBER_RE = re.compile(r"(?<![\w.])([0-9]+(?:\.[0-9]+)?)\s?(k|m|b|million|billion)\b")
MULTIPLIER = {"k": 10**3, "m": 10**6, "million": 10**6, "b": 10**9, "billion": 10**9}
# Own-model definitions: "we introduce DaViT", "presents Contrastive Captioner (CoCa)".
# Two patterns: "we ..." (found by its literal start, as fast as ``str.find``), and the other
# phrasings, whose rare first words are found with ``str.find`` (see `_definitions`).
_DEFINE_TAIL = r"\s+(?:(?:it|them|this|a|an|the|new|novel|simple|family\s+of|series\s+of)\s+){0,4}"
DEFINE_WE_RE = re.compile(r"we\s+(?:propose|introduce|present|call|term|dub|name|launch|develop)\w*" + _DEFINE_TAIL)
DEFINE_OTHER_RE = re.compile(r"(?:(?:paper|work|report)\s+(?:presents|introduces|proposes|describes)"
                             r"|called|named|dubbed|termed|coined)" + _DEFINE_TAIL)
_DEFINE_HEADS = ("paper", "work", "report", "called", "named", "dubbed", "termed", "coined")
ACRONYM_RE = re.compile(r"\(\s?([A-Za-z][A-Za-z0-9]*(?:[-/][A-Za-z0-9]+)*)\s?\)")
CAP_PHRASE_RE = re.compile(r"[A-Z][\w\-]*(?: [A-Z][\w\-]*){0,2}")

# Capitalised tokens that are datasets, venues, hardware or generic acronyms, never models.
NOT_MODELS = frozenset(
    """imagenet ilsvrc cifar coco mscoco ade20k vtab voc pascal lvis kinetics places
    inaturalist objectnet svhn mnist flickr30k msr-vtt nocaps vqa nlvr2 snli-ve glue squad wmt real
    cnn cnns dnn dnns rnn lstm gan gans nlp cv sota mlp mlps gpu gpus tpu tpus api url http https
    flops gflops macs ap map iou miou fid is bleu rgb ocr ai ml dl rl ssl mim iccv cvpr eccv neurips
    icml iclr tpami aaai arxiv github code top top-1 top-5 se ii iii iv vi mce fps vit-based
    in-1k in-21k in-22k pytorch tensorflow jax keras cuda lsvrc ilsrcv pgd fgsm mcu cpu arm sram""".split()
)
NOT_MODEL_PREFIXES = ("imagenet", "ilsvrc", "cifar", "coco", "kinetics", "top-", "voc", "ade", "in-",
                      "places", "caltech", "food", "stl-", "sun-", "msr-", "lvis", "nlvr", "snli", "vqa",
                      "flickr", "lsvrc", "ms-coco", "iphone", "tpuv", "a100", "v100")
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


def scan_tokens(text: str, low: str, a: int, b: int, corpora: frozenset = frozenset()) -> list[tuple]:
    """Model-like tokens in text[a:b] as (start, end, is_baseline, name); names in `corpora`
    (lower case: the corpus spellings of the rules) are data, never models.

    A token is a baseline when a comparison word precedes it in the same clause
    ("outperforming X", "vs X", "over X") or it continues such a list
    ("than CLIP, ALIGN and BASIC").
    """
    out, last_end, in_cmp = [], a, False
    for m in TOKEN_RE.finditer(text, a, b):
        s, e = m.span()
        if s and (text[s - 1].isalnum() or text[s - 1] in "_-"):
            if not (text[s - 1].islower() and (s < 2 or not text[s - 2].isalnum()) and s - 1 >= a):
                continue
            s -= 1  # one lower-case letter before capitals: "iGPT-L", "iBOT", "mViT"
        tok = text[s:e]
        if not is_model_token(tok) or tok.lower() in corpora:
            continue
        cont = TOKEN_CONT_RE.match(text, e, b)  # "ConvNeXt V2", "ResNeXt-101 32x48d"
        end = cont.end() if cont else e
        gap = low[last_end:s]
        if gap:  # (nothing between two tokens changes nothing)
            cmp = None
            if len(gap) > 1:  # (the shortest comparison word, "vs", has two letters)
                for cmp in _COMPARE_AFTER_NONWORD_RE.finditer(" " + gap):  # (the last comparison word)
                    pass
            if cmp is not None:
                in_cmp = CLAUSE_RE.search(gap, cmp.end() - 1) is None
            else:
                in_cmp = in_cmp and LIST_GAP_RE.fullmatch(gap) is not None
        out.append((s, end, in_cmp, text[s:end]))
        last_end = end
    return out


def first_comparison(low: str, a: int, b: int) -> int:
    """Offset of the first match of TOKEN_COMPARE_RE in low[a:b], or -1; found from the
    non-word character before it (see _COMPARE_AFTER_NONWORD_RE), which is the same first match."""
    if not a:
        m = TOKEN_COMPARE_RE.search(low, 0, b)
        return m.start() if m else -1
    m = _COMPARE_AFTER_NONWORD_RE.search(low, a - 1, b)
    return m.start() + 1 if m else -1


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
    for i, m in enumerate(_definitions(low, min(len(low), 4000))):
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


def _definitions(low: str, end: int):
    """Matches of DEFINE_WE_RE or DEFINE_OTHER_RE in low[:end], in order and not
    overlapping, as one pattern with both as alternatives would find them (no two can
    match at one offset: their first two letters differ)."""
    pos = 0
    we = DEFINE_WE_RE.search(low, 0, end)
    while True:
        first = we.start() if we else end
        found = we
        for head in _DEFINE_HEADS:  # an earlier other phrasing wins
            i = low.find(head, pos, first + len(head) - 1)
            while i >= 0:
                m = DEFINE_OTHER_RE.match(low, i, end)
                if m:
                    found, first = m, i
                    break
                i = low.find(head, i + 1, first + len(head) - 1)
        if found is None:
            return
        yield found
        pos = found.end()
        if we is not None and we.start() < pos:
            we = DEFINE_WE_RE.search(low, pos, end)
