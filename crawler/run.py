"""Run one source's spider in this process and write its output to a folder.

    python -m crawler.run SOURCE --out DIR [--url URL ...] [--replay-base URL]

Writes `DIR/items.jsonl` (results, rejects, papers), `DIR/responses.warc.gz` and
`DIR/responses.jsonl` (every response's raw bytes and hash) and, last,
`DIR/summary.json` (`{"source", "errors": [...], "stats": {...}}`). It never
touches the database: the parent process loads the folder. One crawl per
process, because Scrapy's reactor cannot be restarted.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from crawler.sources import get_source


def crawl_settings(out_dir: Path, replay_base: str | None, log_level: str):
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("SOTA_OUT_DIR", str(out_dir))
    settings.set("REPLAY_BASE_URL", replay_base)
    settings.set("FEEDS", {str(out_dir / "items.jsonl"): {"format": "jsonlines"}})
    settings.set("LOG_LEVEL", log_level)
    if replay_base:  # the loopback mirror answers at once (spiders drop their delay too)
        settings.set("AUTOTHROTTLE_ENABLED", False)
    return settings


def run(source: str, out_dir: Path, urls: list[str] | None = None,
        replay_base: str | None = None, log_level: str = "WARNING",
        since: str | None = None, until: str | None = None) -> dict:
    conf = get_source(source)
    out_dir.mkdir(parents=True, exist_ok=True)
    if conf.get("fetcher") == "arxiv":
        from crawler import arxiv_source

        return _write_summary(out_dir, arxiv_source.run(source, out_dir, urls, replay_base, since, until))
    return _write_summary(out_dir, run_spider(source, conf, out_dir, urls, replay_base, log_level))


def run_spider(source: str, conf: dict, out_dir: Path, urls: list[str] | None,
               replay_base: str | None, log_level: str) -> dict:
    """The Scrapy path (imported here: the arXiv path never pays Scrapy's start-up)."""
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess
    from scrapy.spiderloader import SpiderLoader

    settings = crawl_settings(out_dir, replay_base, log_level)
    spider_cls = SpiderLoader.from_settings(settings).load(conf["spider"])
    process = CrawlerProcess(settings, install_root_handler=True)
    crawler = process.create_crawler(spider_cls)
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
    # The spider takes the source's name (several sources may share one spider).
    process.crawl(crawler, name=source, urls=urls or None)
    process.start()
    spider = crawler.spider
    stats = {k: (v.isoformat() if hasattr(v, "isoformat") else v)
             for k, v in (crawler.stats.get_stats() or {}).items()}
    summary = {"source": source, "errors": list(getattr(spider, "errors", [])) + errors,
               "unchanged": list(getattr(spider, "unchanged", [])), "stats": stats}
    return summary


def _original(url: str) -> str:
    """A replay URL (`http://127.0.0.1:N/<host><path>`) back to the production URL."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.hostname in ("127.0.0.1", "localhost") and "/" in parts.path[1:]:
        return "https://" + parts.path.lstrip("/") + (f"?{parts.query}" if parts.query else "")
    return url


def _write_summary(out_dir: Path, summary: dict) -> dict:
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
