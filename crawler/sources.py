"""The source registry (`crawler/sources.toml`), read again whenever it changes on disk."""
from __future__ import annotations

from importlib import resources
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from rules.files import read_toml


def load_sources() -> dict[str, dict]:
    """name -> its table from sources.toml, in file order."""
    return read_toml(Path(str(resources.files("crawler").joinpath("sources.toml"))))


def get_source(name: str) -> dict:
    sources = load_sources()
    if name not in sources:
        raise KeyError(f"unknown source {name!r} (known: {', '.join(sources)})")
    return sources[name]


def default_sources() -> list[str]:
    return [name for name, conf in load_sources().items() if conf.get("default")]


def source_query(conf: dict, urls: list[str] | None = None) -> str | None:
    """A query source's search (arXiv): the registry's, or one named by
    `--url https://export.arxiv.org/api/query?search_query=...`."""
    for url in urls or []:
        found = parse_qs(urlsplit(url).query).get("search_query")
        if found:
            return found[0]
    return conf.get("query")
