"""Model-identity vocabulary people edit (rules/identity.toml): what the words in a model name mean.

Size words, qualifier words, family renames (a family's spellings in papers and in timm, the
paper that introduced it, how its sizes are written), and what each timm pretrained tag says
about who trained the weights, on which data, with which method. `ingest.identity*` reads these
at the moment it parses a name; code holds the mechanism, this file holds the words.
"""
from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from functools import lru_cache, wraps

from rules.files import load

_pin = threading.local()


@contextmanager
def pinned():
    """Read the file once for a batch of parses (one reconcile): an edit applies from the next
    batch. Without a pin every call sees the file as it is now."""
    if getattr(_pin, "data", None) is not None:
        yield
        return
    _pin.data, _pin.cache = load("identity"), {}
    try:
        yield
    finally:
        _pin.data = _pin.cache = None


def memo(name: str, fn):
    """`fn()` computed once within a pin (for other rule files' tables a parse asks for often)."""
    cache = getattr(_pin, "cache", None)
    if cache is None:
        return fn()
    if name not in cache:
        cache[name] = fn()
    return cache[name]


def _data() -> dict:
    data = getattr(_pin, "data", None)
    return data if data is not None else load("identity")


def _derived(fn):
    """Within a pin, compute each accessor's answer once (callers never mutate it)."""
    @wraps(fn)
    def wrapper(*args):
        cache = getattr(_pin, "cache", None)
        if cache is None:
            return fn(*args)
        k = (fn.__name__, args)
        if k not in cache:
            cache[k] = fn(*args)
        return cache[k]
    return wrapper


def _norm(word: str) -> str:
    return re.sub(r"[^a-z0-9+]", "", word.lower())


@_derived
def sizes() -> dict[str, str]:
    """Size word as written (lower case) → the short form we compare ("huge" → "h")."""
    return {k.lower(): v for k, v in _data().get("sizes", {}).items()}


@_derived
def words(kind: str) -> list[str]:
    """A list of words from the `[words]` table: `noise`, `distilled`, `in1k_only`, `ensemble`."""
    return [w.lower() for w in _data().get("words", {}).get(kind, [])]


@_derived
def corpus_tokens() -> dict[str, str]:
    """Short corpus words in names ("21k", "jft") → the canonical corpus name."""
    return {_norm(k): v for k, v in _data().get("corpus_tokens", {}).items()}


@_derived
def corpus_families() -> dict[str, list[str]]:
    """A corpus named without its size → the corpora it may be ("JFT" → JFT-300M, JFT-3B, ...)."""
    return {k: list(v) for k, v in _data().get("corpus_families", {}).items()}


def corpus_equivalents() -> dict[str, str]:
    """Corpus → the corpus it is the same data as (ImageNet-21K → ImageNet-22K)."""
    return dict(_data().get("corpus_equivalents", {}))


@_derived
def methods() -> dict[str, str]:
    """Pre-training method words in names (normalised) → the method id ("mae", "clip")."""
    return {_norm(k): v for k, v in _data().get("methods", {}).items()}


@_derived
def resolutions() -> frozenset[int]:
    """Numbers that mean an input resolution when they follow a size ("DeiT-B 384")."""
    return frozenset(int(r) for r in _data().get("resolution", {}).get("values", []))


@lru_cache(maxsize=8)
def _family_index(key: tuple) -> tuple[dict[str, str], list[tuple[str, str]]]:
    names: dict[str, str] = {}
    timm: list[tuple[str, str]] = []
    for fid, spellings, timm_prefixes in key:
        names.setdefault(_norm(fid), fid)
        for s in spellings:
            names[_norm(s)] = fid
        for prefix in timm_prefixes:
            timm.append((prefix, fid))
    timm.sort(key=lambda p: -len(p[0]))
    return names, timm


def _families_key() -> tuple:
    fams = _data().get("families", {})
    return tuple((fid, tuple(conf.get("names", ())), tuple(conf.get("timm", ())))
                 for fid, conf in fams.items())


@_derived
def family_of(spelling: str) -> str | None:
    """The family id a spelling in a name stands for ("swintransformer" → "swin"), or None."""
    return _family_index(_families_key())[0].get(_norm(spelling))


@_derived
def known_family_words() -> list[str]:
    """Every normalised family spelling, longest first (to split "resnet50" after "resnet")."""
    return sorted(_family_index(_families_key())[0], key=len, reverse=True)


@_derived
def timm_family_prefixes() -> list[tuple[str, str]]:
    """(timm arch prefix, family id), longest prefix first ("tiny_vit" → "tinyvit")."""
    return _family_index(_families_key())[1]


@_derived
def family(fid: str) -> dict:
    """The rule table of family `fid` ({} when none): display, arch, papers, size_format, timm_bare."""
    return dict(_data().get("families", {}).get(fid, {}))


@_derived
def timm_prefixes() -> dict[str, dict]:
    """Leading timm arch tokens that name who made the weights (`tf`, `dm`, `gluon`, `legacy`)."""
    return dict(_data().get("timm", {}).get("prefixes", {}))


@_derived
def timm_tags() -> dict[str, dict]:
    """timm pretrained-tag tokens → {origin, method, paper, distilled, recipe} they state."""
    return dict(_data().get("timm", {}).get("tags", {}))


@_derived
def timm_arch_tokens() -> dict[str, dict]:
    """Tokens inside a timm arch name that are not sizes ("clip", "rw", "distilled", "plus")."""
    return dict(_data().get("timm", {}).get("arch_tokens", {}))


@_derived
def timm_pretrain() -> dict[str, dict]:
    """model_metadata `pretrain` values ("in1k-dist", "ig1b-swsl") → fields they state."""
    return dict(_data().get("timm", {}).get("pretrain", {}))


@_derived
def measured_tolerance() -> float:
    """How far (top-1 points) timm's re-evaluation of a paper's released weights may be from
    the paper's number and still be taken as the same checkpoint."""
    return float(_data().get("matching", {}).get("measured_tolerance", 0.6))


@_derived
def timm_prefix_tags(prefix: str) -> dict[str, dict]:
    """Tag tokens whose meaning differs under arch prefix `prefix` (`tf_…​.ra_in1k`: Google's release)."""
    return dict(_data().get("timm", {}).get("prefix_tags", {}).get(prefix, {}))
