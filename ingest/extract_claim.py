"""The last decisions about a number, and who it belongs to.

`finish(doc, n, prev)` takes a number whose windows and local cues `ingest.extract` has
read (a `_Num`), resolves what it still lacks from its sentence and the abstract (metric,
dataset, setting, model, extra data, parameter count), and returns the claim dict, or
None when the number is no ImageNet-family result.  `prev` is the sentence's previous
claim, which later numbers borrow from.

The second half reads who a claim belongs to: capitalised tokens that look like model
names (`scan_tokens`, with the comparisons that make some of them baselines), the paper's
own model named by the title or defined in the abstract (`title_name`, `defined_name`),
and the extra data stated right after a model's name (`extra_after`).
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from . import extract_patterns as P

if TYPE_CHECKING:
    from .extract import Doc, _Num

FAR_CAP = 400  # far window (back towards the sentence start)
EVIDENCE_CAP = 600  # longer "sentences" are cut to a window around the number
FAMILY = frozenset({"imagenet-1k", "imagenet-v2", "imagenet-real", "imagenet-a", "imagenet-r",
                    "imagenet-sketch", "imagenet-c", "imagenet-21k"})


def finish(doc: Doc, n: _Num, prev: _Num | None) -> dict | None:
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


def _model(doc: Doc, n: _Num, prev: _Num | None) -> tuple[str, str]:
    """Model the number belongs to, and how that was decided (kept for confidence)."""
    text = doc.text
    chain = n.chain
    if chain and len(chain) > 1:  # "DaViT-Tiny, DaViT-Small, and DaViT-Base achieve 82.8%, 84.2%, and 84.6%"
        head = doc.tokens(n, chain[0].far_a, chain[0].start)[-len(chain):]
        if len(head) == len(chain):
            return head[chain.index(n)][3], "explicit"
    size = None
    a, low = n.between_a, doc.low
    if (low.find(" model", a, n.start) >= 0 or low.find(" variant", a, n.start) >= 0
            or low.find(" version", a, n.start) >= 0 or low.find(" network", a, n.start) >= 0):
        for size in SIZE_MODEL_RE.finditer(text, a, n.start):
            pass
    if size:  # "a 650M Huge model that achieves" -> "<own name>-Huge"
        far = doc.tokens(n, n.far_a, size.start())
        base = doc.own_name or (far[-1][3] if far else "")
        if base:
            return f"{base}-{size.group('size')}", "explicit"
    near = doc.tokens(n, n.pre_a, n.start)
    if near:
        return near[-1][3], "explicit"
    a, b = n.uend, n.post_b
    if low.find("with", a, b) >= 0 or low.find("using", a, b) >= 0 or low.find("for", a, b) >= 0:
        for w in WITH_MODEL_RE.finditer(low, a, b):  # "77.1% ... with a ResNet-50"
            after = doc.tokens(n, w.end(), b)
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
    subject = SUBJECT_RE.search(PAREN_STRIP_RE.sub("", text[n.far_a:n.start]))
    if subject and subject.group(1) not in GENERIC_SUBJECTS:  # "An ensemble of these residual nets"
        return subject.group(1), "subject"
    return doc.title.strip()[:200] or "unknown", "title"


def _extra_data(doc: Doc, n: _Num, how: str, prev: _Num | None):
    """Named corpus, True (clear but unnamed), or None, from n's clause (cut after any
    comparison, so a baseline's data is not taken) or from another mention of the same
    model ("a ViT-G pre-trained on JFT")."""
    head = n.chain[0] if n.chain else n  # "Without extra data, A, B and C reach x, y and z"
    a = max(head.between_a, doc.text.rfind(";", n.far_a, n.start) + 1)  # this claim's clause only
    cues = doc.window(a, n.post_b)
    cmp = -1
    for i, c in enumerate(cues):
        if c[2] == "cmp" and c[0] < n.start:
            cmp = i
    if cmp >= 0:  # after a comparison, only what follows its clause is about n
        cues = cues[next((j for j in range(cmp, len(cues)) if cues[j][2] == "sep"), len(cues)):]
    named = unnamed = None
    for c in cues:
        family = c[2]
        if family == "xneg":
            return None  # "without extra data", "only ImageNet-1K data"
        if family == "xnamed":  # the last one named before n, else the first one after it
            if named is None or c[0] < n.start:
                named = c
        elif family == "xun":
            unnamed = True
    if named is not None:
        return named[3]
    if unnamed:
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


def _params(doc: Doc, n: _Num, first: bool) -> int | None:
    """Parameter count stated for n's model: "(86M parameters)", "a 650M Huge model",
    "with 28.3M, 49.7M, and 87.9M parameters, respectively" (zipped with a list)."""
    low = doc.low
    chain = n.chain
    if chain and len(chain) > 1:
        counts = doc.param_lists.get(id(chain))  # the same for every member of the list
        if counts is None:
            a, b = chain[-1].uend, min(chain[-1].s1, chain[-1].uend + 300)
            plist = PARAM_LIST_RE.search(low, a, b) if low.find("param", a, b) >= 0 else None
            counts = doc.param_lists[id(chain)] = PARAM_NUMBER_RE.findall(plist.group(1)) if plist else []
        if len(counts) == len(chain):
            return _count(*counts[chain.index(n)])
    # one pass: the closest count before n since the previous number, else the first one
    # right after n, else (first claim of its sentence) the closest one before it
    a, b = n.far_a if first else n.between_a, n.post_b
    if (low.find("param", a, b) < 0 and low.find("model", a, b) < 0 and low.find("network", a, b) < 0
            and low.find("variant", a, b) < 0):
        return None  # every count ends with one of these words (cheap test first)
    since = before = after = None
    for m in PARAMS_RE.finditer(low, a, b):
        if m.start() < n.start:
            before = m
            if m.start() >= n.between_a:
                since = m
        elif m.start() >= n.uend:
            after = m
            break
    found = since or after or before
    return _count(found.group(1), found.group(2)) if found else None


def _count(number: str, unit: str) -> int:
    """ "28.3", "m" -> 28300000."""
    return int(round(float(number) * MULTIPLIER[unit]))


# How much less sure a claim is, by how its dataset and its model were decided.
_DATASET_DOUBT = {"local": 0, "sibling": 0.05, "sentence": 0.05, "pretrain": 0.1, "carry": 0.15}
_MODEL_DOUBT = {"explicit": 0, "sibling": 0.03, "own": 0.05}


def _claim(doc: Doc, n: _Num, model: str, how: str, setting: str | None, extra, first: bool) -> dict:
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
    conf -= _DATASET_DOUBT.get(n.ds_how, 0.2)
    conf -= _MODEL_DOUBT.get(how, 0.15)
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


# --- model names (original text: capitals matter) ----------------------------------------
# Capital-first so the scan skips lower-case text fast; `scan_tokens` drops tokens glued
# to a preceding word character or hyphen.  A plain capitalised word ("We", "Transformer")
# is never a model name (see `is_model_token`): the look-ahead skips it in the scan already.
TOKEN_RE = re.compile(r"[A-Z](?![a-z]*(?![A-Za-z0-9]|[-/.][A-Za-z0-9]))[A-Za-z0-9]*(?:[-/.][A-Za-z0-9]+)*")
TOKEN_CONT_RE = re.compile(r" (?:V\d+|v\d+|\d+x\d+d|Transformers?|Networks?|Nets?)\b")
# Comparison words: before a model name they make it a baseline (`scan_tokens`); after one
# they end the text `extra_after` reads.  "over" only counts here ("2.3% over ResNet-50").
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
    r"([0-9](?<![\w.][0-9])[0-9]*(?:\.[0-9]+)?)\s?" + P.HY + r"?\s?(k|m|b|million|billion)\b\s?" + P.HY + r"?\s?"
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
        s, e = m.span()
        if s and (text[s - 1].isalnum() or text[s - 1] in "_-") or not is_model_token(m.group()):
            continue
        cont = TOKEN_CONT_RE.match(text, e, b)  # "ConvNeXt V2", "ResNeXt-101 32x48d"
        end = cont.end() if cont else e
        gap = low[last_end:s]
        if gap:  # (nothing between two tokens changes nothing)
            cmp = None
            for cmp in TOKEN_COMPARE_RE.finditer(gap):
                pass
            if cmp is not None:
                in_cmp = CLAUSE_RE.search(gap, cmp.end()) is None
            else:
                in_cmp = in_cmp and LIST_GAP_RE.fullmatch(gap) is not None
        out.append((s, end, in_cmp, text[s:end]))
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


# --- extra data stated right after a model's name ("ViT-G pre-trained on JFT") ----------
CC_NUMBER_RE = re.compile(r"cc[0-9]")


def _names_extra_data(window: str) -> bool:
    """Might `window` name extra data?  False only when it holds none of the words that
    start EXTRA_NAMED_RE's names and EXTRA_WORD_RE's phrases (or "cc" and a digit, "CC12M";
    "webli" and "webimagetext" hold "web").  Substring tests in one expression: many times
    faster than one pattern searching for any of them."""
    return ("alt" in window or "large" in window or "web" in window or "extra" in window or "weak" in window
            or "external" in window or "additional" in window or "jft" in window or "ig-" in window
            or "instagram" in window or "laion" in window or "yfcc" in window or "datacomp" in window
            or "coyo" in window or ("cc" in window and CC_NUMBER_RE.search(window) is not None))


def _clause_end(low: str, a: int, b: int) -> int:
    """Offset of the first stop (".", ";", "!", "?") in low[a:b] followed by white space or
    by b, else b.  Found with ``str.find`` for each stop character: much faster than a
    pattern starting with the class [.;!?]."""
    end = b
    for stop in ".;!?":
        i = low.find(stop, a, end)
        while i >= 0:
            if i + 1 >= b or low[i + 1].isspace():
                end = i
                break
            i = low.find(stop, i + 1, end)
    return end


def extra_after(low: str, text: str, a: int, b: int) -> str | bool | None:
    """Extra pre-training data stated right after a model's name ending at a ("ViT-G
    pre-trained on JFT", "CoCa is pretrained on web-scale alt-text data"): the corpus name
    as written, True (clear but unnamed), or None.  Reads at most 160 characters, to the
    end of the clause, and not past a comparison (that data is the baseline's)."""
    end = min(b, a + 160)
    if not _names_extra_data(low[a:end]):
        return None  # the common case, ruled out before finding where the clause ends
    end = _clause_end(low, a, end)
    window = low[a:end]
    # What could be found at all (substring tests; on ASCII text a corpus name found case
    # blind in `text` is a plain substring of `low`): the patterns only run if it can.
    named = not window.isascii() or _may_name_corpus(window)
    unnamed = _may_say_extra_data(window)
    if not (named or unnamed):
        return None
    cmp = TOKEN_COMPARE_RE.search(low, a, end)
    end = cmp.start() if cmp else end  # "X outperforms Y pre-trained on JFT": Y's data
    if P.ONLY_IMAGENET_RE.search(low, a, end) or P.NO_EXTRA_RE.search(low, a, end):
        return None
    named = named and P.EXTRA_NAMED_RE.search(text, a, end)
    if named:
        return named.group()
    return True if unnamed and P.EXTRA_WORD_RE.search(low, a, end) else None


def _may_name_corpus(window: str) -> bool:
    """Could P.EXTRA_NAMED_RE match in `window` (lower case)?  It needs one of these words."""
    for name in _CORPUS_HEADS:
        if name in window:
            return True
    return "cc" in window and CC_NUMBER_RE.search(window) is not None


def _may_say_extra_data(window: str) -> bool:
    """Could P.EXTRA_WORD_RE match in `window`?  Each of its phrasings needs these words."""
    return ("web" in window or "weak" in window or ("alt" in window and "text" in window)
            or ("large" in window and "datasets" in window)
            or ("data" in window and ("extra" in window or "external" in window or "additional" in window)))


_CORPUS_HEADS = ("jft", "ig-", "instagram", "laion", "yfcc", "webimagetext", "datacomp", "coyo", "webli")
