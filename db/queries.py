"""Read queries the CLI and tests share, on the SQL in db/sql/ (Datasette shows the same views)."""
from __future__ import annotations

import json

from sqlite_utils import Database

from db.views import query_sql
from rules import settings

LEADERBOARD_KEYS = ("rank", "model", "value", "measured", "metric", "dataset", "setting",
                    "extra_data", "extra_data_corpus", "params", "published", "paper_title",
                    "paper_url", "arxiv_id", "sources", "source", "source_url", "evidence",
                    "locator", "archive_url", "crawl_run", "flags", "confirmed", "confirmations",
                    "confirming_papers", "protocol", "measured_model", "measured_resolution",
                    "measured_source_url", "measured_locator", "result_id")
PROGRESSION_KEYS = ("published", "model", "value", "metric", "dataset", "setting", "source",
                    "source_url", "evidence", "locator", "date_precision", "flags")
CHANGE_KEYS = ("at", "change", "flag", "key", "model", "dataset", "metric", "old_value",
               "new_value", "source", "run", "why", "source_url", "locator", "result_id")


def _protocol(setting: str | None) -> str | None:
    """--setting (a setting or a protocol) → protocol group; None = the protocol of unstated
    settings (supervised), "all" = every protocol. One mapping: rules/settings.toml."""
    if setting == settings.ALL:
        return None
    if setting in settings.protocols():
        return setting
    return settings.protocol_of(setting)


def leaderboard(db: Database, dataset: str, metric: str, top: int = 20, setting: str | None = None,
                as_of: str | None = None, dated_only: bool = False, extra_data: bool | None = None,
                include_flagged: bool = False, include_delisted: bool = False) -> list[dict]:
    """One row per canonical model and protocol, ranked (see db/sql/leaderboard.sql).

    extra_data: None = any, True / False = only results trained with / without extra data;
    include_flagged: let withdrawn and flagged-off results count (their flags are shown);
    include_delisted: let rows their source no longer lists count."""
    protocol = _protocol(setting)
    conditions = ["dataset = :dataset", "metric = :metric"] + (["protocol = :protocol"] if protocol else [])
    sql = f"SELECT * FROM ({query_sql('leaderboard.sql', tuple(conditions))}) ORDER BY score DESC, model LIMIT :top"
    rows = db.query(sql, {"dataset": dataset, "metric": metric, "protocol": protocol,
                          "as_of": as_of, "dated_only": int(dated_only), "top": top,
                          "extra_data": None if extra_data is None else int(extra_data),
                          "include_flagged": int(include_flagged), "include_delisted": int(include_delisted)})
    out = []
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank  # one ranking across protocols when --setting all
        row["sources"] = sorted(json.loads(row["sources"]))
        row["confirmed"] = bool(row["confirmed"])
        row["flags"] = json.loads(row["flags"] or "[]")
        if row["extra_data"] is not None:
            row["extra_data"] = bool(row["extra_data"])
        out.append({k: row.get(k) for k in LEADERBOARD_KEYS})
    return out


def progression(db: Database, dataset: str, metric: str, setting: str | None = None,
                include_withdrawn: bool = False, include_delisted: bool = False) -> list[dict]:
    """The record-breaking results in date order (see db/sql/progression.sql)."""
    protocol = _protocol(setting)
    conditions = ["dataset = :dataset", "metric = :metric"] + (["protocol = :protocol"] if protocol else [])
    rows = db.query(query_sql("progression.sql", tuple(conditions)),
                    {"dataset": dataset, "metric": metric, "protocol": protocol,
                     "include_withdrawn": int(include_withdrawn),
                     "include_delisted": int(include_delisted)})
    return [{**{k: r.get(k) for k in PROGRESSION_KEYS}, "flags": json.loads(r["flags"] or "[]")}
            for r in rows]


def changes(db: Database, since: str | None = None, source: str | None = None,
            limit: int | None = None) -> list[dict]:
    """The change log (db/sql/changes.sql), newest first: since a date (YYYY-MM-DD, UTC),
    of one source, at most `limit` rows."""
    conditions = [c for c, v in (("at >= :since", since), ("source = :source", source)) if v]
    sql = (f"SELECT {', '.join(CHANGE_KEYS)} FROM changes_all"
           + (f" WHERE {' AND '.join(conditions)}" if conditions else "")
           + " ORDER BY at DESC" + (" LIMIT :limit" if limit else ""))
    return list(db.query(sql, {"since": since, "source": source, "limit": limit}))


def conflicts(db: Database, field: str | None = None, dataset: str | None = None) -> list[dict]:
    """Conflicts in readable units with what differs (see db/sql/conflicts.sql); `field`:
    "value" or "params" (None = both); `dataset` (None = every dataset)."""
    sql = f"SELECT * FROM ({query_sql('conflicts.sql')}) WHERE :field IS NULL OR field = :field"
    return list(db.query(sql, {"dataset": dataset or "", "field": field}))


def table_names(db: Database) -> list[str]:
    return db.table_names() + db.view_names()
