"""Extra training data: corpus names as sources write them (rules/corpora.toml)."""
from __future__ import annotations

import re
from functools import lru_cache

from rules.files import load


def _norm(name: str) -> str:
    return re.sub(r"[-_\s]+", "-", name.strip().lower())


def names() -> list[str]:
    """Every corpus name we store."""
    return list(load("corpora"))


_indexed: tuple[dict, dict] = ({}, {})   # (the corpora rule it was built from, its index)


def _index(data: dict) -> dict[str, dict[str, str]]:
    tables: dict[str, dict[str, str]] = {"text": {}, "timm_tags": {}, "leaderboard_tags": {}}
    for corpus, conf in data.items():
        for kind, table in tables.items():
            for value in conf.get(kind, ()):
                table.setdefault(_norm(value), corpus)
    return tables


def _lookup() -> dict[str, dict[str, str]]:
    """The spellings index of the corpora rule in effect, built again only when the rule
    changed (rules.files.load returns the same object until then): a timm page asks per row."""
    global _indexed
    data = load("corpora")
    if _indexed[0] is not data:
        _indexed = (data, _index(data))
    return _indexed[1]


def from_timm_tag(model: str, pretrain: str | None = None) -> str | None:
    """The corpus a timm tag or model_metadata `pretrain` value names
    (`vit_large_patch14_clip_224.laion2b_ft_in12k_in1k` → LAION-2B: the first token that is one)."""
    table = _lookup()["timm_tags"]
    if pretrain and _norm(pretrain) in table:
        return table[_norm(pretrain)]
    tag = model.split(".", 1)[1] if "." in model else ""
    for token in tag.lower().split("_"):
        if token in table:
            return table[token]
    return None


def from_leaderboard_tags(tags: list[str]) -> str | None:
    """The first corpus among a leaderboard row's tags (PWC), if any."""
    table = _lookup()["leaderboard_tags"]
    for tag in tags:
        hit = table.get(_norm(tag or ""))
        if hit:
            return hit
    return None


def from_text(name: str) -> str | None:
    """The corpus a name written in text stands for ("JFT-300M", "laion 2b"), or None."""
    return _lookup()["text"].get(_norm(name))


@lru_cache(maxsize=8)
def _text_re(spellings: tuple[str, ...]) -> re.Pattern:
    alts = sorted(spellings, key=len, reverse=True)
    body = "|".join(r"[-_\s]?".join(re.escape(p) for p in re.split(r"[-_\s]+", s)) for s in alts)
    return re.compile(r"(?<![A-Za-z0-9])(?:" + body + r")(?![A-Za-z0-9])", re.I)


def text_pattern() -> re.Pattern:
    """One pattern for every text spelling, longest first (match it, then `from_text`)."""
    return _text_re(tuple(sorted(_lookup()["text"])))
