"""Conditional requests: one rule for "has this URL changed since the last good crawl?".

Used by the Scrapy archive middleware (inside a crawl) and by `preflight()`,
which the parent runs before starting a crawl child: when every start URL of
a source answers 304 or the same bytes as last time, there is nothing to
parse, and the child (a Python + Scrapy start, most of an unchanged crawl's
cost) is not started at all.
"""
from __future__ import annotations

import hashlib
import time
import urllib.error
import urllib.request
import urllib.robotparser
from pathlib import Path
from urllib.parse import urlsplit

from crawler import policy
from crawler.replay import replay_url
from crawler.robots import RobotsCache
from ingest.items import now_iso


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


def preflight(urls: list[str], validators: dict[str, dict], replay_base: str | None = None,
              robots_dir: Path | None = None,
              seconds: float = policy.PREFLIGHT_SECONDS) -> list[dict] | None:
    """Ask every URL conditionally; the manifest lines if all are unchanged, else None.

    The HTTP policy's user agent, robots.txt rule and a deadline (`seconds`) for all URLs together;
    never a retry: any doubt (a URL never fetched, robots.txt now disallowing it, an error,
    a slow or changed body) returns None and the real crawl runs, with its retries, robots.txt
    handling and error reporting.
    """
    user_agent = policy.USER_AGENT
    deadline = time.monotonic() + seconds
    robots: dict[str, urllib.robotparser.RobotFileParser] = {}
    cache = RobotsCache(robots_dir)
    lines = []
    for url in urls:
        known = validators.get(url)
        if not known:
            return None
        try:
            if not _allowed(url, user_agent, replay_base, robots, deadline, cache):
                return None
            status, body = _get(url, {"User-Agent": user_agent, **conditional_headers(known)},
                                replay_base, deadline)
        except Exception:  # noqa: BLE001 — any doubt: let the real crawl find out and say why
            return None
        digest = hashlib.sha256(body).hexdigest() if status == 200 else None
        if not unchanged(status, digest, known):
            return None
        lines.append({"url": url, "status": status, "sha256": digest, "bytes": len(body),
                      "fetched_at": now_iso(),
                      "warc_record_id": None, "etag": known.get("etag"),
                      "last_modified": known.get("last_modified")})
    return lines


def _get(url: str, headers: dict, replay_base: str | None, deadline: float) -> tuple[int, bytes]:
    """(status, body) of a GET that must finish by `deadline` (a drip-feed cannot stall it)."""
    target = replay_url(replay_base, url) if replay_base else url
    request = urllib.request.Request(target, headers=headers)
    timeout = max(0.1, min(policy.CONNECT_TIMEOUT, deadline - time.monotonic()))
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        return exc.code, b""
    with response:
        chunks = []
        while chunk := response.read1(65536):  # read1: returns what has arrived, so the deadline bites
            chunks.append(chunk)
            if time.monotonic() > deadline:
                raise TimeoutError(url)
        return response.status, b"".join(chunks)


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
            status, body = _get(host + "/robots.txt", {"User-Agent": user_agent}, replay_base, deadline)
            if status >= 500:
                raise ConnectionError("robots.txt unavailable")
            cache.put(parts.netloc, status, body)
        else:
            status, body = cached
        parser.parse(body.decode("utf-8", "replace").splitlines() if status == 200 else [])
        robots[host] = parser
    return robots[host].can_fetch(user_agent, url)
