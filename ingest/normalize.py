"""Units, corpora and names: the one place for each normalisation rule.

Every function is pure and raises `ValueError` with a short reason on input it
cannot read; callers turn that into a `rejects` row.
"""
from __future__ import annotations

import math
import re
import tomllib
from functools import lru_cache
from importlib import resources

_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")

PERCENT_METRICS = {"top1_acc", "top5_acc", "top1_err", "top5_err"}


def parse_number(raw: str | float | int | None) -> float:
    """A finite float from a number or a display string such as "91.0%", "1,014.45"."""
    if raw is None:
        raise ValueError("no value")
    if isinstance(raw, bool):
        raise ValueError(f"not a number: {raw!r}")
    if isinstance(raw, (int, float)):
        value = float(raw)
    else:
        text = str(raw).strip().replace(",", "").rstrip("%").strip()
        if not _NUMBER.fullmatch(text):
            raise ValueError(f"not a number: {str(raw)[:40]!r}")
        value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {raw!r}")
    return value


def check_metric_value(metric: str, value: float) -> float:
    """Percent metrics must lie in 0..100 (a fraction is not silently rescaled here)."""
    if metric in PERCENT_METRICS and not 0.0 <= value <= 100.0:
        raise ValueError(f"{metric} {value} outside 0..100")
    return value


def params_from_millions(raw: str | float | None) -> int | None:
    """timm writes parameter counts in millions ("660.29", "1,014.45") → absolute int."""
    if raw is None or str(raw).strip() == "":
        return None
    millions = parse_number(raw)
    if millions <= 0:
        return None
    return int(round(millions * 1_000_000))


def params_absolute(raw: str | float | None) -> int | None:
    """An absolute count (PWC's raw_metrics: 2100000000.0); 0 means unknown there."""
    if raw is None or str(raw).strip() == "":
        return None
    value = parse_number(raw)
    return int(round(value)) if value > 0 else None


@lru_cache(maxsize=1)
def _corpora() -> dict[str, dict[str, str]]:
    text = resources.files("ingest").joinpath("corpora.toml").read_text("utf-8")
    return {section: {k.lower(): v for k, v in table.items()}
            for section, table in tomllib.loads(text).items()}


def corpus_from_timm_tag(model: str, pretrain: str | None = None) -> str | None:
    """The extra pretraining corpus named by a timm model tag or metadata `pretrain` value."""
    table = _corpora()["timm_tags"]
    if pretrain and pretrain.lower() in table:
        return table[pretrain.lower()]
    tag = model.split(".", 1)[1] if "." in model else ""
    for token in tag.lower().split("_"):
        if token in table:
            return table[token]
    return None


def corpus_from_leaderboard_tags(tags: list[str]) -> str | None:
    """The first extra-data corpus among a leaderboard row's tags (PWC), if any."""
    table = _corpora()["leaderboard_tags"]
    for tag in tags:
        name = (tag or "").strip().lower()
        if name in table:
            return table[name]
    return None


# Protocol keywords in a model name or row label ("CoCa (frozen)", "BASIC-L (Lion,
# fine-tuned)"). Order matters: the first match wins.
_SETTING_WORDS = (
    ("zero_shot", re.compile(r"zero[- ]?shot", re.I)),
    ("linear_probe", re.compile(r"\bfrozen\b|linear[- ](?:probe|probing|eval)", re.I)),
    ("few_shot", re.compile(r"\b\d+[- ]shot\b|few[- ]shot", re.I)),
    ("finetuned", re.compile(r"fine-?\s?tun", re.I)),
)


def setting_from_label(label: str) -> str | None:
    """The protocol a leaderboard label names, or None when it names none."""
    for setting, pattern in _SETTING_WORDS:
        if pattern.search(label or ""):
            return setting
    return None


def date_only(raw: str | None) -> str | None:
    """"2022-05-04T00:00:00.000000" → "2022-05-04"; None stays None."""
    if not raw:
        return None
    match = re.match(r"\d{4}-\d{2}-\d{2}", str(raw))
    return match.group(0) if match else None
