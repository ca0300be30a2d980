"""Run one source's crawl in this process and write its output to a folder.

    python -m crawler.run SOURCE --out DIR [--url URL ...] [--replay-base URL] [--since T] [--until T]

Writes `DIR/items.jsonl` (results, papers, rejects), `DIR/responses.warc.gz` and
`DIR/responses.jsonl` (every response's raw bytes and hash) and, last, `DIR/summary.json`
(`{"source", "errors": [...], "unchanged": [...], "stats": {...}}` plus what the source's page
object wants remembered, e.g. arXiv's cursor). It never touches the database: the parent
process loads the folder. One crawl per process, because Scrapy's reactor cannot restart.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from urllib.parse import urlsplit

from crawler.sources import get_source


def crawl_settings(out_dir: Path, replay_base: str | None, log_level: str, conf: dict):
    """Scrapy settings: the policy (crawler.settings), the source's `[<source>.http]`
    overrides, this run's folder; under replay no politeness delay towards ourselves, but a
    host's terms (`min_delay_seconds`, arXiv's 3 s) always hold."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.setdict(conf.get("http", {}), priority="spider")
    settings.set("SOTA_OUT_DIR", str(out_dir))
    # Run folders are <archive root>/<source>/run-N: the robots.txt copies sit at the root.
    settings.set("ROBOTS_CACHE_DIR", str(out_dir.parent.parent / "robots"))
    settings.set("REPLAY_BASE_URL", replay_base)
    settings.set("FEEDS", {str(out_dir / "items.jsonl"): {"format": "jsonlines"}})
    settings.set("LOG_LEVEL", log_level)
    if replay_base:  # the loopback mirror answers at once
        settings.set("AUTOTHROTTLE_ENABLED", False, priority="cmdline")
        settings.set("DOWNLOAD_DELAY", 0, priority="cmdline")
    floor = float(conf.get("min_delay_seconds") or 0)
    if floor:
        # Scrapy spaces request *starts*; 50 ms more keeps arrivals above the floor too.
        settings.set("DOWNLOAD_DELAY", max(floor + 0.05, settings.getfloat("DOWNLOAD_DELAY")), priority="cmdline")
        settings.set("RANDOMIZE_DOWNLOAD_DELAY", False, priority="cmdline")  # never below the floor
    return settings


def run(source: str, out_dir: Path, urls: list[str] | None = None,
        replay_base: str | None = None, log_level: str = "WARNING",
        since: str | None = None, until: str | None = None) -> dict:
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    from crawler.spiders.source import SourceSpider

    conf = get_source(source)
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = crawl_settings(out_dir, replay_base, log_level, conf)
    process = CrawlerProcess(settings, install_root_handler=True)
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
    summary = {"source": source, "errors": spider.errors + errors,
               "unchanged": spider.unchanged, "fallbacks": spider.fallbacks, "stats": stats,
               **spider.pages.summary()}
    return write_summary(out_dir, summary)


def _original(url: str) -> str:
    """A replay URL (`http://127.0.0.1:N/<host><path>`) back to the production URL."""
    parts = urlsplit(url)
    if parts.hostname in ("127.0.0.1", "localhost") and "/" in parts.path[1:]:
        return "https://" + parts.path.lstrip("/") + (f"?{parts.query}" if parts.query else "")
    return url


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
    args = parser.parse_args(argv)
    try:
        run(args.source, args.out, args.url, args.replay_base, args.log_level, args.since, args.until)
    except KeyError as exc:
        print(f"crawler: {exc.args[0]}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    logging.captureWarnings(True)
    sys.exit(main())
