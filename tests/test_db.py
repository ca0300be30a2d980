"""Schema, migrations and connection settings."""
from db.connect import WRITE_CACHE_KIB, open_db, resolve_db_path
from db.migrations import ensure_db_shape, migrations

TABLES = {"_sqlite_migrations", "sources", "crawl_runs", "papers", "models", "results",
          "results_history", "rejects", "responses", "cursors", "papers_fts", "canonical_models", "model_map", "merge_reviews", "conflicts"}


def schema(db):
    return sorted(db.execute("SELECT type, name, sql FROM sqlite_master").fetchall(),
                  key=lambda r: (r[0], r[1]))


def test_init_is_idempotent(db_path):
    db = open_db(db_path)
    every = [m.name for m in migrations.pending(db)]
    assert every[0] == "m001_core_tables" and len(every) >= 5
    assert ensure_db_shape(db) == every
    before = schema(db)
    assert ensure_db_shape(db) == []
    assert schema(db) == before
    assert set(db.table_names()) >= TABLES


def test_connection_pragmas(db_path):
    db = open_db(db_path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 30000
    assert db.execute("PRAGMA cache_size").fetchone()[0] == -WRITE_CACHE_KIB


def test_results_columns_and_indexes(db_path):
    db = open_db(db_path)
    ensure_db_shape(db)
    cols = set(db["results"].columns_dict)
    assert {"model", "dataset", "metric", "value", "raw_value", "setting", "extra_data",
            "params", "paper_id", "source", "source_url", "fetched_at", "evidence",
            "kind"} <= cols
    assert ["dataset", "metric", "value"] in [i.columns for i in db["results"].indexes]
    assert set(db["crawl_runs"].columns_dict) >= {
        "id", "source", "started", "finished", "status", "items_seen", "items_inserted",
        "items_updated", "items_unchanged", "items_rejected", "error", "archive_path"}


def test_db_path_precedence(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SOTA_DB", raising=False)
    assert resolve_db_path(None) == tmp_path / "sota.db"
    monkeypatch.setenv("SOTA_DB", "env.db")
    assert resolve_db_path(None) == tmp_path / "env.db"
    assert resolve_db_path("flag.db") == tmp_path / "flag.db"
