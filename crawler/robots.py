"""robots.txt, fetched at most once a day per host and shared by every run of every source.

Each crawl child would otherwise fetch robots.txt again, and for a host with a pacing floor
(arXiv: one request every 3 s) that fetch costs the run its floor before the first real
request. The policy (crawler/policy.py: ROBOTS_CACHE_SECONDS) says how long a copy holds; the
copies live in `<archive root>/robots/` so the parent's pre-flight and the crawl children read
the same ones (crawler.middlewares.CachedRobotsTxtMiddleware; Scrapy still parses and enforces).
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from crawler import policy


class RobotsCache:
    def __init__(self, root: Path | str | None):
        self.root = Path(root) if root else None

    def _path(self, netloc: str) -> Path:
        return self.root / (netloc.replace(":", "_") + ".json")

    def get(self, netloc: str) -> tuple[int, bytes] | None:
        """(status, body) of a copy younger than the policy's limit, else None."""
        if self.root is None:
            return None
        path = self._path(netloc)
        try:
            if time.time() - path.stat().st_mtime > policy.ROBOTS_CACHE_SECONDS:
                return None
            data = json.loads(path.read_text("utf-8"))
            return int(data["status"]), data["body"].encode("utf-8")
        except (OSError, ValueError, KeyError):
            return None

    def put(self, netloc: str, status: int, body: bytes) -> None:
        if self.root is None:
            return
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            tmp = self._path(netloc).with_suffix(".tmp")
            tmp.write_text(json.dumps({"status": status, "body": body.decode("utf-8", "replace")}), "utf-8")
            tmp.replace(self._path(netloc))
        except OSError:
            pass  # a cache that cannot be written only costs a fetch next time
