"""The one HTTP policy every fetch obeys: who we say we are, robots.txt, timeouts, retries,
backoff and per-host pacing.

Scrapy reads it through crawler/settings.py (the crawl child's only HTTP path); the parent's
conditional pre-flight (crawler/validators.py) reads the same values and never retries (any
doubt and the real crawl decides). Per-source overrides (a slower host, arXiv's 3 s) live in
crawler/sources.toml under `[<source>.http]`.
"""
from __future__ import annotations

from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

USER_AGENT = "sota-tracker/0.1 (+https://github.com/sota-tracker/sota-tracker; ImageNet SOTA research crawler)"
OBEY_ROBOTS = True
ROBOTS_CACHE_SECONDS = 24 * 3600   # a host's robots.txt is asked at most once a day (crawler/robots.py)

CONNECT_TIMEOUT = 15.0        # seconds to open a connection
READ_TIMEOUT = 60.0           # seconds for a whole response (Scrapy's DOWNLOAD_TIMEOUT)
MAX_BYTES = 32 * 1024 * 1024  # a leaderboard page is well under this; bigger is an error
WARN_BYTES = 8 * 1024 * 1024

RETRIES = 3                   # attempts after the first
RETRY_STATUSES = (408, 429, 500, 502, 503, 504, 522, 524)
BACKOFF_BASE = 1.0            # seconds; doubled per retry when no Retry-After is sent
BACKOFF_MAX = 30.0
RETRY_AFTER_MAX = 120.0       # a longer Retry-After fails the run; the next schedule retries

DELAY = 1.0                   # seconds between requests to one host (randomised 0.5–1.5×)
# Hosts whose terms set a floor between requests: the domain and its subdomains share one
# clock across every process of this database (crawler.middlewares.PacingMiddleware), kept
# even under --replay and for retries. arXiv's terms: one request every 3 s (API and pages).
HOST_FLOORS = {"arxiv.org": 3.0}
FLOOR_MARGIN = 0.05           # seconds added to a floor: clocks stamp a request just before it leaves
# Under --replay the "host" is our own loopback mirror: floors still order and space requests,
# scaled by this factor ($SOTA_REPLAY_FLOOR_SCALE; the pacing bench sets 1 to measure the real one).
REPLAY_FLOOR_SCALE = 0.1
CONCURRENCY_PER_HOST = 2
PREFLIGHT_SECONDS = 10.0      # the parent's conditional check of all a source's start URLs


def floor_for(host: str) -> tuple[str, float] | None:
    """(the domain whose clock `host` shares, its floor in seconds), or None."""
    host = (host or "").lower().split(":")[0]
    for domain, seconds in HOST_FLOORS.items():
        if host == domain or host.endswith("." + domain):
            return domain, seconds
    return None


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """`Retry-After` (delta-seconds or HTTP-date) as seconds from now, at least 0; None if
    absent or unreadable. Callers cap it with RETRY_AFTER_MAX."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


def backoff_seconds(tries: int, retry_after: str | None = None) -> float | None:
    """How long to wait before retry number `tries + 1`: the server's Retry-After when it sends
    one (at least BACKOFF_BASE), else exponential backoff; None when the server asks for longer
    than RETRY_AFTER_MAX (give up: the next scheduled run retries)."""
    wait = retry_after_seconds(retry_after)
    if wait is None:
        return min(BACKOFF_MAX, BACKOFF_BASE * 2 ** tries)
    if wait > RETRY_AFTER_MAX:
        return None
    return max(wait, BACKOFF_BASE)
