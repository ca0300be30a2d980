"""Structured identity of a timm checkpoint name, `arch.tag`, with model_metadata's `pretrain`.

`vit_huge_patch14_clip_336.laion2b_ft_in12k_in1k` → family "vit", size "h", patch 14,
resolution 336, method "clip", corpus LAION-2B; `dm_nfnet_f0.dm_in1k` → family "nfnet", size
"f0", origin "authors" (DeepMind's release), paper: the family's. The arch is split into prefix
(who ported it), family, size tokens and arch words; the tag's tokens say who trained the weights
(`fb`, `tv`, `a1` ...), on what (`in22k`, `laion2b` via rules/corpora.toml) and how (`mae`,
`dist`). Meanings are in rules/identity.toml; this module only applies them. A checkpoint is a
paper's model only when its origin is "authors" and the paper is among `papers`.
"""
from __future__ import annotations

import re

from ingest.identity import _FLOPS, _SIZE_LIKE, Identity, _family_split
from rules import identity as vocab
from rules.corpora import from_timm_tag

_PATCH = re.compile(r"^(?:patch|p)(\d+)$")
_TIMM = re.compile(r"^[a-z0-9_]+\.[a-z0-9_]+$")


def is_timm_name(name: str) -> bool:
    return bool(_TIMM.match(name))


def parse_timm(name: str, pretrain: str | None = None) -> Identity:
    """Fields of a timm `arch.tag` name (`pretrain`: its model_metadata value, if any)."""
    arch, _, tag = name.partition(".")
    arch = re.sub(r"(?<=_)(x+)_(small|large|tiny)", r"\1\2", arch)     # edgenext_x_small
    tokens = [t for t in arch.split("_") if t]
    prefix, origin = "", ""
    prefixes = vocab.timm_prefixes()
    while len(tokens) > 1 and tokens[0] in prefixes:
        prefix = prefix or tokens[0]
        origin = prefixes[tokens[0]].get("origin", origin)
        tokens = tokens[1:]
    family, rest = _timm_family(tokens)
    rule = vocab.family(family)
    fields: dict = {"recipe": set(), "papers": [], "origin_arch": ""}
    size = rule.get("timm_archs", {}).get("_".join(tokens))
    _arch_tokens([] if size is not None else rest, rule, fields)
    if size is not None:
        fields["size"] = size
    _tag_tokens(tag, prefix, fields)
    if pretrain:
        for key, value in vocab.timm_pretrain().get(pretrain, {}).items():
            fields.setdefault(key, value)
    origin = fields.get("origin") or fields["origin_arch"] or origin or rule.get("timm_bare", "")
    papers = tuple(fields["papers"]) or (tuple(rule.get("papers", ())) if origin == "authors" else ())
    corpus = from_timm_tag(name, pretrain)
    return Identity(
        family=family, arch=rule.get("arch", ""), size=fields.get("size", ""),
        width=fields.get("width", ""), patch=fields.get("patch"), resolution=fields.get("resolution"),
        corpus=corpus, extra_data=corpus is not None, method=fields.get("method", ""),
        distilled=bool(fields.get("distilled")), recipe=tuple(sorted(fields["recipe"])),
        marks=fields.get("mark", ""), origin=origin, papers=papers, tagged_paper=bool(fields["papers"]),
        extras=tuple(fields.get("extras", ())))


def _timm_family(tokens: list[str]) -> tuple[str, list[str]]:
    """Rule prefixes first ("tiny_vit" → tinyvit), else the same split as written names."""
    joined = "_".join(tokens)
    for prefix, fid in vocab.timm_family_prefixes():
        if joined == prefix or joined.startswith(prefix + "_"):
            return fid, [t for t in joined[len(prefix):].split("_") if t]
        tail = joined[len(prefix):].split("_")
        if joined.startswith(prefix) and tail[0] and _SIZE_LIKE.match(tail[0]):
            return fid, tail
    return _family_split(tokens)


def _arch_tokens(tokens: list[str], rule: dict, fields: dict) -> None:
    sizes, meanings = vocab.sizes(), vocab.timm_arch_tokens()
    resolutions = vocab.resolutions()
    size: list[str] = []
    extras: list[str] = []
    fmt = rule.get("size_format", "")
    for i, t in enumerate(tokens):
        patch = _PATCH.match(t)
        if patch:
            fields["patch"] = int(patch.group(1))
        elif re.match(r"^\d{3}to\d{3}$", t):       # swinv2 `192to384`: fine-tuned at 384
            fields["resolution"] = int(t[-3:])
        elif t in meanings:
            meaning = meanings[t]
            if meaning.get("origin"):
                fields["origin_arch"] = meaning["origin"]
            for key in ("method", "distilled", "mark"):
                if key in meaning:
                    fields[key] = meaning[key]
        elif t.isdigit() and size and int(t) in resolutions and len(t) == 3 and i == len(tokens) - 1:
            fields["resolution"] = int(t)
        elif t.isdigit() and fmt == "width" and len(t) == 3:
            fields["width"] = t
        elif t.isdigit() and fmt == "flops":
            size.append(f"{int(t) * 100}mf")
        elif t in sizes:
            size.append(sizes[t])
        elif _FLOPS.match(t) or _SIZE_LIKE.match(t):
            size.append(t)
        else:
            extras.append(t)
    if size:
        fields["size"] = "".join(size)
    if rule.get("patch_in_size") and fields.get("patch"):
        fields["size"] = fields.get("size", "") + str(fields.pop("patch"))
    if extras:
        fields["extras"] = extras


def _tag_tokens(tag: str, prefix: str, fields: dict) -> None:
    general, special = vocab.timm_tags(), vocab.timm_prefix_tags(prefix) if prefix else {}
    tokens = [t for t in tag.split("_") if t]
    for t in tokens:
        meaning = special.get(t) or general.get(t)
        if meaning is None:
            continue
        if meaning.get("origin") and not fields.get("origin"):
            fields["origin"] = meaning["origin"]
        if meaning.get("paper") and meaning["paper"] not in fields["papers"]:
            fields["papers"].append(meaning["paper"])
        if meaning.get("method") and not fields.get("method"):
            fields["method"] = meaning["method"]
        if meaning.get("distilled"):
            fields["distilled"] = True
        if meaning.get("recipe"):
            fields["recipe"].add(meaning["recipe"])
    if tokens and tokens[-1].isdigit() and len(tokens[-1]) == 3:
        fields["resolution"] = int(tokens[-1])
    elif not fields.get("resolution"):
        trained = [t for t in tokens if re.match(r"^r\d{3}$", t)]     # `r288_in1k`
        if trained:
            fields["resolution"] = int(trained[-1][1:])
