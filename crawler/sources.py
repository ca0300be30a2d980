"""The source registry (`sources.toml`), read once."""
from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from urllib.parse import parse_qs, urlsplit


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


def source_for_spider(name: str) -> tuple[str, dict]:
    """(source name, conf) for a spider name: the source itself, else the first source
    that uses this spider (so `scrapy check` / `scrapy crawl taskdump` work too)."""
    sources = load_sources()
    if name in sources:
        return name, sources[name]
    for source, conf in sources.items():
        if conf.get("spider") == name:
            return source, conf
    raise KeyError(f"no source uses spider {name!r}")


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
