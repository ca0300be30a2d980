"""The policy's host floors across processes: one clock file per domain.

A host whose terms set a floor between requests (crawler/policy.py HOST_FLOORS: arXiv's 3 s)
shares one clock among every process of a database: the file `<pace dir>/<domain>.clock`
holds the time of the last request any of them sent. Both ways of asking a host obey it:
the crawl's `PacingMiddleware` (waits without blocking Scrapy) and the parent's pre-flight
(`wait_turn`, which blocks). Under --replay the floors are scaled by `floor_scale` (the
mirror is ours; the order and spacing logic stays the same).
"""
from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from urllib.parse import urlsplit

from crawler.policy import FLOOR_MARGIN, REPLAY_FLOOR_SCALE, floor_for


def floor_scale(replay: bool) -> float:
    """1 against the real hosts; under --replay REPLAY_FLOOR_SCALE or $SOTA_REPLAY_FLOOR_SCALE."""
    return float(os.environ.get("SOTA_REPLAY_FLOOR_SCALE", REPLAY_FLOOR_SCALE)) if replay else 1.0


def clock_for(root: Path, url: str, scale: float) -> tuple[Path, float] | None:
    """(the clock file of `url`'s host, the seconds its floor asks for), or None: no floor."""
    floor = floor_for(urlsplit(url).hostname or "")
    if floor is None:
        return None
    domain, seconds = floor
    root.mkdir(parents=True, exist_ok=True)
    return root / f"{domain}.clock", seconds * scale + FLOOR_MARGIN


def stamp_if_due(path: Path, seconds: float) -> float:
    """Under the file's lock: if `seconds` have passed since the stamp, stamp now and return 0;
    else return how long is left (the lock is held only to read and stamp, never to wait)."""
    with open(path, "a+", encoding="ascii") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            fh.seek(0)
            text = fh.read().strip()
            last = float(text) if text else 0.0
            left = last + seconds - time.time()
            if left > 0:
                return left
            fh.seek(0)
            fh.truncate()
            fh.write(f"{time.time():.6f}")
            fh.flush()
            return 0.0
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def wait_turn(root: Path, url: str, scale: float, deadline: float) -> bool:
    """Block until `url`'s host floor lets a request go, and stamp it; False (nothing stamped)
    when that turn would come after `deadline` (time.monotonic())."""
    clock = clock_for(root, url, scale)
    if clock is None:
        return True
    path, seconds = clock
    while True:
        left = stamp_if_due(path, seconds)
        if left <= 0:
            return True
        if time.monotonic() + left > deadline:
            return False
        time.sleep(left)
