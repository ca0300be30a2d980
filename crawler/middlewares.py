"""Downloader middlewares: replay from a loopback mirror, and archive every response.

Scrapy 2.19 calls middleware methods without the `spider` argument, so both
take it as optional.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path
from urllib.parse import quote, urlsplit

from scrapy.exceptions import NotConfigured
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

ORIGINAL_URL = "replay_original_url"


def replay_url(base: str, url: str) -> str:
    """Map a production URL onto the replay server: `<base>/<host><path>[?query]`."""
    parts = urlsplit(url)
    path = quote(f"{parts.netloc}{parts.path}", safe="/:@!$&'()*+,;=-._~")
    return f"{base.rstrip('/')}/{path}" + (f"?{parts.query}" if parts.query else "")


class ReplayMiddleware:
    """Send every request to the loopback replay server, keep the real URL for the spider.

    The request is rewritten just before download; its response gets the
    production URL back, so spiders, `source_url` and the archive all see the
    URL the data stands for. robots.txt is still fetched for the real host
    (through this same rewrite) before the rewritten request goes out.
    """

    def __init__(self, base: str):
        self.base = base

    @classmethod
    def from_crawler(cls, crawler):
        base = crawler.settings.get("REPLAY_BASE_URL")
        if not base:
            raise NotConfigured
        return cls(base)

    def process_request(self, request, spider=None):
        if ORIGINAL_URL in request.meta:
            return None
        meta = {**request.meta, ORIGINAL_URL: request.url, "dont_obey_robotstxt": True}
        return request.replace(url=replay_url(self.base, request.url), meta=meta)

    def process_response(self, request, response, spider=None):
        original = request.meta.get(ORIGINAL_URL)
        if original and response.url == request.url:
            return response.replace(url=original)
        return response


class ArchiveMiddleware:
    """Write every response's raw bytes to a per-run WARC file, plus a manifest line.

    The manifest (`responses.jsonl`) gives the loader url, status, size and
    SHA-256 of each body, so each stored number can be traced to the bytes it
    was parsed from.
    """

    def __init__(self, out_dir: Path):
        out_dir.mkdir(parents=True, exist_ok=True)
        self._warc_file = open(out_dir / "responses.warc.gz", "ab")
        self._writer = WARCWriter(self._warc_file, gzip=True)
        self._manifest = open(out_dir / "responses.jsonl", "a", encoding="utf-8")

    @classmethod
    def from_crawler(cls, crawler):
        out = crawler.settings.get("SOTA_OUT_DIR")
        if not out:
            raise NotConfigured
        mw = cls(Path(out))
        from scrapy import signals

        crawler.signals.connect(mw.close, signal=signals.spider_closed)
        return mw

    def process_response(self, request, response, spider=None):
        body = response.body
        headers = [(k.decode("latin-1"), b", ".join(v).decode("latin-1"))
                   for k, v in response.headers.items()]
        status_line = f"{response.status} {_reason(response.status)}"
        record = self._writer.create_warc_record(
            response.url, "response", payload=BytesIO(body),
            http_headers=StatusAndHeaders(status_line, headers, protocol="HTTP/1.1"),
        )
        self._writer.write_record(record)
        self._manifest.write(json.dumps({
            "url": response.url,
            "status": response.status,
            "sha256": hashlib.sha256(body).hexdigest(),
            "bytes": len(body),
            "fetched_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "warc_record_id": record.rec_headers.get_header("WARC-Record-ID"),
        }) + "\n")
        self._manifest.flush()
        return response

    def close(self, spider=None):
        self._warc_file.close()
        self._manifest.close()


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
