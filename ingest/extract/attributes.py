"""Who a claim belongs to and what it was trained with: model, baseline model, extra data,
parameter count.

`model_of(doc, n, prev)` names the paper's side of a number (a token near it, a list zipped
with its models, "a 650M Huge model", the paper's own model, ...); `baseline_of(doc, n)` names
the other model a quoted number belongs to ("outperforming Vim-B's 81.8%", "(GoogLeNet,
6.66%)", "compared with 68.3% of the original CLIP", "prior art has 27.9%").
`extra_data(doc, n, how, prev)` reads the extra training data from the claim's clause or from
another mention of its model: a corpus of rules/corpora.toml, True (clear but unnamed), or
None, and whether it came with pre-training words.  `params_of` reads the parameter count.
"""

from __future__ import annotations

import re

import rules.corpora

from . import cues as C
from .doc import Doc, Num
from .models import (GENERIC_SUBJECTS, MULTIPLIER, PARAM_LIST_RE, PARAM_NUMBER_RE, PARAMS_RE, PAREN_STRIP_RE,
                     SIZE_MODEL_RE, SUBJECT_RE, WITH_MODEL_RE, first_comparison)


def model_of(doc: Doc, n: Num, prev: Num | None) -> tuple[str, str]:
    """Model the number belongs to, and how that was decided (kept for confidence)."""
    text, low = doc.text, doc.low
    chain = n.chain
    if chain and len(chain) > 1 and n.pure:  # "DaViT-Tiny, DaViT-Small, and DaViT-Base achieve 82.8%, ..."
        head = doc.tokens(n, chain[0].far_a, chain[0].start)[-len(chain):]
        if len(head) == len(chain):
            return head[chain.index(n)][3], "explicit"
    size = None
    a = n.between_a
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
    if prev is not None and prev.model and prev.role != "baseline":
        return prev.model, "sibling"
    if n.inherit is not None and n.inherit.model:
        return n.inherit.model, "sibling"
    if doc.own_name:
        return doc.own_name, "own"
    if doc.last_model:  # "The model also performs well for few-shot transfer, reaching ..."
        return doc.last_model, "previous"
    subject = SUBJECT_RE.search(PAREN_STRIP_RE.sub("", text[n.far_a:n.start]))
    if subject and subject.group(1) not in GENERIC_SUBJECTS:  # "An ensemble of these residual nets"
        return subject.group(1), "subject"
    return doc.title.strip()[:200] or "unknown", "title"


_BASE_PHRASE_RE = re.compile(r"\s*[A-Za-z][\w\-' ]{0,48}?(?=\s*[(,;]|\s+(?:has|have|had|achiev\w*|obtain\w*|reach\w*"
                             r"|report\w*|with|at|by|of|on|is|are|was|were|which|that)\b|$)")


_BY_PHRASE_RE = re.compile(r"\s{0,3}(?:\\?%)?\s{0,2}(?:achieved|obtained|reached|reported)\s+by\s+"
                           r"((?:the\s+)?[\w\-' ]{1,40}?)(?=\s*[,;.)]|\s+(?:and|while|with|on)\b|$)")
_CMP_WORDS_BEFORE_NAMES = frozenset("than vs versus outperform surpass suppress beat exceed compared against above below"
                                    " relative".split())


def baseline_of(doc: Doc, n: Num) -> str:
    """The other model a baseline number belongs to."""
    text = doc.text
    if n.form == "from":  # "beats iGPT-L ... from 60.3% to 73.2%", "improves ResNet-50 from 76.1% to"
        toks = doc.tokens(n, n.far_a, n.start, baseline=True)
        flagged = [t for t in toks if t[2]]
        if not flagged and n.right is not None:  # "... to 76.0% over its MoCo v3 starting point"
            flagged = [t for t in doc.tokens(n, n.right.uend, n.right.post_b, baseline=True) if t[2]][:1]
        return (flagged or toks)[-1][3] if flagged or toks else "baseline"
    p = text.rfind("(", n.far_a, n.start)
    if p >= 0 and text.find(")", p, n.start) < 0:  # "(GoogLeNet, 6.66%)", "GhostNetV1 (74.5%)"
        inside = doc.tokens(n, p + 1, n.start, baseline=True)
        if inside:
            return inside[-1][3]
        before = doc.tokens(n, max(n.pre_a, p - 60), p, baseline=True)
        if before and text[before[-1][1]:p].strip() == "":
            return before[-1][3]
    near = doc.tokens(n, n.pre_a, n.start, baseline=True)
    if near and near[-1][2]:
        return near[-1][3]  # "outperforming Vim-B's 81.8%"
    after = doc.tokens(n, n.uend, n.post_b, baseline=True)
    if after:
        return after[0][3]  # "compared with 68.3% of the original CLIP", "vs 81.8% for DeiT-B"
    m = _BY_PHRASE_RE.match(text, n.uend, n.post_b)
    if m:  # "26.2% achieved by the second-best entry"
        return m.group(1).strip()
    cmp = doc.cues_in(n.far_a, n.start, "cmp")
    if cmp:  # "prior art has 27.9%", "human-level performance (5.1%)"
        c = cmp[-1]
        m = _BASE_PHRASE_RE.match(text, c[1] if c[3] in _CMP_WORDS_BEFORE_NAMES else c[0], n.start)
        if m and m.group().strip():
            return m.group().strip()
    return near[-1][3] if near else "baseline"


def extra_data(doc: Doc, n: Num, how: str, prev: Num | None) -> tuple[object, bool]:
    """(extra data, stated with pre-training words) for claim n.  Extra data is a corpus name
    (rules/corpora.toml), True (clear but unnamed: "web-scale", "940 million images"), or None;
    read from n's clause (cut after any comparison, so a baseline's data is not taken) or from
    another mention of the same model ("a ViT-G pre-trained on JFT")."""
    head = n.chain[0] if n.chain else n  # "Without extra data, A, B and C reach x, y and z"
    a = max(head.between_a, head.far_a, doc.text.rfind(";", n.far_a, n.start) + 1)  # this claim's clause only
    cues = doc.window(a, n.post_b)
    cmp = -1
    for i, c in enumerate(cues):
        if c[2] == "cmp" and c[0] < n.start:
            cmp = i
    if cmp >= 0 and n.role != "baseline":  # after a comparison, only what follows its clause is about n
        cues = cues[next((j for j in range(cmp, len(cues)) if cues[j][2] == "sep"), len(cues)):]
    named = unnamed = None
    pre = False
    for c in cues:
        family = c[2]
        if family == "xneg":
            return None, False  # "without extra data", "only ImageNet-1K data"
        if family == "xnamed":  # the last one named before n, else the first one after it
            if named is None or c[0] < n.start:
                named = c
        elif family == "xun":
            unnamed = True
        elif family == "pre":
            pre = True
    if named is None and _may_name_data(doc.low, a, n.post_b):
        corpus = doc.corpus_in(a, n.post_b)
        if corpus is not None:
            return corpus, pre
    if named is not None:
        return _corpus(doc, named[3]), pre or named[3].lower().startswith(("imagenet", "in-2", "in2"))
    if unnamed:
        return True, pre
    if n.setting == "from_scratch" or n.role == "baseline":
        return None, False
    if prev is not None and prev.model == n.model and prev.extra is not None:
        return prev.extra, True  # "... achieves 86.4% top-1 accuracy (top-5: 98.0%)"
    names = [n.model] if how in ("explicit", "sibling") else []
    own = doc.own_name
    if own and (how in ("own", "subject", "title", "previous") or n.model == own):
        names.append(own)
    for name in names:
        found = doc.extra_for(name, extra_after)
        if found is not None:
            return found
    return None, False


def extra_before(doc: Doc, n: Num) -> tuple[object, bool]:
    """Extra data named in the sentence before n's, when n's setting came from there ("We
    pre-train on LAION-2B and fine-tune on ImageNet-1K. It achieves 88.1%")."""
    span = doc.sentence_before(n.s0)
    if span is None:
        return None, False
    cues = doc.scan(span[0], span[1], limit=500)
    if any(c[2] == "xneg" for c in cues):
        return None, False
    named = next((c[3] for c in cues if c[2] == "xnamed"), None) or doc.corpus_in(*span)
    pre = any(c[2] == "pre" for c in cues)
    if named is not None:
        return _corpus(doc, named), pre
    return (True, pre) if any(c[2] == "xun" for c in cues) else (None, False)


def _may_name_data(low: str, a: int, b: int) -> bool:
    """Could low[a:b] name extra data?  Its corpus is named with training words ("pre-trained
    on JFT-300M", "trained on YFCC-15M", "LAION-2B data") in every way we know."""
    return low.find("train", a, b) >= 0 or low.find("data", a, b) >= 0 or low.find("corpus", a, b) >= 0


def _corpus(doc: Doc, name: str) -> str:
    """A corpus as rules/corpora.toml names it ("ImageNet-22k" -> "ImageNet-22K")."""
    return rules.corpora.from_text(name) or name


def extra_after(doc: Doc, a: int) -> tuple[object, bool] | None:
    """Extra pre-training data stated right after a model's name ending at a ("ViT-G
    pre-trained on JFT", "CoCa is pretrained on web-scale alt-text data"): (corpus or True,
    pre-training words?), or None.  Reads at most 160 characters, to the end of the clause,
    and not past a comparison (that data is the baseline's)."""
    low = doc.low
    end = min(len(low), a + 160)
    window = low[a:end]
    if not ("train" in window or "data" in window or "web" in window or "weak" in window or "pairs" in window
            or "alt" in window):
        return None  # the common case: every way of stating extra data uses one of these words
    end = _clause_end(low, a, end)
    cmp = first_comparison(low, a, end)
    end = cmp if cmp >= 0 else end  # "X outperforms Y pre-trained on JFT": Y's data
    if C.no_extra(low, a, end):
        return None  # "without extra data", "only ImageNet-1K data"
    pre = C.PRETRAIN_RE.search(low, a, end) is not None
    named = doc.corpus_in(a, end)
    if named:
        return named, pre or named.lower().startswith(("imagenet", "in-2", "in2"))
    return (True, pre) if C.unnamed_extra(low, a, end) else None


def _clause_end(low: str, a: int, b: int) -> int:
    """Offset of the first stop (".", ";", "!", "?") in low[a:b] followed by white space or
    by b, else b."""
    end = b
    for stop in ".;!?":
        i = low.find(stop, a, end)
        while i >= 0:
            if i + 1 >= b or low[i + 1].isspace():
                end = i
                break
            i = low.find(stop, i + 1, end)
    return end


def params_of(doc: Doc, n: Num, first: bool) -> int | None:
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
