"""The source registry (`sources.toml`), read once."""
from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def load_sources() -> dict[str, dict]:
    """name -> its table from sources.toml, in file order."""
    text = resources.files("crawler").joinpath("sources.toml").read_text("utf-8")
    return tomllib.loads(text)


def get_source(name: str) -> dict:
    sources = load_sources()
    if name not in sources:
        raise KeyError(f"unknown source {name!r} (known: {', '.join(sources)})")
    return sources[name]


def default_sources() -> list[str]:
    return [name for name, conf in load_sources().items() if conf.get("default")]
