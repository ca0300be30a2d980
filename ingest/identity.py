"""Structured identity of a model name as papers and leaderboards write it.

`parse_name("MAE (ViT-H, 448)")` → family "vit", size "h", resolution 448, method "mae",
wrapper "mae". Every word that carries meaning is kept in a field: sizes become short forms
("Huge" → "h"), widths hundredths ("GhostNet ×1.0" → "100", as timm writes `ghostnet_100`),
FLOPs megaflops ("RegNetY-4.0GF" → "4000mf"), `+`, `++`, `*` and `†` stay as marks, other
qualifiers ("Lion", "CutMix", "w/ SAM") stay as recipe words. Protocol words ("fine-tuned",
"frozen") are not identity and are dropped. The vocabulary is rules/identity.toml; timm's
`arch.tag` names are parsed by `ingest.identity_timm` into the same fields.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace

from rules import identity as vocab
from rules.aliases import aliases
from rules.corpora import from_text as corpus_from_text, text_pattern as corpus_pattern
from rules.settings import is_setting_phrase

_MARK = re.compile(r"(?<=[A-Za-z0-9])(\+\+|\+|\*|†|‡)(?=$|[\s\-_/(|@,)])")
_PRETRAIN_RES = re.compile(r"pre-?train\w*\s+on\s+([\w-]+)\s*@\s*\d{3}(?:\s*x\s*\d{3})?", re.I)
_RES = (re.compile(r"@\s*(\d{3})(?:\s*px)?\b"), re.compile(r"\b(\d{3})\s*(?:res|px|pix|image res)\b", re.I),
        re.compile(r"\b(\d{3})\s*x\s*\1\b"), re.compile(r"↑\s*(\d{3})"), re.compile(r"\br(\d{3})\b", re.I),
        re.compile(r"-(\d{3})px\b", re.I))
_SPLIT = re.compile(r"[\s\-_,;:()|@]+")
_FLOPS = re.compile(r"^(\d+(?:\.\d+)?)(gf|mf)$")
_WIDTH = re.compile(r"^(?:x(\d+(?:\.\d+)?)|(\d+(?:\.\d+)?)x|(\d+\.\d+))$")
_SIZE_LIKE = re.compile(r"^(?:[a-z]{1,3}\d+[a-z\d]*|\d+[a-z]*(?:x\d+[a-z]*)?)$")
_CITATION = re.compile(r"\b[A-Z][a-z]+ et al\.?(?:\s*\(\d{4}\))?")


@dataclass(frozen=True)
class Identity:
    """What a name says about a trained model. Empty string / None / () = not stated."""
    family: str = ""            # family id after renames ("convnextv2", "nfnet", "deit3")
    arch: str = ""              # the architecture compared across recipes ("vit" for "deit3")
    size: str = ""              # variant within the family ("h", "b36", "f0", "50", "4000mf")
    width: str = ""             # width multiplier in hundredths ("100" for ×1.0)
    patch: int | None = None
    resolution: int | None = None
    corpus: str | None = None   # pre-training corpus, canonical name
    extra_data: bool | None = None   # False: ImageNet-1K only; True: more data; None: unstated
    method: str = ""            # pre-training method ("mae", "clip", "noisy_student")
    distilled: bool = False
    recipe: tuple[str, ...] = ()     # other qualifiers that carry meaning ("lion", "cutmix")
    wrapper: str = ""           # a method or system named around an architecture ("modelsoups")
    marks: str = ""             # "+", "++", "*", "†"
    origin: str = ""            # timm: who trained the weights ("authors", "timm", "torchvision")
    papers: tuple[str, ...] = ()     # timm: papers whose released weights these are
    tagged_paper: bool = False  # timm: the tag itself names the paper (`wsl`, `ns`), not the family
    title_name: bool = False    # the name is its paper's title: the paper's headline model
    extras: tuple[str, ...] = field(default=())  # arch words that are neither size nor recipe

    @property
    def compare_family(self) -> str:
        return self.arch or self.family


def normalise_text(name: str) -> str:
    """Unicode forms that mean the same thing become one: full-width brackets, ×, ⚗."""
    text = unicodedata.normalize("NFKC", name).replace("×", "x").replace("⚗", " distilled ")
    return re.sub(r"\s+", " ", text).strip()


def spelled(name: str) -> str:
    """The spelling after rules/aliases.toml (an alias replaces the whole name)."""
    return aliases().get(name.strip().lower(), name.strip())


def key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", (text or "").lower())


def parse_name(name: str, title: str | None = None) -> Identity:
    """Fields of a name written by a paper or leaderboard; `title` is its paper's title."""
    text = normalise_text(spelled(name))
    if title and key(text) == key(title):
        return Identity(wrapper=key(text), title_name=True)
    text = _CITATION.sub(" ", text)
    head, quals = _split(text)
    fields = _arch_fields(head)
    if not fields.get("size") and not fields.get("patch"):
        for i, q in enumerate(quals):
            inner = _arch_fields(q)
            if inner.get("family") and (inner.get("size") or inner.get("patch")):
                wrapper = _wrapper(head)
                outer = {k: v for k, v in fields.items() if k not in ("family", "size", "extras", "width")}
                fields = {**inner, **{k: v for k, v in outer.items() if v}}
                fields["wrapper"] = wrapper
                fields.setdefault("method", vocab.methods().get(wrapper, ""))
                if not fields["method"]:
                    fields["method"] = vocab.methods().get(wrapper, "")
                quals = quals[:i] + quals[i + 1:]
                break
    for q in quals:
        _qualifier(q, fields)
    return _identity(fields)


def _wrapper(head: str) -> str:
    """The method or system named around an architecture ("DINOv2 distilled" → "dinov2")."""
    drop = set(vocab.words("noise")) | set(vocab.words("distilled"))
    words = [w for w in _SPLIT.split(head.split("+")[0].lower()) if w and w not in drop
             and not any(d in w for d in vocab.words("distilled"))]
    return "".join(words)


def _split(text: str) -> tuple[str, list[str]]:
    """Head and the parenthesised / `|`-separated qualifiers, setting-only ones dropped."""
    parts: list[str] = []
    text = re.sub(r"\(([^()]*)$", r"(\1)", text)          # "MAE-CT (ViT-L/16" lost its ")"
    for inner in re.findall(r"\(([^()]*)\)", text):
        parts.extend(p.strip() for p in inner.split(";") if p.strip())
    head = re.sub(r"\([^()]*\)", " ", text)
    if "|" in head:
        head, *rest = head.split("|")
        parts.extend(r.strip() for r in rest if r.strip())
    out = []
    for part in parts:
        pieces = [p.strip() for p in re.split(r",", part) if p.strip()]
        out.extend(p for p in pieces if not is_setting_phrase(p))
    return head.strip(), out


def _take_res(text: str, fields: dict) -> str:
    text = _PRETRAIN_RES.sub(lambda m: " " + m.group(1) + " ", text)
    for pattern in _RES:
        match = pattern.search(text)
        if match:
            fields.setdefault("resolution", int(match.group(1)))
            text = text[:match.start()] + " " + text[match.end():]
    return text


def _take_corpus(text: str, fields: dict) -> str:
    lowered = text.lower()
    for phrase in sorted(vocab.words("in1k_only"), key=len, reverse=True):
        idx = lowered.find(phrase)
        if idx >= 0 and not re.match(r"[a-z0-9]", lowered[idx + len(phrase):idx + len(phrase) + 1]):
            fields.setdefault("extra_data", False)
            text = text[:idx] + " " + text[idx + len(phrase):]
            lowered = text.lower()
    for match in list(vocab.memo("corpus_pattern", corpus_pattern).finditer(text)):
        corpus = corpus_from_text(match.group(0))
        if corpus:
            fields.setdefault("corpus", corpus)
            text = text.replace(match.group(0), " ")
    tokens = vocab.corpus_tokens()
    for word in re.findall(r"[A-Za-z0-9+]+", text):
        corpus = tokens.get(key(word) if "+" not in word else word.lower())
        if corpus:
            fields.setdefault("corpus", corpus)
            text = re.sub(r"(?<![A-Za-z0-9])" + re.escape(word) + r"(?![A-Za-z0-9])", " ", text, count=1)
    return text


def _take_marks(text: str, fields: dict) -> str:
    marks = "".join(m.group(1) for m in _MARK.finditer(text))
    if marks:
        fields["marks"] = fields.get("marks", "") + marks
    return _MARK.sub(" ", text)


def _take_distilled(tokens: list[str], fields: dict) -> list[str]:
    words = vocab.words("distilled")
    keep = []
    for t in tokens:
        if any(w in t for w in words):
            fields["distilled"] = True
        else:
            keep.append(t)
    return keep


def _family_split(tokens: list[str]) -> tuple[str, list[str]]:
    """The family id and the tokens after it: known spellings first, longest match."""
    known = vocab.known_family_words()
    for n in (3, 2, 1):
        if len(tokens) >= n:
            joined = "".join(tokens[:n])
            fid = vocab.family_of(joined)
            if fid:
                return fid, tokens[n:]
    first = tokens[0]
    for word in known:
        if first.startswith(word) and len(first) > len(word) and _SIZE_LIKE.match(first[len(word):]):
            return vocab.family_of(word), [first[len(word):]] + tokens[1:]
    family_words = []
    rest = list(tokens)
    sizes = vocab.sizes()
    while rest:
        t = rest[0]
        if family_words and (t in sizes or re.match(r"^[\d/]", t) or _SIZE_LIKE.match(t) or _WIDTH.match(t)):
            break
        if not family_words and not re.match(r"^[a-z]", t):
            break
        match = re.match(r"^([a-z][a-z0-9]*[a-z])(\d+[a-z]?)$", t)
        if match and not re.search(r"v\d+$", t) and len(match.group(1)) >= 3:
            family_words.append(match.group(1))
            rest = [match.group(2)] + rest[1:]
            break
        family_words.append(t)
        rest = rest[1:]
        if rest and re.match(r"^v\d+$", rest[0]):
            family_words.append(rest.pop(0))
    fam = "".join(family_words)
    return vocab.family_of(fam) or fam, rest


def _arch_fields(text: str) -> dict:
    """Family, size, width, patch, resolution, marks, corpus and leftovers of an arch string."""
    fields: dict = {}
    if not text.strip():
        return fields
    text = _take_marks(text, fields)
    text = _take_res(text, fields)
    text = _take_corpus(text, fields)
    text = re.sub(r"\+", " ", text)
    text = re.sub(r"/\s*(\d+)", r" /\1", text)
    tokens = [t for t in _SPLIT.split(text.lower()) if t]
    tokens = _take_distilled(tokens, fields)
    if not tokens:
        return fields
    family, rest = _family_split(tokens)
    fields["family"] = family
    _variant(rest, fields)
    return fields


def _variant(tokens: list[str], fields: dict) -> None:
    sizes, methods, noise = vocab.sizes(), vocab.methods(), set(vocab.words("noise"))
    resolutions = vocab.resolutions()
    size: list[str] = []
    extras: list[str] = []
    for t in tokens:
        if t.startswith("/") and t[1:].isdigit():
            fields.setdefault("patch", int(t[1:]))
        elif t in sizes and not (size and len(t) == 1 and t not in ("l", "s", "m", "b", "t", "h", "g")):
            size.append(sizes[t])
        elif _FLOPS.match(t):
            number, unit = _FLOPS.match(t).groups()
            size.append(f"{round(float(number) * (1000 if unit == 'gf' else 1))}mf")
        elif _WIDTH.match(t):
            number = next(g for g in _WIDTH.match(t).groups() if g)
            fields.setdefault("width", f"{round(float(number) * 100):03d}")
        elif t.isdigit() and size and int(t) in resolutions and len(t) == 3:
            fields.setdefault("resolution", int(t))
        elif _SIZE_LIKE.match(t):
            size.append(t)
        elif t in methods:
            fields.setdefault("method", methods[t])
        elif t in noise:
            continue
        else:
            extras.append(t)
    if size:
        fields["size"] = "".join(size)
    if extras:
        fields["extras"] = tuple(extras)


def _qualifier(text: str, fields: dict) -> None:
    """One parenthesised detail: resolution, corpus, ImageNet-1K only, distillation, a recipe
    that is a family of its own ("ViT-B @224 (DeiT III)"), a width, or a recipe word."""
    sub: dict = {}
    rest = _take_marks(text, sub)
    rest = _take_res(rest, sub)
    rest = _take_corpus(rest, sub)
    tokens = _take_distilled([t for t in _SPLIT.split(rest.lower().replace("+", " ")) if t], sub)
    for name in ("resolution", "corpus", "extra_data"):
        if name in sub:
            fields.setdefault(name, sub[name])
    if sub.get("distilled"):
        fields["distilled"] = True
    if sub.get("marks"):
        fields["marks"] = fields.get("marks", "") + sub["marks"]
    fam = vocab.family_of("".join(tokens)) if tokens else None
    if fam and vocab.family(fam).get("arch") == fields.get("family"):
        fields["family"] = fam
        return
    methods, noise = vocab.methods(), set(vocab.words("noise"))
    if tokens and key("".join(tokens)) in methods and not fields.get("method"):
        fields["method"] = methods[key("".join(tokens))]       # "(semi-weakly sup.)"
        return
    # a family named in passing describes the architecture: "BEiT-L (ViT; ...)", "BiT-M (ResNet)"
    tokens = [t for t in tokens if not vocab.family_of(t)]
    recipe = list(fields.get("recipe", ()))
    for t in tokens:
        if _WIDTH.match(t) and "width" not in fields:
            fields["width"] = f"{round(float(next(g for g in _WIDTH.match(t).groups() if g)) * 100):03d}"
        elif t in methods and not fields.get("method"):
            fields["method"] = methods[t]
        elif t.isdigit() and len(t) == 3 and int(t) in vocab.resolutions():
            fields.setdefault("resolution", int(t))
        elif t not in noise:
            recipe.append(t)
    if recipe:
        fields["recipe"] = tuple(sorted(set(recipe)))


def _identity(fields: dict) -> Identity:
    family = fields.get("family", "")
    rule = vocab.family(family) if family else {}
    size = fields.get("size", "")
    if rule.get("patch_in_size") and fields.get("patch"):
        size, fields["patch"] = f"{size}{fields['patch']}", None
    corpus = fields.get("corpus")
    extra = fields.get("extra_data")
    if corpus:
        extra = True
    if rule.get("distilled"):       # the family's models are distilled unless the name says
        fields["distilled"] = True
    return Identity(
        family=family, arch=rule.get("arch", ""), size=size, width=fields.get("width", ""),
        patch=fields.get("patch"), resolution=fields.get("resolution"), corpus=corpus,
        extra_data=extra, method=fields.get("method", ""), distilled=bool(fields.get("distilled")),
        recipe=tuple(fields.get("recipe", ())), wrapper=fields.get("wrapper", ""),
        marks=fields.get("marks", ""), extras=tuple(fields.get("extras", ())))


def with_data(identity: Identity, corpus: str | None, extra_data: bool | None) -> Identity:
    """The identity with what a source's row says about extra training data, when the name doesn't."""
    if identity.corpus or identity.extra_data is not None:
        return identity
    return replace(identity, corpus=corpus, extra_data=extra_data)
