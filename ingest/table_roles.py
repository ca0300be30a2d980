"""Whose result a table row is: the paper's own (`proposed`), one it quotes (`baseline`), or one
of the paper's own ablation rows (`variant`).

Papers mark their rows in a few ways, read here in this order:
1. a marker: "Ours", "(ours)", "our model", "(proposed)" in the model cell, the group row above
   or the column header;
2. a citation: a row whose model cell cites a paper (`<cite>`, "[12]", "Liu et al.") is a
   baseline (it quotes someone else's number);
3. the method's name: named before the colon of the title ("QLIP: ..."), introduced in the
   abstract ("we propose X", "... called X", an acronym defined there), carried by an
   "(ours)" row elsewhere in the paper, or the subject of a claim in a caption ("X achieves ...",
   "X outperforms ...") when X also names a row or column of that table;
4. emphasis: in a table that cites its baselines, an uncited model cell set in bold or small
   caps (a typeset method name), or shaded when the caption says the paper's rows are shaded;
5. the caption: a table whose caption speaks of "our models" and none of whose rows is cited,
   marked or named holds the paper's own rows.
In an ablation table (caption: "ablation", "effect of", ...) every uncited row without a marker
is a `variant`.
"""
from __future__ import annotations

import re

from ingest.table_cells import OURS_RE

_NAME_TOKEN = r"[A-Z][A-Za-z0-9]*(?:[-+/.][A-Za-z0-9]+)*"
_DISTINCT_RE = re.compile(r"^(?=(?:.*[A-Z]){2}|.*\d)")      # two capitals or a digit: "DyT", "QLIP"
_GENERIC = frozenset("""a an the on of for in with towards toward rethinking revisiting beyond learning
    scaling vision visual image deep efficient masked going when what how why do does is are can self
    training exploring understanding improving unified simple large big better fast neural convolutional
    transformer transformers model models network networks language generative dense sparse all
    attention""".split())
_GENERIC_ACRONYMS = frozenset("""CNN CNNs ViT ViTs MLP MLPs LLM LLMs VLM VLMs MLLM MLLMs GPU GPUs TPU TPUs SOTA
    NLP CV AI RL GAN GANs VAE VAEs SSL MIM NAS API CLS FFN LN BN MHSA SGD RGB FLOPs NN ML IoU mAP AP
    ImageNet COCO ADE20K LR PEFT LoRA RNN RNNs LSTM""".split())
_INTRO_RE = re.compile(r"\b(?:we\s+(?:propose|introduce|present|develop|design|build|call|dub|name|term)\w*"
                       r"|(?:called|dubbed|named|termed|coined))\b", re.I)
_ACRONYM_RE = re.compile(r"\((" + _NAME_TOKEN + r")\)")
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")
# What follows a caption's opening name when the caption claims something for it: maybe a
# parenthetical (", with less data,"), maybe an adverb, then the verb.
_CLAIM_RE = re.compile(r"\s*(?:,[^,]{0,80},\s*)?(?:(?:also|\w+ly)\s+)?(?:achiev|outperform|surpass|perform|improv"
                       r"|yield|obtain|attain|match|exceed|beat|reach|deliver|remain|bring|boost|lead|set|establish"
                       r"|is\s+(?:competitive|comparable|better|superior|on\s+par)|shows?\s+(?:better|superior|strong)"
                       r"|has\s+(?:better|higher))", re.I)
_NOT_SUBJECTS = frozenset({"We", "Our", "This", "These", "Table", "It", "All", "Results", "Numbers", "The"})
_OURS_NAME_RE = re.compile(r"\b(?:[Oo]ur|the\s+proposed)\s+(" + _NAME_TOKEN + r")")
_STRONG_CLAIM_RE = re.compile(r"(?<!than\s)(?<!over\s)(?<!with\s)(?<!\bto\s)(?<!vs\.\s)\b(" + _NAME_TOKEN
                              + r")\s+(?:\w+\s+)?(?:achieves|outperforms|surpasses|exceeds|beats|sets\s+a\s+new)\b")
ABLATION_RE = re.compile(r"\bablat\w*|\beffect\s+of\b|\bimpact\s+of\b|\binfluence\s+of\b|\bcontribution\s+of\b"
                         r"|\bdesign\s+choices?\b|\bcomponent\s+analysis\b", re.I)
_SHADED_OURS_RE = re.compile(r"\b(?:ours|our)\b[^.]{0,60}\b(?:highlight|shad|gr[ae]y|colou?r)"
                             r"|(?:highlight|shad|gr[ae]y|colou?r)\w*[^.]{0,40}\b(?:ours|our\s+(?:model|method|result))",
                             re.I)


def _usable(token: str) -> bool:
    return (len(token) >= 2 and token not in _GENERIC_ACRONYMS and token.lower() not in _GENERIC)


def title_names(title: str) -> list[str]:
    """The method a title names before its colon: "QLIP: ..." → QLIP; "Swin Transformer: ..."
    → "Swin Transformer" and its first word "Swin"."""
    head, sep, _ = (title or "").partition(":")
    words = head.split()
    if not sep or not 1 <= len(words) <= 3:
        return []
    names = [head.strip()] if _usable(head.strip()) else []
    if len(words) > 1 and _usable(words[0]) and words[0][0].isupper():
        names.append(words[0])
    return names


def abstract_names(abstract: str) -> list[str]:
    """Names an abstract introduces: the first distinctive name after "we propose/introduce/
    present ..." or "called/dubbed/named", and acronyms defined in those sentences."""
    names: list[str] = []
    for sentence in _SENTENCE_RE.split(abstract or ""):
        m = _INTRO_RE.search(sentence)
        if not m:
            continue
        for token in _ACRONYM_RE.findall(sentence[m.start():]):
            if _usable(token) and token not in names:
                names.append(token)
        for token in re.findall(_NAME_TOKEN, sentence[m.end():])[:8]:
            if _DISTINCT_RE.match(token) and _usable(token):
                if token not in names:
                    names.append(token)
                break
    return names


def caption_subjects(caption: str, table_text: str) -> list[str]:
    """Names a caption presents as the paper's own and that also appear in the table's cells:
    the subject opening a claim ("DyT achieves ...", "Sail, with less data, achieves ..."),
    a name after "our" / "the proposed" anywhere ("... shows that our QLIP-B ..."), or a name
    right before a strong claim verb inside a sentence ("Compared with LN, DyT outperforms")."""
    out = []
    for sentence in _SENTENCE_RE.split(caption or ""):
        found = []
        m = re.match(r"\s*(?:(?:Our|The\s+proposed)\s+)?(" + _NAME_TOKEN + r")", sentence)
        if m and m.group(1) not in _NOT_SUBJECTS and _CLAIM_RE.match(sentence, m.end()):
            found.append(m.group(1))
        found += _OURS_NAME_RE.findall(sentence) + _STRONG_CLAIM_RE.findall(sentence)
        out += [n for n in found if _usable(n) and n not in _NOT_SUBJECTS and matches_name(n, table_text)]
    return list(dict.fromkeys(out))


def matches_name(name: str, text: str) -> bool:
    """`name` appears in `text` as a whole word (case-insensitive; "QLIP" in "QLIP-B")."""
    return bool(re.search(r"(?<![A-Za-z0-9])" + re.escape(name) + r"(?![A-Za-z0-9])", text or "", re.I))


def ours_name(model: str) -> str:
    """The method name an "(ours)" row carries: its first word, size suffix dropped ("QLIP-B" → QLIP)."""
    first = (model.split() or [""])[0]
    base = re.sub(r"[-/_](?:[A-Z]|[A-Z]?\d+[A-Za-z]?|Ti|XS|XL|XXL|Base|Large|Small|Tiny|Huge|Giant)$", "", first)
    return base if _usable(base) and len(base) >= 3 and base.lower() != "ours" else ""


def is_ablation(caption: str) -> bool:
    return bool(ABLATION_RE.search(caption or ""))


def row_role(*, marked: bool, cited: bool, named: bool, emphasised: bool, comparison: bool,
             own_table: bool, ablation: bool) -> str:
    """The role of one result from what its row shows (see the module docstring for the order)."""
    if marked:
        return "proposed"
    if cited:
        return "baseline"
    if ablation:
        return "variant"
    if named or (comparison and emphasised) or own_table:
        return "proposed"
    return "baseline"


def shaded_means_ours(caption: str) -> bool:
    return bool(_SHADED_OURS_RE.search(caption or ""))


def marked(text: str) -> bool:
    return bool(OURS_RE.search(text or ""))
