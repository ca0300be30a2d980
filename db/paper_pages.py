"""Stored papers as the crawls ask about them: the record held of a paper (a feed's answer
with nothing newer settles a run), the papers a page source (arxiv_html) still has to read,
and what it found for each version."""
from __future__ import annotations

from sqlite_utils import Database

from db.runs import now_iso

IMAGENET = ("(lower(p.title) LIKE '%imagenet%' OR lower(p.abstract) LIKE '%imagenet%' "
            "OR lower(p.abstract) LIKE '%ilsvrc%')")


def stored_paper(db: Database, arxiv_id: str) -> dict | None:
    """The stored record of arXiv paper `arxiv_id` as arXiv itself gave it (version, updated,
    title, abstract, comment, journal_ref, doi), or None: not stored, or only known from another
    source's reference (which carries no version)."""
    rows = list(db.query("SELECT version, updated, title, abstract, comment, journal_ref, doi FROM papers "
                         "WHERE id = ? AND arxiv_id = id AND version IS NOT NULL", [arxiv_id]))
    return rows[0] if rows else None


def pending_papers(db: Database, source: str, limit: int) -> list[tuple[str, int | None]]:
    """(arXiv id, version) of stored arXiv papers that mention ImageNet and have no state for
    their current version, newest submission first, at most `limit`."""
    return [tuple(r) for r in db.execute(
        f"SELECT p.id, p.version FROM papers p WHERE p.arxiv_id = p.id AND {IMAGENET} "
        "AND NOT EXISTS (SELECT 1 FROM paper_pages s WHERE s.source = ? AND s.paper_id = p.id "
        "AND s.version = coalesce(p.version, 0)) "
        "ORDER BY p.published DESC, p.id LIMIT ?", [source, limit])]


def record_states(db: Database, source: str, run_id: int, states: list[dict]) -> None:
    """Remember `{paper_id, version, status ('ok' | 'none'), url}` per paper (inside the run's
    transaction; an unknown version is stored as 0); a newer answer for the same version
    replaces an older one."""
    now = now_iso()
    db.conn.executemany(
        "INSERT INTO paper_pages (source, paper_id, version, status, url, run, checked_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, paper_id, version) DO UPDATE SET "
        "status = excluded.status, url = excluded.url, run = excluded.run, checked_at = excluded.checked_at",
        [(source, s["paper_id"], s["version"] or 0, s["status"], s["url"], run_id, now) for s in states])
