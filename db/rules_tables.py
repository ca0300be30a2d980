"""The rules the SQL views need (setting → protocol, metric direction), mirrored from the rule
files into tables the views join, so SQL and Python read one definition (rules/*.toml).
Refreshed at the start of every run; writes only what changed."""
from __future__ import annotations

from sqlite_utils import Database

from rules import metrics, settings


def sync_rules(db: Database) -> bool:
    """Mirror rules/settings.toml and rules/metrics.toml; True when a table changed.
    Call inside a write transaction."""
    protocols = [{"setting": s, "protocol": p} for s, p in settings.protocol_table()]
    metric_rows = metrics.metric_table()
    changed = False
    for table, rows, pk in (("rule_protocols", protocols, "setting"), ("rule_metrics", metric_rows, "metric")):
        stored = [dict(r) for r in db.query(f"SELECT * FROM {table} ORDER BY {pk}")]
        if stored != sorted(rows, key=lambda r: r[pk]):
            db.execute(f"DELETE FROM {table}")
            db[table].insert_all(rows)
            changed = True
    return changed
