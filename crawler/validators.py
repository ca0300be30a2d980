"""Conditional requests: one rule for "has this URL changed since the last good crawl?".

Used by the Scrapy archive middleware (inside a crawl) and by `preflight()`,
which the parent runs before starting a crawl child: when every start URL of
a source answers 304, the same bytes as last time, or bytes its page object
finds nothing new in, there is nothing to parse, and the child (a Python +
Scrapy start, most of an unchanged crawl's cost) is not started at all.
"""
from __future__ import annotations

import hashlib
import time
import urllib.error
import urllib.request
import urllib.robotparser
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from crawler import policy
from crawler.archive import ResponseArchive
from crawler.pace import floor_scale, wait_turn
from crawler.replay import replay_url
from crawler.robots import RobotsCache


def conditional_headers(known: dict | None) -> dict[str, str]:
    """If-None-Match / If-Modified-Since from the validators stored for a URL."""
    known = known or {}
    headers = {}
    if known.get("etag"):
        headers["If-None-Match"] = known["etag"]
    if known.get("last_modified"):
        headers["If-Modified-Since"] = known["last_modified"]
    return headers


def unchanged(status: int, digest: str | None, known: dict | None) -> bool:
    """A 304, or a 200 whose body hashes as in the last good crawl."""
    return status == 304 or (status == 200 and digest is not None and digest == (known or {}).get("sha256"))


def preflight(urls: list[str], validators: dict[str, dict], out_dir: Path, replay_base: str | None = None,
              seconds: float = policy.PREFLIGHT_SECONDS,
              settle: Callable[[str, bytes], bool] | None = None) -> bool:
    """Ask every start URL once; True when the run has nothing to parse, its answers archived.

    A URL is settled by a 304 or a body hashing as in the last good crawl (`validators`), or,
    for a 200 whose bytes are new (a query URL never asked before: arXiv's window since its
    cursor), when `settle(url, body)` (the source's page object) finds nothing in it the
    database lacks; pass `settle` only when it can judge every URL without validators. Only when every URL is settled is anything written to `out_dir` (the
    run folder: a manifest line per URL, the WARC only for bytes not archived before).

    The HTTP policy's user agent, robots.txt rule, host floors (crawler.pace, the clock the
    crawls share) and a deadline (`seconds`) for all URLs together; never a retry: any doubt
    (robots.txt now disallowing a URL, an error, a slow, changed or unreadable body) returns
    False and the real crawl runs, with its retries, robots.txt handling and error reporting.
    """
    user_agent = policy.USER_AGENT
    deadline = time.monotonic() + seconds
    root = out_dir.parent.parent   # the archive root: its robots/ and pace/ are the crawls' own
    robots: dict[str, urllib.robotparser.RobotFileParser] = {}
    cache = RobotsCache(root / "robots")
    scale = floor_scale(bool(replay_base))
    if settle is None and not all(url in validators for url in urls):
        return False   # a URL never fetched cannot be unchanged: ask nothing twice
    answers = []
    for url in urls:
        known = validators.get(url)
        try:
            if not _allowed(url, user_agent, replay_base, robots, deadline, cache):
                return False
            if not wait_turn(root / "pace", url, scale, deadline):
                return False
            status, headers, body = _get(url, {"User-Agent": user_agent, **conditional_headers(known)},
                                         replay_base, deadline)
            digest = hashlib.sha256(body).hexdigest() if status == 200 else None
            same = unchanged(status, digest, known)
            if not same and not (status == 200 and settle is not None and settle(url, body)):
                return False
        except Exception:  # noqa: BLE001 — any doubt: let the real crawl find out and say why
            return False
        answers.append((url, status, headers, body, same))
    archive = ResponseArchive(out_dir)
    try:
        for url, status, headers, body, same in answers:
            archive.record(url, status, headers, body, store=not same)
    finally:
        archive.close()
    return True


def _get(url: str, headers: dict, replay_base: str | None, deadline: float) -> tuple[int, list, bytes]:
    """(status, headers, body) of a GET that must finish by `deadline` (a drip-feed cannot
    stall it)."""
    target = replay_url(replay_base, url) if replay_base else url
    request = urllib.request.Request(target, headers=headers)
    timeout = max(0.1, min(policy.CONNECT_TIMEOUT, deadline - time.monotonic()))
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        return exc.code, list(exc.headers.items()), b""
    with response:
        chunks = []
        while chunk := response.read1(65536):  # read1: returns what has arrived, so the deadline bites
            chunks.append(chunk)
            if time.monotonic() > deadline:
                raise TimeoutError(url)
        return response.status, list(response.headers.items()), b"".join(chunks)


def _allowed(url: str, user_agent: str, replay_base: str | None, robots: dict, deadline: float,
             cache: RobotsCache) -> bool:
    """robots.txt still lets us fetch `url` (the shared copy when fresh, else fetched and kept;
    absent or 4xx = allowed)."""
    if not policy.OBEY_ROBOTS:
        return True
    parts = urlsplit(url)
    host = f"{parts.scheme}://{parts.netloc}"
    if host not in robots:
        parser = urllib.robotparser.RobotFileParser()
        cached = cache.get(parts.netloc)
        if cached is None:
            status, _, body = _get(host + "/robots.txt", {"User-Agent": user_agent}, replay_base, deadline)
            if status >= 500:
                raise ConnectionError("robots.txt unavailable")
            cache.put(parts.netloc, status, body)
        else:
            status, body = cached
        parser.parse(body.decode("utf-8", "replace").splitlines() if status == 200 else [])
        robots[host] = parser
    return robots[host].can_fetch(user_agent, url)
