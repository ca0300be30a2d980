"""`sota reprocess`: derive a source's rows again from the archive, with today's code and rules.

The bytes come from the runs' WARC files (db.responses.current_responses: each URL's newest
archived answer), never from the network. The source's page object parses them exactly as
in a crawl and the result goes through the normal load: a changed value is updated with the
old version in `results_history`, a new row is inserted, a row the current code no longer
derives is flagged `underived` (never deleted), a flag that no longer holds is cleared, and
rejects are re-evaluated. Everything is one transaction with the run's record (kind
`reprocess`): a SIGKILL leaves the database as it was. A second reprocess writes nothing.
"""
from __future__ import annotations

import logging
import time
from collections import defaultdict
from pathlib import Path

from crawler.archive import read_bodies
from crawler.pages import Follow, Page, PageError, load_pages, run_page
from crawler.sources import get_source, load_sources
from db.connect import open_db, write_transaction
from db.responses import current_responses
from db.locks import LockHeld, hold
from db.runs import finish_run, start_run
from ingest.after_load import derive_after_load, reconcile_if_needed
from ingest.flags import settle_absent
from ingest.load import Seen, save_items, settle_rejects
from runs.crawl import RunOutcome, one_line, run_lock
from runs.prepare import prepare_db

log = logging.getLogger("sota.reprocess")
UNDERIVED = "the current code and rules no longer derive this row from the archived response"


def reprocessable(db_path: Path) -> list[str]:
    """Registered sources with archived responses, in registry order."""
    db = open_db(db_path)
    try:
        have = {r[0] for r in db.execute(
            "SELECT DISTINCT c.source FROM responses r JOIN crawl_runs c ON c.id = r.crawl_run")}
    finally:
        db.close()
    return [name for name in load_sources() if name in have]


def stale_count(db, source: str, derived_by: str) -> int:
    """Rows of `source` made by other code or rules than today's (baseline rows aside)."""
    return db.execute("SELECT count(*) FROM results WHERE source = ? AND baseline IS NULL "
                      "AND coalesce(derived_by, '') != ?", [source, derived_by]).fetchone()[0]


def archived_pages(refs: list[dict], errors: list[str]) -> list[Page]:
    """Pages for `refs` (current_responses rows), each WARC file read once; what cannot be read
    is named in `errors`."""
    by_file: dict[str, list[dict]] = defaultdict(list)
    for ref in refs:
        by_file[ref["archive_path"]].append(ref)
    pages = []
    for path, group in by_file.items():
        try:
            bodies = read_bodies(path, {r["warc_record_id"] for r in group})
        except (OSError, ValueError) as exc:
            errors.append(f"archive {path} unreadable: {exc}")
            continue
        for ref in group:
            found = bodies.get(ref["warc_record_id"])
            if found is None:
                errors.append(f"{ref['url']}: record {ref['warc_record_id']} missing from {path}")
                continue
            status, headers, body = found
            pages.append(Page(url=ref["url"], body=body, status=status, headers=headers,
                              fetched_at=ref["fetched_at"], run=ref["run"]))
    return pages


def reprocess_source(db_path: Path, source: str, since: str | None = None, stale: bool = False,
                     on_page=None) -> RunOutcome | None:
    """Derive `source` again from its archive; None when `stale` and nothing is stale. Refused
    (status `busy`) while another run of the source holds its lock."""
    try:
        with hold(db_path, run_lock(source)):
            return _reprocess_locked(db_path, source, since, stale, on_page)
    except LockHeld as exc:
        outcome = RunOutcome(source, None, "busy", error=f"another run of {source} is under way on this "
                             f"database (pid {exc.holder.get('pid')}); not started", kind="reprocess")
        log.warning("%s", outcome.line())
        return outcome


def _reprocess_locked(db_path: Path, source: str, since: str | None, stale: bool, on_page) -> RunOutcome | None:
    started = time.monotonic()
    pages_obj = load_pages(source, get_source(source))
    derived_by = pages_obj.derived_by()
    db = open_db(db_path)
    try:
        if stale and not stale_count(db, source, derived_by):
            return None
        run_id = start_run(db, source, None, None, "reprocess")
        errors: list[str] = []
        pages = archived_pages(current_responses(db, source, since), errors)
        items, parsed = [], set()
        for page in pages_obj.order(pages):
            try:
                # A shallow copy, as the loader reads JSON lines: item fields hold only plain
                # values (dataclasses.asdict's deep copy cost a timm reprocess 2 s of its 4).
                items.extend(dict(vars(out)) for out in run_page(pages_obj, page, derived_by)
                             if not isinstance(out, Follow))
                parsed.add(page.url)
            except PageError as exc:
                errors.append(f"{page.url}: {exc}")
            if on_page:
                on_page(page)
        errors.extend(e for e in pages_obj.finish() if e not in errors)
        with write_transaction(db):
            seen = Seen()
            counts = save_items(db, run_id, items, seen)
            flagged, cleared = settle_absent(db, source, run_id, seen.results, parsed, "underived", UNDERIVED)
            settle_rejects(db, source, run_id, seen, parsed)
            derive_after_load(db, run_id, changed=bool(counts.inserted or counts.updated or flagged or cleared))
            status = "failed" if errors else "ok"
            message = one_line(errors)
            finish_run(db, run_id, status, counts, message, None)
    finally:
        db.close()
    outcome = RunOutcome(source, run_id, status, counts, message, time.monotonic() - started,
                         kind="reprocess", flagged=flagged)
    log.log(logging.WARNING if errors else logging.INFO, "%s", outcome.line())
    return outcome


def reprocess(db_path: Path, sources: list[str] | None = None, since: str | None = None,
              stale: bool = False, on_page=None, on_done=None) -> list[RunOutcome]:
    """Reprocess `sources` (default: every source with an archive) in turn."""
    prepare_db(db_path)
    outcomes = []
    for name in sources or reprocessable(db_path):
        outcome = reprocess_source(db_path, name, since, stale, on_page)
        if outcome is not None:
            outcomes.append(outcome)
        if on_done:
            on_done(name, outcome)
    # Identity rules (aliases) reach the model map even when no row needed deriving again.
    db = open_db(db_path)
    try:
        with write_transaction(db):
            reconcile_if_needed(db, changed=False)
    finally:
        db.close()
    return outcomes
