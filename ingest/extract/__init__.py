"""Extract every ImageNet result an arXiv abstract states, with its role and its setting.

Contract
--------
``extract_claims(abstract, title="") -> list[dict]`` returns one dict per ImageNet-family
figure the abstract states, in text order, with keys

    model, dataset, metric, value, raw_value, setting, extra_data, params, role,
    evidence, start, end, confidence

where ``abstract[start:end] == evidence`` and ``raw_value`` occurs in ``evidence``.

- ``metric``: top1_acc / top5_acc / top1_err / top5_err / mce for a stated value; the same
  with ``_delta`` for a gain over something else, ``_drop`` for a loss against a reference,
  ``_lower_bound`` / ``_upper_bound`` for a bound ("over 80%", "within 0.5% drop"), and
  ``robust_`` / ``certified_`` for accuracy that is not clean accuracy.  Only metric ids that
  rules/metrics.toml knows are emitted.
- ``role``: ``proposed`` (the paper's own model, any size or configuration), ``baseline`` (a
  number quoted for someone else's model or a reference: "surpassing DeiT-B (81.8%)", "from
  60.3% to ..."), or ``variant``.
- ``setting``: zero_shot, linear_probe, frozen, few_shot, semi_supervised, finetuned,
  from_scratch, or None when the text says nothing; read from the number's clause, its
  sentence and the sentence before, with the phrases of rules/settings.toml.
- ``extra_data``: a corpus named in rules/corpora.toml, True (extra data, unnamed), or None.

It is deterministic, uses no network and no model, and runs in time linear in the input.
A non-``str`` abstract gives ``[]``; a bug raises (the caller records a reject).  Which
rules are in effect is read at each call, so an edited rule file takes effect at once.

How it works
------------
1. *Numbers* (`numbers`): percentages, points ("1.6 pp"), and bare numbers glued to a metric
   word ("87.3 top-1 accuracy"); ranges and from-to pairs are linked.
2. *Forms* (`forms`): the words around each number say whether it is a value, a gain, a
   drop, a bound, a quoted value, or no result at all (a share, a threshold, a relative
   change, a number inside a setting phrase).
3. *Cues* (`cues`, `rulewords`): one keyword scan of each sentence holding a number indexes
   every metric word, dataset, comparison, quantity, extra-data mention and clause separator,
   plus the setting phrases of the rules; corpus names (of the rules) are looked for where
   extra data is stated.
4. *Windows* (`sentence`): each number reads the cues of its clause, then lists, ranges and
   from-to pairs share what they lack.
5. *Resolution* (`resolve`, `attributes`): the metric, dataset, setting (clause, sentence,
   sentence before), model or baseline model, extra data and parameter count.

Speed: bench/extraction.py measures it against a bare ``re.findall`` over the same abstracts
(target: at least 0.2 of its rate).  Work is avoided rather than repeated: numbers come from
``str.find`` loops, only sentences that can hold a claim are scanned, once, into an index
queried by bisection, rule phrases are matched only around their trigger words, and cheap
substring tests run before patterns that would fail anyway.
"""

from __future__ import annotations

from bisect import bisect_right

from . import rulewords
from .doc import Doc, Num
from .numbers import find_numbers, sentence_starts
from .resolve import finish
from .sentence import live, may_hold_claims, read
from .vocab import mentions_imagenet

__all__ = ["extract_claims"]

THRESHOLD_MARGIN = 1.5  # "surpass 80%" next to "80.67%": the bound is a threshold (see _drop_thresholds)


def extract_claims(abstract: str, title: str = "") -> list[dict]:
    """Return the ImageNet-family figures stated in ``abstract`` (see the module doc).

    ``title`` names the paper's own model ("CoCa: ..." -> "CoCa") and is the last-resort
    dataset mention.
    """
    if not isinstance(abstract, str) or not abstract:
        return []
    title = title if isinstance(title, str) else ""
    low = abstract.lower()  # case-insensitive patterns run on this copy, same offsets
    if len(low) != len(abstract):  # rare characters whose lower case is longer ("İ")
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in abstract)
    if not (mentions_imagenet(low) or mentions_imagenet(title.lower())):
        return []  # no ImageNet-family dataset named anywhere: no claim can be attributed
    nums = find_numbers(low)
    if not nums:
        return []
    starts = sentence_starts(abstract)
    doc = Doc(abstract, low, title, rulewords.current(), starts)
    sentences: dict[int, list[Num]] = {}
    for n in nums:
        i = bisect_right(starts, n.start) - 1
        n.s0, n.s1 = starts[i], (starts[i + 1] if i + 1 < len(starts) else len(abstract))
        sentences.setdefault(n.s0, []).append(n)
    claims, seen = [], set()
    for sent in sentences.values():
        if not may_hold_claims(doc, sent):
            continue
        doc.index(sent[0].s0, sent[0].s1)
        sent = live(doc, sent)
        if not sent:
            continue
        read(doc, sent)
        prev = None
        for i, n in enumerate(sent):
            claim = None if n.skip else finish(doc, n, prev, last=i == len(sent) - 1)
            if claim is None:
                continue
            prev = n
            key = (claim["model"], claim["dataset"], claim["metric"], claim["value"], claim["setting"], claim["role"])
            if key not in seen:  # an abstract restating the same result
                seen.add(key)
                claims.append(claim)
    return _drop_thresholds(claims)


def _drop_thresholds(claims: list[dict]) -> list[dict]:
    """A lower bound stated next to an exact value just above it is a threshold the value
    passed ("boosts ResNet-50 to 80%+ ... obtains 80.67%"): only the exact value is a claim."""
    bounds = [c for c in claims if c["metric"].endswith("_lower_bound")]
    if not bounds:
        return claims
    drop = set()
    for b in bounds:
        point = b["metric"][:-len("_lower_bound")]
        if any(c["metric"] == point and c["dataset"] == b["dataset"] and c["role"] == b["role"]
               and b["value"] <= c["value"] <= b["value"] + THRESHOLD_MARGIN for c in claims):
            drop.add(id(b))
    return [c for c in claims if id(c) not in drop]
