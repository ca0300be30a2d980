"""How result tables name datasets, metrics and column kinds in headers, group rows and captions.

`datasets_in(text)` finds dataset mentions: the ImageNet family by id (`imagenet-1k`,
`imagenet-v2`, `imagenet-a`, ...; ImageNet-21K/22K count as pre-training corpora, not as an
evaluation set, and so does any ImageNet named right after "pre-trained on" or right before
"pre-trained"), other benchmarks as `other:<word>`. `column_kind(header)` says what a column
holds from its joined header text. `Words` reads the evaluation setting (rules/settings.toml) and corpus names (rules/corpora.py).
"""
from __future__ import annotations

import re
from functools import lru_cache

from rules.corpora import from_text, text_pattern
from rules.files import load
from rules.settings import header_patterns, label_patterns, names

HY = "[-\u2010\u2011\u2012\u2013_]"
# ImageNet spelled out (any case): "ImageNet-1K", "ImageNet 1k", "ImageNet-V2", "ImageNet-A",
# "ILSVRC-2012", "ImageNet (val)".
_IMAGENET_RE = re.compile(
    r"(?<![A-Za-z0-9])(?:image" + HY + r"?\s?net|ilsvrc)(?:\s?" + HY + r"?\s?(?P<v>1k|1000|21k|22k|2012|12|v2|real"
    r"|sketch|val|100|lt|a|r|c|o|s)(?![A-Za-z0-9]))?", re.I)
# The abbreviations: "IN-1K", "IN1k", "IN-A", "IN-V2", "IN-Sketch", "IN" alone (capitals only).
_IN_RE = re.compile(r"(?<![A-Za-z0-9])(?:IN|In|in)(?:" + HY + r"?(?P<v>1[Kk]|21[Kk]|22[Kk]|V2|v2|ReaL|Real|real)"
                    r"|" + HY + r"(?P<w>A|R|C|O|S|Sk|Sketch|LT|Val|val))(?![A-Za-z0-9])"
                    r"|(?<![A-Za-z0-9])IN(?![A-Za-z0-9\-])")
_SUBSET_RE = re.compile(r"(?:mini|tiny|tiered)" + HY + r"?\s?image" + HY + r"?\s?net", re.I)
_PRETRAIN_BEFORE_RE = re.compile(r"pre" + HY + r"?\s?train\w*\s+(?:\w+\s+){0,3}(?:on|with|using|from)\s+(?:the\s+)?$"
                                 r"|(?:supervised|trained)\s+(?:only\s+)?on\s+$", re.I)
_PRETRAIN_AFTER_RE = re.compile(r"\s?" + HY + r"?\s?(?:pre" + HY + r"?\s?train|supervised\s+pre)", re.I)
VARIANTS = {"1k": "imagenet-1k", "1000": "imagenet-1k", "2012": "imagenet-1k", "12": "imagenet-1k",
            "val": "imagenet-1k", "v2": "imagenet-v2", "real": "imagenet-real", "sketch": "imagenet-sketch",
            "s": "imagenet-sketch", "sk": "imagenet-sketch", "a": "imagenet-a", "r": "imagenet-r",
            "c": "imagenet-c", "o": "imagenet-o", "lt": "imagenet-lt", "100": "imagenet-100",
            "21k": "pretrain", "22k": "pretrain"}
# Benchmarks other than ImageNet that share tables with it (classification transfer, dense tasks).
_OTHER_RE = re.compile(
    r"(?<![A-Za-z0-9])(cifar|caltech|dtd|pets|flowers?|sun ?397|aircraft|stanford ?cars|cars|food|stl|mnist"
    r"|svhn|inat\w*|places|objectnet|coco|ade ?20k|ade|voc|cityscapes|lvis|kinetics|k400|k600|ssv2|vtab"
    r"|eurosat|resisc|gtsrb|kitti|pcam|clevr|flickr|nocaps|vqa\w*|gqa|mmlu|ucf|hmdb|cub|nabirds|birdsnap"
    r"|fgvc|country211|fer2013|sst|rendered|jft|celeba|lsun|ffhq)(?![A-Za-z])", re.I)
_AVERAGE_RE = re.compile(r"^\W*(?:avg|average|mean|overall|all)\W*$", re.I)

TOP1_RE = re.compile(r"top" + HY + r"?\s?1(?!\d)|acc@1|@1\b|\bt1\b", re.I)
TOP5_RE = re.compile(r"top" + HY + r"?\s?5(?!\d)|acc@5|@5\b", re.I)
ACC_RE = re.compile(r"\bacc(?:uracy|uracies|\.)?(?![a-z])|\bcls\.?\s*\(?%|\bclassification\b", re.I)
ERR_RE = re.compile(r"\berr(?:or|ors|\.)?\b", re.I)
OTHER_METRIC_RE = re.compile(
    r"\bm?ap(?![a-z])|\bap(?:box|mask|bb|mk|50|75|s|m|l)\b|m?iou\b|\bpq\b|fid\b|(?-i:\bIS\b)|psnr|ssim|lpips"
    r"|bleu|cider|rouge|\bwer\b|perplexity|\bppl\b"
    r"|recall|r@\d|\bnll\b|\bloss\b|\bmce\b|\bauc\b|\bf1\b|\bbpd\b|\bfvd\b|\bar\b|\bm[a-z]?acc\b|\baacc\b"
    r"|segmentation|detection|retrieval|captioning|\bvqa\b|grounding|tracking", re.I)
DELTA_RE = re.compile(r"[Δ∆δ]|\b(?:change|gain|improv\w*|diff\w*|delta|drop|gap|rel\.?|relative)\b", re.I)
PARAMS_RE = re.compile(r"param|#\s?p\b|model\s+size|\bsize\s*\(\s*[mb]\s*\)", re.I)
FLOPS_RE = re.compile(r"flop|\bmacs?\b|gmacs?|\bops\b|mult" + HY + r"?adds|madds|compute", re.I)
RES_RE = re.compile(r"\bres\b|\bres\.|resol|(?:input|image|img|crop|test|train)\.?\s*(?:size|res)|^\W*size\W*$"
                    r"|^\W*input\W*$", re.I)
DATA_RE = re.compile(r"data|corpus|pre" + HY + r"?\s?train\w*|\bpt\b|\bextra\b|source", re.I)
LABEL_RE = re.compile(r"model|method|backbone|arch|network|encoder|approach|name|variant|config|teacher|student"
                      r"|baseline|system|tokenizer|\bnet\b", re.I)
SETTING_COL_RE = re.compile(r"setting|protocol|\beval|supervision|tuning|\bft\b|\bmode\b", re.I)
OTHER_KIND_RE = re.compile(
    r"throughput|im(?:age)?s?\s?/\s?s|img/s|fps|speed|latency|\bms\b|memory|\bmem\b|\bgb\b|time|hours?|days|gpu|tpu"
    r"|epoch|\bep\.?\b|batch|\blr\b|steps|iter|cost|depth|width|heads|\bdim|layers|channels|tokens|#\s?tok|ratio"
    r"|compress|sparsity|year|samples|images|pairs|seen|budget|energy|\bwd\b|dropout|drop\s?path|mixup|cutmix"
    r"|smooth|venue|type|category|family|\bkernel|stride|patch|window|\brank\b|\bscale\b|\bbits?\b|#", re.I)


@lru_cache(maxsize=8192)
def datasets_in(text: str) -> tuple[str, ...]:
    """Dataset ids mentioned in `text`, in order (duplicates kept); "pretrain" marks an ImageNet
    named as pre-training data (ImageNet-21K/22K, or any ImageNet right after "pre-trained on")."""
    if not text:
        return ()
    found: list[tuple[int, str]] = []
    for m in _SUBSET_RE.finditer(text):
        found.append((m.start(), "other:" + m.group(0).lower()))
    subsets = [(m.start(), m.end()) for m in _SUBSET_RE.finditer(text)]
    for regex in (_IMAGENET_RE, _IN_RE):
        for m in regex.finditer(text):
            if any(a <= m.start() < b for a, b in subsets):
                continue
            key = (m.groupdict().get("v") or m.groupdict().get("w") or "").lower()
            ds = VARIANTS.get(key, "imagenet-1k")
            if ds != "pretrain" and (_PRETRAIN_BEFORE_RE.search(text, max(0, m.start() - 60), m.start())
                                     or _PRETRAIN_AFTER_RE.match(text, m.end())):
                ds = "pretrain"
            found.append((m.start(), ds))
    for m in _OTHER_RE.finditer(text):
        found.append((m.start(), "other:" + m.group(1).lower()))
    return tuple(ds for _, ds in sorted(found))


_BARE_VARIANT_RE = re.compile(r"^\W*(V2|ReaL|Real|Sketch)\W*$")
_BARE_LETTER_RE = re.compile(r"^\W*(A|R|C|O)\W*$")


def header_datasets(header: str, letters: bool = False) -> tuple[str, ...]:
    """`datasets_in` for a column header, where an ImageNet variant may stand alone ("V2",
    "ReaL", "Sketch"); with `letters` (a sibling column names ImageNet) also "A", "R", "C", "O"."""
    found = datasets_in(header)
    if not found:
        m = _BARE_VARIANT_RE.match(header or "") or (letters and _BARE_LETTER_RE.match(header or ""))
        if m:
            found = (VARIANTS[m.group(1).lower()],)
    return found


def eval_datasets(text: str) -> set[str]:
    """The evaluation datasets `text` names (pre-training corpora left out)."""
    return {d for d in datasets_in(text) if d != "pretrain"}


# Benchmarks of dense or language tasks: named beside ImageNet in a multi-task caption, they
# never hold the table's accuracy column.
DENSE_TASK_SETS = frozenset(f"other:{w}" for w in
                            "coco ade20k ade voc cityscapes lvis kitti flickr nocaps gqa vqa vqav2 mmlu".split())


def is_average(header: str) -> bool:
    return bool(_AVERAGE_RE.match(header))


@lru_cache(maxsize=8192)
def column_kind(header: str) -> str | None:
    """What a column's joined header says it holds: "top1", "top5", "top1/top5", "acc", "err",
    "metric" (another metric), "change", "params", "flops", "res", "data", "label", "setting",
    "other", or None when the header names none of these (a bare dataset or method name)."""
    if not header:
        return None
    if DELTA_RE.search(header):
        return "change"
    if OTHER_METRIC_RE.search(header):      # "Recall top-1", "Segmentation mAcc": not classification
        return "metric"
    top1, top5 = TOP1_RE.search(header), TOP5_RE.search(header)
    if top1 and top5:
        return "top1/top5"
    if top5:
        return "top5"
    if ERR_RE.search(header):
        return "err"
    if top1:
        return "top1"
    if ACC_RE.search(header):
        return "acc"
    for kind, regex in (("params", PARAMS_RE), ("flops", FLOPS_RE),
                        ("res", RES_RE), ("data", DATA_RE), ("label", LABEL_RE), ("setting", SETTING_COL_RE),
                        ("other", OTHER_KIND_RE)):
        if regex.search(header):
            return kind
    return None


ACC_CONTEXT_RE = re.compile(TOP1_RE.pattern + "|" + TOP5_RE.pattern + "|" + ACC_RE.pattern, re.I)


def names_accuracy(text: str) -> bool:
    """True when `text` (a caption, a group row) speaks of accuracy / top-1 / classification."""
    return bool(ACC_CONTEXT_RE.search(text or ""))


_QUANTITY_RE = re.compile(r"throughput|latency|memory|\btime\b|speed|\bflops\b|#?\s?param|epochs?\b|\bcost\b"
                          r"|\bfps\b", re.I)


def names_other_metric(text: str) -> bool:
    """True when `text` (a caption) speaks of another metric (FID, mIoU, error, ...)."""
    return bool(OTHER_METRIC_RE.search(text or "") or ERR_RE.search(text or ""))


def names_quantity(text: str) -> bool:
    """True when `text` (a caption) speaks of a cost or size (latency, memory, epochs, ...)."""
    return bool(_QUANTITY_RE.search(text or ""))


class Words:
    """The words of the rule files (setting words, corpus spellings), read once per page:
    reading a rule file checks it on disk, too slow to do per cell."""

    def __init__(self) -> None:
        order = {name: i for i, name in enumerate(load("settings").get("label_order") or names())}
        self.settings = [(order[name], name, pattern) for name, pattern in header_patterns() + label_patterns()]
        self.corpus_re = text_pattern()
        self._corpora: dict[str, str | None] = {}
        self._settings: dict[str, str | None] = {}

    def corpus_in(self, text: str) -> str | None:
        """The first corpus `text` names (rules/corpora.py spellings), or None."""
        m = self.corpus_re.search(text or "")
        if not m:
            return None
        if m.group(0) not in self._corpora:
            self._corpora[m.group(0)] = from_text(m.group(0))
        return self._corpora[m.group(0)]

    def setting_in(self, text: str) -> str | None:
        """The one evaluation setting `text` names, or None (no setting word, or several
        different settings). Matches of two settings over the same words ("0-shot": zero-shot,
        also "<n>-shot") go to the one first in `label_order`."""
        if not text:
            return None
        if text not in self._settings:
            self._settings[text] = self._setting(text)
        return self._settings[text]

    def _setting(self, text: str) -> str | None:
        chosen: dict[tuple[int, int], tuple[int, str]] = {}
        for rank, setting, pattern in self.settings:
            for m in pattern.finditer(text):
                start, end = m.span()
                for (s, e), (r, _) in list(chosen.items()):
                    if start < e and s < end:       # overlapping words: keep the higher-ranked reading
                        if rank < r:
                            del chosen[(s, e)]
                            chosen[(start, end)] = (rank, setting)
                        break
                else:
                    chosen[(start, end)] = (rank, setting)
        settings = {s for _, s in chosen.values()}
        return settings.pop() if len(settings) == 1 else None
