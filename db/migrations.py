"""Versioned schema migrations (sqlite-utils 4 `Migrations`).

Each migration is applied once, in order, inside a transaction together with
its record in `_sqlite_migrations`; `ensure_db_shape()` is therefore idempotent.
Never edit an applied migration: add a new one.
"""
from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("sota")


@migrations()
def m001_core_tables(db: Database) -> None:
    db["sources"].create(
        {"name": str, "url": str, "kind": str, "licence": str, "attribution": str,
         "description": str, "default_enabled": int},
        pk="name",
    )
    db["crawl_runs"].create(
        {"id": int, "source": str, "started": str, "finished": str, "status": str,
         "items_seen": int, "items_inserted": int, "items_updated": int,
         "items_unchanged": int, "items_rejected": int, "error": str,
         "archive_path": str, "urls": str, "replay": str},
        pk="id",
        foreign_keys=[("source", "sources", "name")],
    )
    db["crawl_runs"].create_index(["source", "started"])
    db["papers"].create(
        {"id": str, "arxiv_id": str, "title": str, "url": str, "published": str},
        pk="id",
    )
    db["papers"].create_index(["arxiv_id"])
    db["models"].create({"name": str, "first_source": str}, pk="name")
    db["results"].create(
        {
            "id": int, "key": str, "model": str, "dataset": str, "metric": str,
            "value": float, "raw_value": str, "setting": str, "extra_data": int,
            "extra_data_corpus": str, "params": int, "resolution": int,
            "paper_id": str, "published": str, "source": str, "source_url": str,
            "fetched_at": str, "crawl_run": int, "evidence": str, "kind": str,
        },
        pk="id",
        not_null={"key", "model", "dataset", "metric", "value", "source", "source_url", "fetched_at", "kind"},
        foreign_keys=[("source", "sources", "name"), ("paper_id", "papers", "id"),
                      ("crawl_run", "crawl_runs", "id"), ("model", "models", "name")],
    )
    db["results"].create_index(["key"], unique=True)
    db["results"].create_index(["dataset", "metric", "value"])
    db["results"].create_index(["model"])
    db["results_history"].create(
        {"id": int, "result_id": int, "key": str, "value": float, "raw_value": str,
         "params": int, "evidence": str, "source_url": str, "fetched_at": str,
         "crawl_run": int, "replaced_at": str, "replaced_by_run": int},
        pk="id",
        foreign_keys=[("result_id", "results", "id")],
    )
    db["results_history"].create_index(["result_id"])
    db["rejects"].create(
        {"id": int, "key": str, "source": str, "url": str, "raw": str, "reason": str,
         "crawl_run": int, "seen_at": str},
        pk="id",
        foreign_keys=[("crawl_run", "crawl_runs", "id")],
    )
    # The same bad row seen again is the same reject: keyed on its content.
    db["rejects"].create_index(["key"], unique=True)
    db["responses"].create(
        {"id": int, "crawl_run": int, "url": str, "status": int, "sha256": str,
         "bytes": int, "fetched_at": str, "warc_record_id": str},
        pk="id",
        foreign_keys=[("crawl_run", "crawl_runs", "id")],
    )
    db["responses"].create_index(["url", "sha256"])


@migrations()
def m002_arxiv(db: Database) -> None:
    """arXiv papers in full, abstract claims with offsets and confidence, query cursors."""
    for column, kind in (("version", int), ("authors", str), ("abstract", str),
                         ("categories", str), ("primary_category", str), ("updated", str),
                         ("comment", str), ("journal_ref", str), ("doi", str), ("links", str)):
        db["papers"].add_column(column, kind)
    db["papers"].enable_fts(["title", "abstract"], create_triggers=True, tokenize="porter")
    for column, kind in (("confidence", float), ("evidence_start", int), ("evidence_end", int)):
        db["results"].add_column(column, kind)
    db["cursors"].create(
        {"source": str, "query": str, "newest_submitted": str, "updated_at": str},
        pk=("source", "query"),
    )


@migrations()
def m003_dates_and_flags(db: Database) -> None:
    """How precise a result's date is (day / month / year), and flags such as `withdrawn`."""
    db["results"].add_column("date_precision", str)
    db["results"].add_column("flags", str)


@migrations()
def m004_reconciliation(db: Database) -> None:
    """Canonical models and the map from each source's spelling; merge reviews; source tiers."""
    db["sources"].add_column("tier", int)
    db["canonical_models"].create({"key": str, "name": str}, pk="key")
    db["model_map"].create(
        {"source": str, "model": str, "canonical_key": str},
        pk=("source", "model"),
        foreign_keys=[("canonical_key", "canonical_models", "key")],
    )
    db["model_map"].create_index(["canonical_key"])
    db["merge_reviews"].create(
        {"source": str, "model": str, "canonical_key": str, "status": str, "reason": str,
         "decided_at": str},
        pk=("source", "model"),
    )
    db["results"].create_index(["source", "model"])
    db["conflicts"].create(
        {"id": int, "model": str, "canonical_key": str, "field": str, "dataset": str,
         "metric": str, "protocol": str,
         "source_a": str, "value_a": float, "result_a": int, "evidence_a": str, "source_url_a": str,
         "source_b": str, "value_b": float, "result_b": int, "evidence_b": str, "source_url_b": str},
        pk="id",
        foreign_keys=[("result_a", "results", "id"), ("result_b", "results", "id")],
    )


@migrations()
def m005_validators(db: Database) -> None:
    """HTTP validators per response, for conditional requests on the next crawl."""
    db["responses"].add_column("etag", str)
    db["responses"].add_column("last_modified", str)


@migrations()
def m006_baseline(db: Database) -> None:
    """Rows seeded from the bundled baseline carry its date until live data replaces them."""
    db["results"].add_column("baseline", str)


@migrations()
def m007_derivation(db: Database) -> None:
    """What derived each row and from which bytes; flags; rejects that later parse; rules tables.

    results.derived_by: the parser code + rules fingerprint that made the row (stale rows are
    those made by other code or rules); archive_url: the archived response it was read from;
    locator: where in that response. crawl_runs.kind: crawl, backfill or reprocess. `flags`:
    one row per flag raised on a result (underived, delisted, ...), with the run that raised
    it and, once it no longer holds, the run that cleared it. results_history keeps every
    field a new version can change. rule_protocols / rule_metrics mirror rules/*.toml for the
    SQL views, refreshed at each run. `state`: small facts kept between runs (which rules the
    model map was last reconciled with).
    """
    db["crawl_runs"].add_column("kind", str, not_null_default="crawl")
    for column in ("derived_by", "archive_url", "locator", "role"):
        db["results"].add_column(column, str)
    db.execute("UPDATE results SET archive_url = source_url WHERE source != 'arxiv'")
    for column, kind in (("model", str), ("setting", str), ("extra_data", int),
                         ("extra_data_corpus", str), ("resolution", int), ("published", str),
                         ("paper_id", str), ("flags", str), ("role", str), ("derived_by", str)):
        db["results_history"].add_column(column, kind)
    db["flags"].create(
        {"id": int, "result_id": int, "flag": str, "reason": str, "run": int, "raised_at": str,
         "cleared_run": int, "cleared_at": str},
        pk="id",
        foreign_keys=[("result_id", "results", "id"), ("run", "crawl_runs", "id")],
    )
    db.execute("CREATE UNIQUE INDEX flags_active ON flags (result_id, flag) WHERE cleared_at IS NULL")
    db["flags"].create_index(["flag", "cleared_at"])
    db["papers"].add_column("archive_url", str)   # the archived response it was read from
    db["papers"].add_column("crawl_run", int)
    db["rejects"].add_column("locator", str)
    db["rejects"].add_column("resolved_run", int)
    db["rejects"].create_index(["source", "resolved_run"])
    db["state"].create({"key": str, "value": str}, pk="key")
    db["rule_protocols"].create({"setting": str, "protocol": str}, pk="setting")
    db["rule_metrics"].create({"metric": str, "label": str, "unit": str, "higher_is_better": int,
                               "leaderboard": int}, pk="metric")


@migrations()
def m060_paper_pages(db: Database) -> None:
    """Which version of each paper a page source (arxiv_html) has read, or found no page for:
    a paper is asked again only when a new version appears."""
    db["paper_pages"].create(
        {"source": str, "paper_id": str, "version": int, "status": str, "url": str, "run": int,
         "checked_at": str},
        pk=("source", "paper_id", "version"),
        foreign_keys=[("run", "crawl_runs", "id")],
    )


@migrations()
def m020_identity(db: Database) -> None:
    """Model identity: why each name maps where it does, a family level above the model, review
    decisions on pairs of names (so they survive reprocessing), and per-paper models for a name
    that several papers use ("ResNet-50" in five papers is five models)."""
    db["model_map"].add_column("reason", str)
    db["canonical_models"].add_column("family", str)
    db["canonical_models"].add_column("paper", str)
    db["canonical_models"].create_index(["family"])
    for column in ("target_source", "target_model", "evidence"):
        db["merge_reviews"].add_column(column, str)
    db["model_paper_map"].create(
        {"source": str, "model": str, "paper": str, "canonical_key": str, "reason": str},
        pk=("source", "model", "paper"),
        foreign_keys=[("canonical_key", "canonical_models", "key")],
    )
    db["model_paper_map"].create_index(["canonical_key"])


@migrations()
def m061_confirmations(db: Database) -> None:
    """Which rows confirm which (ingest/confirm.py): another source or another paper stating the
    same number for the same trained model, a baseline another paper quotes included."""
    db["confirmations"].create(
        {"result_id": int, "by_result_id": int, "how": str, "by_source": str, "by_paper": str},
        pk=("result_id", "by_result_id"),
        foreign_keys=[("result_id", "results", "id"), ("by_result_id", "results", "id")],
    )
    db["confirmations"].create_index(["by_result_id"])


@migrations()
def m030_daemon_jobs(db: Database) -> None:
    """What the running daemon will do next, per source: written by the daemon on every change
    (start, each run, a backoff, stop) so `sota status` and the source_health query show the
    scheduler's real next run and whether a failing source is backing off."""
    db["daemon_jobs"].create(
        {"source": str, "next_run": str, "period_seconds": float, "failures_in_a_row": int,
         "backoff_until": str, "updated_at": str},
        pk="source",
    )
    # Backoff counts a source's failed runs since its last ok one (db/sql/failure_streaks.sql).
    db["crawl_runs"].create_index(["source", "kind", "status"])


@migrations()
def m040_trust(db: Database) -> None:
    """Which run inserted each result and which paper version said it; what a conflict means.

    results.inserted_run: the run that first inserted the row (a later update keeps it), so
    the change log (the `changes` view) can date every insert without a write per change.
    results.paper_version / results_history.paper_version: the paper version (arXiv vN) whose
    text the number was read from, so history says which version said what. results_history
    also keeps where the replaced version was read (locator, archive_url). papers.has_code: the
    source says the paper has public code (PWC's `paper.code`). conflicts: the unit both values
    are in, where each was read (locator, paper version) and a sentence saying what differs.
    rule_metrics.implausible_margin: the margin by which a first result may beat its protocol's
    frontier before it is flagged `implausible` (rules/metrics.toml).
    """
    db["results"].add_column("inserted_run", int)
    db["results"].add_column("paper_version", int)
    db.execute("UPDATE results SET inserted_run = coalesce((SELECT h.crawl_run FROM results_history h "
               "WHERE h.result_id = results.id ORDER BY h.id LIMIT 1), crawl_run)")
    for column, kind in (("paper_version", int), ("locator", str), ("archive_url", str)):
        db["results_history"].add_column(column, kind)
    db["results_history"].create_index(["replaced_at"])
    db["flags"].create_index(["raised_at"])
    db["flags"].create_index(["cleared_at"])
    db["papers"].add_column("has_code", int)
    for column, kind in (("unit", str), ("locator_a", str), ("locator_b", str), ("version_a", int),
                         ("version_b", int), ("note", str)):
        db["conflicts"].add_column(column, kind)
    db["rule_metrics"].add_column("implausible_margin", float)


def ensure_db_shape(db: Database) -> list[str]:
    """Apply pending migrations and refresh the views; return the migrations applied."""
    from db.views import ensure_views

    pending = [m.name for m in migrations.pending(db)]
    if pending:
        migrations.apply(db)
    ensure_views(db)
    return pending
