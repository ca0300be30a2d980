"""Finding, merging, caching and fingerprinting the rule files.

`load(name)` returns the packaged `rules/<name>.toml` merged with `<override dir>/<name>.toml`
when there is one. The override dir is `$SOTA_RULES` (the CLI's `--rules DIR` sets it, so child
processes inherit it). An override file *extends* the packaged one table by table (its keys win);
with a top-level `replace = true` it *replaces* it. Parsed files are cached on (path, mtime,
size): an edited file is read again at the next call, an unchanged one costs a `stat`.
"""
from __future__ import annotations

import hashlib
import os
import threading
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

NAMES = ("aliases", "corpora", "settings", "metrics", "identity")
ENV = "SOTA_RULES"

_lock = threading.Lock()
_cache: dict[tuple, dict] = {}   # (path, mtime_ns, size) -> parsed TOML
_merged: dict[str, tuple[tuple, dict]] = {}   # rule name -> (its files' stamps, the merged rule)


class RulesError(ValueError):
    """A rule file that cannot be read or parsed; the message names the file."""


@dataclass(frozen=True)
class RuleFile:
    name: str
    path: Path
    origin: str          # "packaged" | "override"
    sha256: str


def override_dir() -> Path | None:
    value = os.environ.get(ENV)
    return Path(value).expanduser().resolve() if value else None


@lru_cache(maxsize=None)
def _packaged(name: str) -> Path:
    """Where the packaged file lies (fixed for the life of the process; its content is not)."""
    return Path(str(resources.files("rules").joinpath(f"{name}.toml")))


def paths(name: str) -> list[tuple[str, Path]]:
    """(origin, path) of the files that make up rule `name`, packaged first."""
    if name not in NAMES:
        raise KeyError(f"unknown rule file {name!r} (known: {', '.join(NAMES)})")
    found = [("packaged", _packaged(name))]
    extra = override_dir()
    if extra is not None and (extra / f"{name}.toml").is_file():
        found.append(("override", extra / f"{name}.toml"))
    return found


def _stamp(path: Path) -> tuple:
    st = path.stat()
    return (str(path), st.st_mtime_ns, st.st_size)


def _parse(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError(f"cannot read {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{path}: {exc}") from None


def merge(base: dict, extra: dict) -> dict:
    """`extra` over `base`, table by table (nested tables merge; other values are replaced)."""
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def read_toml(path: Path) -> dict:
    """A TOML file's content, parsed again only when the file changed on disk (mtime, size):
    the one reader of every configuration file a long-running process must see edits of
    (rule files, the source registry, the schedule). Treat the result as read-only."""
    key = _stamp(path)
    with _lock:
        hit = _cache.get(key)
    if hit is not None:
        return hit
    data = _parse(path)
    with _lock:
        for old in [k for k in _cache if k[0] == key[0]]:  # an edited file's old parse goes
            del _cache[old]
        _cache[key] = data
    return data


def load(name: str) -> dict:
    """The rule `name` in effect now (packaged, extended or replaced by the override file).

    The same object while its files are unchanged on disk (so callers may cache what they
    derive from it on its identity: a page object asks once per row); treat it as read-only."""
    found = paths(name)
    stamps = tuple((origin, _stamp(path)) for origin, path in found)
    hit = _merged.get(name)
    if hit is not None and hit[0] == stamps:
        return hit[1]
    data: dict = {}
    for origin, path in found:
        parsed = dict(read_toml(path))
        if origin == "override" and parsed.pop("replace", False):
            data = parsed
        else:
            data = merge(data, parsed)
    _merged[name] = (stamps, data)   # one assignment: a reader on another thread sees old or new
    return data


def in_effect() -> list[RuleFile]:
    """Every file currently making up the rules, with its SHA-256 (for `sota rules`)."""
    out = []
    for name in NAMES:
        for origin, path in paths(name):
            out.append(RuleFile(name, path, origin, hashlib.sha256(path.read_bytes()).hexdigest()))
    return out


def fingerprint(names: tuple[str, ...] = NAMES) -> str:
    """A short hash of the rule files `names` in effect: rows derived under other rules are stale."""
    h = hashlib.sha256()
    for name in names:
        for origin, path in paths(name):
            h.update(f"{name}:{origin}\0".encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:12]
