"""Evaluation settings and their leaderboard protocols (rules/settings.toml)."""
from __future__ import annotations

import re
from functools import lru_cache

from rules.files import load

ALL = "all"   # `--setting all`: every protocol at once


def _data() -> dict:
    return load("settings")


def names() -> list[str]:
    """Every setting id, in the file's order."""
    return list(_data()["settings"])


def protocols() -> list[str]:
    """Every leaderboard protocol, the unstated one first."""
    data = _data()
    out = [data["unstated"]]
    for conf in data["settings"].values():
        if conf["protocol"] not in out:
            out.append(conf["protocol"])
    return out


def protocol_of(setting: str | None) -> str:
    """The leaderboard protocol of a setting (None: the protocol of an unstated setting)."""
    data = _data()
    if not setting:
        return data["unstated"]
    conf = data["settings"].get(setting)
    if conf is None:
        raise KeyError(f"unknown setting {setting!r} (known: {', '.join(data['settings'])})")
    return conf["protocol"]


def protocol_table() -> list[tuple[str, str]]:
    """(setting, protocol) rows for the database's rules table; '' stands for unstated."""
    data = _data()
    return [("", data["unstated"])] + [(s, c["protocol"]) for s, c in data["settings"].items()]


@lru_cache(maxsize=8)
def _compiled(key: tuple) -> list[tuple[str, re.Pattern]]:
    return [(s, re.compile("|".join(f"(?:{w})" for w in words), re.I)) for s, words in key if words]


def label_patterns() -> list[tuple[str, re.Pattern]]:
    """(setting, pattern) for labels, in `label_order` (compiled once per version of the file)."""
    data = _data()
    order = data.get("label_order") or list(data["settings"])
    key = tuple((s, tuple(data["settings"][s].get("label_words", ()))) for s in order)
    return _compiled(key)


def text_patterns() -> list[tuple[str, re.Pattern]]:
    """(setting, pattern) for running text, in `label_order`."""
    data = _data()
    order = data.get("label_order") or list(data["settings"])
    key = tuple((s, tuple(data["settings"][s].get("text_words", ()))) for s in order)
    return _compiled(key)


def header_patterns() -> list[tuple[str, re.Pattern]]:
    """(setting, pattern) for result tables' headers and group rows, in `label_order`: a setting's
    `table_words` when it has them, else its text words and the short forms tables use
    (`header_words`: "FT", "LP", "0-shot")."""
    data = _data()
    order = data.get("label_order") or list(data["settings"])

    def words(conf: dict) -> tuple:
        if "table_words" in conf:
            return tuple(conf["table_words"])
        return tuple(conf.get("text_words", ())) + tuple(conf.get("header_words", ()))
    return _compiled(tuple((s, words(data["settings"][s])) for s in order))


def setting_from_label(label: str | None) -> str | None:
    """The setting a model label or leaderboard row names ("CoCa (frozen)"), or None."""
    for setting, pattern in label_patterns():
        if pattern.search(label or ""):
            return setting
    return None


_FILLER = re.compile(r"\b(?:linear|probe|probing|eval\w*|tun\w*|ed|ing|setting|protocol)\b|[^a-z0-9]+", re.I)


def is_setting_phrase(text: str) -> bool:
    """True when `text` (one parenthesised part of a name) names a setting and nothing else:
    "fine-tuned", "linear eval", "zero-shot" (but not "Lion" or "384 res")."""
    rest = text
    for _, pattern in label_patterns():
        rest = pattern.sub(" ", rest)
    return rest != text and not _FILLER.sub("", rest)
