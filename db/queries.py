"""Read queries the CLI and tests share (Datasette runs its own canned copies)."""
from __future__ import annotations

from sqlite_utils import Database

LEADERBOARD_KEYS = ("rank", "model", "value", "metric", "dataset", "setting", "extra_data",
                    "extra_data_corpus", "params", "paper_title", "paper_url", "published", "source",
                    "source_url", "evidence")


def lower_is_better(metric: str) -> bool:
    """Error-type metrics rank ascending; everything else descending."""
    return metric.endswith("_err") or metric in {"mce", "error"}


_LEADERBOARD_SQL = """
WITH best AS (
  SELECT r.*, p.title AS paper_title, p.url AS paper_url,
         row_number() OVER (PARTITION BY r.source, r.model ORDER BY r.value {order}, r.id) AS n
  FROM results r LEFT JOIN papers p ON p.id = r.paper_id
  WHERE r.dataset = :dataset AND r.metric = :metric
    AND (:setting IS NULL OR r.setting = :setting)
)
SELECT model, value, metric, dataset, setting, extra_data, extra_data_corpus, params,
       paper_title, paper_url, published, source, source_url, evidence, kind, resolution
FROM best WHERE n = 1
ORDER BY value {order}, model
LIMIT :top
"""


def leaderboard(db: Database, dataset: str, metric: str, top: int = 20,
                setting: str | None = None) -> list[dict]:
    """Best result per (source, model) for a dataset and metric, ranked."""
    order = "ASC" if lower_is_better(metric) else "DESC"
    rows = list(db.query(_LEADERBOARD_SQL.format(order=order),
                         {"dataset": dataset, "metric": metric, "setting": setting, "top": top}))
    out = []
    for rank, row in enumerate(rows, start=1):
        if row["extra_data"] is not None:
            row["extra_data"] = bool(row["extra_data"])
        out.append({"rank": rank, **row})
    return out


def table_names(db: Database) -> list[str]:
    return db.table_names() + db.view_names()
