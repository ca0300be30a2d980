"""A run's response archive: raw bytes in a WARC file, one manifest line per response.

`ResponseArchive` writes `responses.warc.gz` and `responses.jsonl` (url, status, sha256, bytes,
fetched_at, warc_record_id) in the run folder; `read_bodies` reads bodies back by record id
(for `sota reprocess`).
"""
from __future__ import annotations

import hashlib
import json
import shutil
from http import HTTPStatus
from io import BytesIO
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from ingest.items import now_iso


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


class ResponseArchive:
    def __init__(self, out_dir: Path):
        out_dir.mkdir(parents=True, exist_ok=True)
        self._warc_file = open(out_dir / "responses.warc.gz", "ab")
        self._writer = WARCWriter(self._warc_file, gzip=True)
        self._manifest = open(out_dir / "responses.jsonl", "a", encoding="utf-8")

    def record(self, url: str, status: int, headers: list[tuple[str, str]], body: bytes,
               store: bool = True) -> str:
        """Archive one response; return its SHA-256.

        `store=False` (a body identical to the last archived one) writes only the
        manifest line: the WARC grows only when content changed.
        """
        digest = hashlib.sha256(body).hexdigest() if status != 304 else None
        record_id = None
        if store:
            record = self._writer.create_warc_record(
                url, "response", payload=BytesIO(body),
                http_headers=StatusAndHeaders(f"{status} {_reason(status)}", headers, protocol="HTTP/1.1"),
            )
            self._writer.write_record(record)
            self._warc_file.flush()
            record_id = record.rec_headers.get_header("WARC-Record-ID")
        lower = {k.lower(): v for k, v in headers}
        self._manifest.write(json.dumps({
            "url": url, "status": status, "sha256": digest, "bytes": len(body),
            "fetched_at": now_iso(),
            "warc_record_id": record_id, "etag": lower.get("etag"),
            "last_modified": lower.get("last-modified"),
        }) + "\n")
        self._manifest.flush()
        return digest

    def close(self) -> None:
        self._warc_file.close()
        self._manifest.close()


def space_note(folder: Path) -> str:
    """Why a run folder might not have been written: "disk full" when its file system has
    (almost) no room left, else how much is free."""
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return "its folder is gone"
    return "disk full" if free < 64 * 1024 else f"{free // 1024} KB free"


def read_bodies(path: str | Path, record_ids: set[str]) -> dict[str, tuple[int, dict, bytes]]:
    """`{record id: (status, headers, body)}` for the response records of one WARC file whose
    ids are in `record_ids` (one pass over the file). Bodies come back as the server sent
    them, content-encoding (gzip) undone, exactly as a live response's `body`."""
    found: dict[str, tuple[int, dict, bytes]] = {}
    with open(path, "rb") as fh:
        for record in ArchiveIterator(fh):
            rid = record.rec_headers.get_header("WARC-Record-ID")
            if record.rec_type != "response" or rid not in record_ids:
                continue
            status = int((record.http_headers.get_statuscode() or "0"))
            headers = {k.lower(): v for k, v in record.http_headers.headers}
            found[rid] = (status, headers, record.content_stream().read())
            if len(found) == len(record_ids):
                break
    return found
