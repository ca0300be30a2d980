"""Run one source's crawl in this process and write its output to a folder.

    python -m crawler.run SOURCE --out DIR [--url URL ...] [--replay-base URL] [--since T] [--until T]
                          [--deadline EPOCH]

Writes `DIR/items.jsonl` (results, papers, rejects), `DIR/responses.warc.gz` and
`DIR/responses.jsonl` (every response's raw bytes and hash) and, last, `DIR/summary.json`
(`{"source", "errors": [...], "unchanged": [...], "parsed": [...], "stats": {...}}` plus what
the source's page object wants remembered, e.g. arXiv's cursor; `parsed` lists the URLs whose
responses were parsed to the end). It never touches the database: the parent process loads
the folder. One crawl per process, because Scrapy's reactor cannot restart.

`--deadline` (a Unix time: the run's budget, from the parent) sizes the per-attempt timeout
and the retries so that a request that never gets an answer fails before it with its own
reason, and stops scheduling new requests in time to finish.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from crawler import policy
from crawler.archive import space_note
from crawler.sources import get_source
from db.connect import explain

FINISH_SECONDS = 1.0   # kept free at the end of the budget: closing, the summary, exiting


def crawl_settings(out_dir: Path, replay_base: str | None, log_level: str, conf: dict,
                   deadline: float | None = None):
    """Scrapy settings: the policy (crawler.settings), the source's `[<source>.http]`
    overrides, this run's folder; under replay no politeness delay towards ourselves (a host's
    terms, crawler/policy.py HOST_FLOORS, hold anyway: PacingMiddleware); with a `deadline`,
    timeouts and retries that fit before it (crawler.policy.fit_to_budget)."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    for base, paths in settings.getdict("UNUSED_COMPONENTS").items():
        for path in paths:
            settings[base].delete(path, priority="default")
    settings.setdict(conf.get("http", {}), priority="spider")
    if deadline is not None:
        fit_budget(settings, deadline - time.time())
    settings.set("SOTA_OUT_DIR", str(out_dir))
    # Run folders are <archive root>/<source>/run-N: the robots.txt copies sit at the root.
    settings.set("ROBOTS_CACHE_DIR", str(out_dir.parent.parent / "robots"))
    settings.set("PACE_DIR", str(out_dir.parent.parent / "pace"))
    settings.set("REPLAY_BASE_URL", replay_base)
    settings.set("FEEDS", {str(out_dir / "items.jsonl"): {"format": "jsonlines"}})
    settings.set("LOG_LEVEL", log_level)
    if replay_base:  # the loopback mirror answers at once
        settings.set("AUTOTHROTTLE_ENABLED", False, priority="cmdline")
        settings.set("DOWNLOAD_DELAY", 0, priority="cmdline")
    return settings


def fit_budget(settings, remaining: float) -> None:
    """Per-attempt timeout and retries that fit in `remaining` seconds, and a stop for new
    requests early enough that the ones in flight end (answered or timed out) in time."""
    attempt, retries, stop_after = policy.fit_to_budget(
        remaining - FINISH_SECONDS, settings.getfloat("DOWNLOAD_TIMEOUT"), settings.getint("RETRY_TIMES"))
    settings.set("DOWNLOAD_TIMEOUT", attempt, priority="cmdline")
    settings.set("RETRY_TIMES", retries, priority="cmdline")
    settings.set("CLOSESPIDER_TIMEOUT", stop_after, priority="cmdline")
    settings.set("SOTA_DEADLINE", time.time() + remaining - FINISH_SECONDS, priority="cmdline")


def run(source: str, out_dir: Path, urls: list[str] | None = None,
        replay_base: str | None = None, log_level: str = "WARNING",
        since: str | None = None, until: str | None = None, deadline: float | None = None) -> dict:
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    from crawler.spiders.source import SourceSpider

    conf = get_source(source)
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = crawl_settings(out_dir, replay_base, log_level, conf, deadline)
    process = CrawlerProcess(settings, install_root_handler=True)
    # Scrapy sets the root logger to NOTSET and filters in its handler, so every item's DEBUG
    # "Scraped from ..." record was built and then dropped (a tenth of a timm crawl): its
    # loggers stop at the level the handler would show anyway.
    logging.getLogger("scrapy").setLevel(log_level)
    crawler = process.create_crawler(SourceSpider)
    errors: list[str] = []

    def on_spider_error(failure, response, spider=None):
        errors.append(f"{response.url}: {failure.type.__name__}: {failure.getErrorMessage()}")

    def on_request_dropped(request, spider=None):
        # The dupefilter drops a request for a URL already fetched: after a redirect, a loop.
        if request.meta.get("redirect_urls"):
            hops = request.meta["redirect_urls"]
            errors.append(f"redirect loop: {_original(hops[0])} redirected back to {_original(request.url)}")

    crawler.signals.connect(on_spider_error, signal=signals.spider_error)
    crawler.signals.connect(on_request_dropped, signal=signals.request_dropped)
    process.crawl(crawler, source=source, urls=urls or None, since=since, until=until)
    process.start()
    spider = crawler.spider
    stats = {k: (v.isoformat() if hasattr(v, "isoformat") else v)
             for k, v in (crawler.stats.get_stats() or {}).items()}
    # Scrapy logs a failed write of an item (disk full) and goes on: count what reached the file.
    written, scraped = complete_lines(out_dir / "items.jsonl"), spider.yielded
    if written < scraped:
        errors.append(f"only {written} of {scraped} items reached {out_dir / 'items.jsonl'} "
                      f"({space_note(out_dir)})")
    summary = {"source": source, "errors": spider.errors + errors,
               "unchanged": spider.unchanged, "parsed": spider.parsed, "missing": spider.missing,
               "fell_back": spider.fell_back, "stats": stats,
               **spider.pages.summary()}
    return write_summary(out_dir, summary)


def _original(url: str) -> str:
    """A replay URL (`http://127.0.0.1:N/<host><path>`) back to the production URL."""
    parts = urlsplit(url)
    if parts.hostname in ("127.0.0.1", "localhost") and "/" in parts.path[1:]:
        return "https://" + parts.path.lstrip("/") + (f"?{parts.query}" if parts.query else "")
    return url


def complete_lines(path: Path) -> int:
    """How many newline-terminated lines `path` holds (0 when it does not exist)."""
    try:
        with open(path, "rb") as fh:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
    except FileNotFoundError:
        return 0


def write_summary(out_dir: Path, summary: dict) -> dict:
    # Written last and renamed into place: its presence means the child finished.
    tmp = out_dir / "summary.json.tmp"
    tmp.write_text(json.dumps(summary, indent=1, default=str), encoding="utf-8")
    tmp.replace(out_dir / "summary.json")
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.run")
    parser.add_argument("source")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--url", action="append", default=[])
    parser.add_argument("--replay-base")
    parser.add_argument("--log-level", default="WARNING")
    parser.add_argument("--since", help="cursor sources: only what was submitted after this")
    parser.add_argument("--until", help="with --since: a backfill window's end")
    parser.add_argument("--deadline", type=float, help="Unix time by which the crawl must have ended")
    args = parser.parse_args(argv)
    try:
        run(args.source, args.out, args.url, args.replay_base, args.log_level, args.since, args.until,
            args.deadline)
    except KeyError as exc:
        print(f"crawler: {exc.args[0]}", file=sys.stderr)
        return 2
    except OSError as exc:   # the run folder cannot be written: the parent reads this last line
        print(f"crawler: {explain(exc)}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    logging.captureWarnings(True)
    sys.exit(main())
