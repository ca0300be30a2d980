"""Getting a database ready for a run: what `sota init`, every run and the daemon do first."""
from __future__ import annotations

from pathlib import Path

from crawler.sources import load_sources
from db.connect import open_db, write_transaction
from db.migrations import ensure_db_shape
from db.rules_tables import sync_rules
from db.runs import sync_sources


def prepare_db(db_path: Path) -> list[str]:
    """Migrate the database, mirror the source registry and the rules the SQL views join
    (both read fresh from their files); return the migrations applied."""
    db = open_db(db_path)
    try:
        applied = ensure_db_shape(db)
        with write_transaction(db):
            sync_sources(db, load_sources())
            sync_rules(db)
    finally:
        db.close()
    return applied
