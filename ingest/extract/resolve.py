"""The last decisions about a number, and the claim dict.

`finish(doc, n, prev, last)` takes a number whose windows and local cues `sentence.read` has
set, resolves what it still lacks from its sentence, the sentence before and the abstract
(metric, dataset, setting, model, extra data, parameter count), and returns the claim, or
None when the number is no ImageNet result whose metric the rules know.  `prev` is the
sentence's previous claim, which later numbers borrow from; `last` says n is the sentence's
last number (the rest of the sentence then speaks for it).

Metric ids: the metric (top1_acc, top5_err, mce ...) plus what the number is: a gain
(`top1_acc_delta`), a loss (`top1_acc_drop`), a bound (`top1_acc_lower_bound`,
`top1_acc_drop_upper_bound` ...), or accuracy that is not clean accuracy
(`robust_top1_acc`, `certified_top1_acc`).  A claim is emitted only when rules/metrics.toml
knows its metric id.
"""

from __future__ import annotations

import re

from . import cues as C
from .attributes import baseline_of, extra_before, extra_data, model_of, params_of
from .doc import Doc, Num
from .sentence import best_setting
from .vocab import APPROX_WORDS, FAMILY, achieves, mentions_imagenet

EVIDENCE_CAP = 600  # longer "sentences" are cut to a window around the number
# A sentence that continues the one before it: protocol words there speak for it too.
CONTINUES_RE = re.compile(
    r"(?:it|this|these|they|its|their|such|the\s+(?:result|results|resulting|model|models|accuracy|performance"
    r"|network|method|approach|same)|for\s+(?:example|instance)|in\s+particular|specifically|moreover"
    r"|furthermore|further|additionally|besides|also|when|with\s+(?:this|these|it|such)|then|thus|hence"
    r"|as\s+a\s+result|notably|finally|again|likewise|similarly|here|there)\b")


def finish(doc: Doc, n: Num, prev: Num | None, last: bool) -> dict | None:
    """Resolve what n still lacks, decide whether it is a claim, and build the dict."""
    low = doc.low
    if prev is not None:  # the sentence's previous claim
        if n.kind is None and n.dataset in (None, prev.dataset) and prev.kind != "mce":
            n.kind, n.k, n.qual = prev.kind, n.k or prev.k, n.qual or prev.qual
        if n.dataset is None:
            n.dataset, n.ds_how = prev.dataset, "sibling"
    before = doc.last_claim  # the latest claim, in the previous sentence or one it continues
    if n.kind is None and before is not None and doc.claims_end == n.s0 and (
            n.role == "baseline" or n.form == "point" or achieves(low, n.pre_a, n.start)):
        n.inherit = before  # "This is a 26% relative improvement over the winner (GoogLeNet, 6.66%)"
        n.kind, n.k, n.qual = before.kind, n.k or before.k, n.qual or before.qual
        if n.dataset is None:
            n.dataset, n.ds_how = before.dataset, "sibling"
    if n.kind is None and (n.form in ("delta", "drop") or n.bound):  # "For ImageNet zero-shot accuracy, X outperforms Y by 8.2%"
        kinds = doc.cues_in(n.far_a, n.start, "kind")
        n.kind = kinds[-1][3] if kinds else None
    if n.dataset is None:
        found = doc.datasets(n.far_a, n.start) or doc.datasets(n.post_b, min(n.s1, n.post_b + 300))[:1]
        if found:
            n.dataset, n.ds_how = found[-1], "sentence"
        elif n.kind in ("acc", "err", "mce") or (n.form in ("delta", "drop") and n.kind is None):
            n.dataset, n.ds_how = C.last_dataset(low, doc.text, max(0, n.s0 - 3000), n.s0), "carry"
            if n.dataset is None and mentions_imagenet(doc.title.lower()):
                n.dataset, n.ds_how = "imagenet-1k", "title"
            elif n.dataset is None and doc.only_imagenet:  # the one benchmark the abstract names
                n.dataset, n.ds_how = "imagenet-1k", "only"
    if n.kind is None and n.k is not None:  # "85.1% top-1 on ImageNet": top-k alone means accuracy
        n.kind = "acc"
    if n.kind is None:
        if n.dataset in FAMILY and (n.form in ("delta", "drop") or n.bound or (
                n.ds_how != "carry" and achieves(low, n.far_a, n.start))):
            n.kind, n.kind_fallback = "acc", True  # "BiT attains 76.8% on ILSVRC-2012", "by 2%"
        else:
            return None
    # The setting is read once a number may be a claim (nothing before this point reads it),
    # or here, where it decides the dataset.
    settled = n.dataset is None and n.kind == "acc"
    if settled:
        _sentence_setting(doc, n, prev, last)
        if n.setting in _PROBES and any(c[3] == "imagenet" for c in doc.cues_in(n.s0, n.s1, "pre")):
            n.dataset, n.ds_how = "imagenet-1k", "pretrain"  # "this ImageNet-pretrained X ... linear-probe accuracy"
    if n.dataset is None and n.kind in ("acc", "err") and any(
            c[3].lower().startswith(("imagenet", "in")) for c in doc.cues_in(n.s0, n.s1, "xnamed")):
        n.dataset, n.ds_how = "imagenet-1k", "pretrain"  # "Using ImageNet-22K pre-training, X achieves 87.3%"
    if n.kind == "non" or n.dataset not in FAMILY:
        return None  # another metric, or another dataset ("91.7% on CIFAR-100")
    metric = _metric(n)
    if metric not in doc.words.metrics:
        return None  # a figure the rules do not know (an upper bound of a gain, top-5 deltas ...)
    if not settled:
        _sentence_setting(doc, n, prev, last)
    if n.role == "baseline":
        model, how = baseline_of(doc, n), "baseline"
    else:
        model, how = model_of(doc, n, prev)
    n.model = model
    extra, pretrained = extra_data(doc, n, how, prev)
    if extra is None and n.carried and n.setting == "finetuned":  # the corpus pre-trained on, said before
        extra, pretrained = extra_before(doc, n)
    n.extra = extra
    if how in ("explicit", "own") and n.role != "baseline":
        doc.last_model = model
    setting = n.setting
    if setting == "from_scratch" and extra:
        setting = None  # "scaled up with 1.5B image-text pairs" is no training from scratch
    if setting is None and n.dataset == "imagenet-1k" and n.role != "baseline" and (
            (extra and pretrained) or doc.framing):
        setting = "finetuned"  # pre-trained on more data, then reported on ImageNet-1k
    n.setting = setting
    if metric in _CORE and n.role != "baseline":
        doc.last_claim = n
    doc.claims_end = n.s1
    return _claim(doc, n, metric, how, prev is None)


_CORE = frozenset({"top1_acc", "top5_acc", "top1_err", "top5_err"})
_PROBES = frozenset({"linear_probe", "frozen", "zero_shot", "few_shot", "semi_supervised"})  # read on the same set


def _sentence_setting(doc: Doc, n: Num, prev: Num | None, last: bool) -> None:
    """n's setting when its own windows name none: from the text since the previous claim,
    the previous claim's, the rest of the sentence, then the sentence before."""
    if n.setting is None:  # "When fine-tuned on only 1% of the labels, we achieve 85.8%"
        n.setting = best_setting({c[3] for c in doc.cues_in(prev.post_b if prev else n.far_a, n.start, "set")})
        n.set_before = n.setting is not None
    if n.setting is None and prev is not None and (prev.set_before or n.form in ("delta", "drop")
                                                   or n.role == "baseline"):
        n.setting = prev.setting  # "zero-shot top-1 of 83.7 and top-5 of 97.2"; a gain over it; a rival's
        n.set_before = prev.set_before
    if n.setting is None and last:  # "... reaches 85.5% top-1 accuracy, without extra data."
        n.setting = best_setting({c[3] for c in doc.cues_in(n.uend, n.s1, "set")})
    if n.setting not in (None, "from_scratch") or n.role == "baseline":
        return
    span = doc.sentence_before(n.s0)
    if span is None:
        return
    carried = {c[3] for c in doc.setting_cues(*span)}
    if len(carried) != 1:
        return  # nothing, or several protocols: none speaks for this sentence
    (carried,) = carried
    if carried == "finetuned" or (n.setting is None and (
            carried == "from_scratch" or CONTINUES_RE.match(doc.low, _first_word(doc.low, n.s0)))):
        n.setting, n.carried = carried, True  # "... after pre-training on X and fine-tuning. It achieves 88.1%"


def _first_word(low: str, s0: int) -> int:
    while s0 < len(low) and not low[s0].isalpha():
        s0 += 1
    return s0


def _metric(n: Num) -> str:
    """The metric id of n (see the module doc)."""
    k = n.k
    if n.kind == "mce" or (n.kind == "err" and n.dataset == "imagenet-c" and k is None):
        base = "mce"
    else:
        if k is None:
            # An unqualified ImageNet error below 9% can only be top-5: no model has ever
            # reached a 9% top-1 error, and ILSVRC's official metric was top-5 error.
            k = 5 if n.kind == "err" and n.dataset == "imagenet-1k" and n.value < 9 and n.form is None else 1
        base = f"top{k}_{'acc' if n.kind == 'acc' or n.form in ('delta', 'drop') else 'err'}"
    if n.qual:
        base = f"{n.qual}_{base}"
    form, bound = n.form, n.bound
    if form in ("delta", "drop"):
        base += "_" + form
        if bound == "upto":
            bound = "upper" if form == "drop" else None  # "up to 4.0% improvement": a best case
    elif bound == "upto":
        bound = None  # "where we obtain up to 85.2% accuracy"
    return base + ("_" + bound + "_bound" if bound else "")


# How much less sure a claim is, by how its dataset and its model were decided.
_DATASET_DOUBT = {"local": 0, "sibling": 0.05, "sentence": 0.05, "pretrain": 0.1, "carry": 0.15, "only": 0.2}
_MODEL_DOUBT = {"explicit": 0, "sibling": 0.03, "own": 0.05, "baseline": 0.05}


def _claim(doc: Doc, n: Num, metric: str, how: str, first: bool) -> dict:
    """The output dict; `first`: n is the first claim of its sentence."""
    text = doc.text
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
    conf -= 0.1 if doc.low[max(0, n.start - 16):n.start].rstrip(" $").endswith(APPROX_WORDS) else 0
    return {
        "model": n.model,
        "dataset": n.dataset,
        "metric": metric,
        "value": n.value,
        "raw_value": n.raw,
        "setting": n.setting,
        "extra_data": n.extra,
        "params": params_of(doc, n, first) if n.role != "baseline" else None,
        "role": n.role,
        "evidence": text[a:b],
        "start": a,
        "end": b,
        "confidence": round(max(0.05, conf), 2),
    }
