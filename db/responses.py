"""Which archived bytes are a source's current content (what `reprocess` derives from)."""
from __future__ import annotations

from sqlite_utils import Database


def current_responses(db: Database, source: str, since: str | None = None) -> list[dict]:
    """For each URL `source` fetched (robots.txt aside), where the bytes of its newest answer
    lie: `{url, sha256, fetched_at, run, archive_path, warc_record_id}`. A 304 or an
    unchanged 200 (recorded in the manifest only) points back to the run that archived those
    bytes. URLs whose newest answer was not a 200/304, or whose bytes are not archived (the
    WARC was lost), are left out. `since` (YYYY-MM-DD): only answers fetched on or after it."""
    rows = db.query(
        "SELECT r.id, r.url, r.status, r.sha256, r.fetched_at, r.crawl_run, r.warc_record_id, "
        "c.archive_path FROM responses r JOIN crawl_runs c ON c.id = r.crawl_run "
        "WHERE c.source = ? AND r.url NOT LIKE '%/robots.txt' ORDER BY r.id", [source])
    newest: dict[str, dict] = {}      # url -> its newest 200/304 answer
    content: dict[str, str] = {}      # url -> sha256 of its newest 200 body
    stored: dict[tuple, dict] = {}    # (url, sha256) -> the newest answer whose bytes are in a WARC
    for r in rows:
        if r["status"] == 200 and r["sha256"]:
            content[r["url"]] = r["sha256"]
            if r["warc_record_id"] and r["archive_path"]:
                stored[(r["url"], r["sha256"])] = r
        if r["status"] in (200, 304):
            newest[r["url"]] = r
    out = []
    for url, answer in newest.items():
        held = stored.get((url, content.get(url)))
        if held is None or (since and answer["fetched_at"][:10] < since):
            continue
        out.append({"url": url, "sha256": held["sha256"], "fetched_at": held["fetched_at"],
                    "run": held["crawl_run"], "archive_path": held["archive_path"],
                    "warc_record_id": held["warc_record_id"]})
    return out
