"""SQL views and the parameterised queries built on them, from the files in db/sql/.

Views hold no data, so `ensure_views()` (re)creates them whenever their SQL
differs from the file: no migration needed to change a query. A query file's
`/*filter*/` marker takes fixed conditions chosen in code (never source data);
its named parameters are bound by the caller, or fixed to defaults in a view.
"""
from __future__ import annotations

import re
from importlib import resources

from sqlite_utils import Database

from db.connect import write_transaction

# view name -> (sql file, defaults for the file's parameters). Names never equal a canned
# query's (db/canned.py): Datasette would route the view's page to the query.
VIEWS = {
    "results_canonical": ("results_canonical.sql", {}),
    "progression_all": ("progression.sql", {"include_withdrawn": "0", "include_delisted": "0"}),
    "conflicts_all": ("conflicts_all.sql", {}),
    "conflicts_readable": ("conflicts.sql", {"dataset": "''"}),
    "changes_all": ("changes.sql", {}),
    "active_flags": ("active_flags.sql", {}),
    "failure_streaks": ("failure_streaks.sql", {}),
}
# Views of earlier versions, dropped when found: `leaderboard` and `progression` were listed
# under the canned queries' names (their pages opened the queries); every leaderboard at once
# takes longer than a page may (the Leaderboard query and `sota leaderboard` rank one at a time).
RETIRED_VIEWS = ("leaderboard", "progression")


def sql_file(name: str) -> str:
    """A file of db/sql/, read at each call: an edited query is used at once."""
    return resources.files("db").joinpath("sql", name).read_text("utf-8")


def query_sql(name: str, conditions: tuple[str, ...] = ()) -> str:
    """A query file with `/*filter*/` replaced by `AND`-joined fixed conditions."""
    extra = "".join(f" AND {c}" for c in conditions)
    return sql_file(name).replace("/*filter*/", extra)


def bind(sql: str, values: dict[str, str]) -> str:
    """Replace a query file's `:param` with an SQL expression (fixed in code, never data)."""
    for param, expr in values.items():
        sql = re.sub(rf":{param}\b", expr, sql)
    return sql


def strip_comments(sql: str) -> str:
    """The statement without its leading `--` comment block."""
    return re.sub(r"^\s*(--[^\n]*\n\s*)*", "", sql).strip()


def view_sql(view: str) -> str:
    filename, defaults = VIEWS[view]
    body = strip_comments(bind(query_sql(filename), defaults))
    return body if body.upper().startswith("CREATE VIEW") else f"CREATE VIEW {view} AS\n{body}"


def ensure_views(db: Database) -> list[str]:
    """Create or replace every view whose SQL changed; return the names written."""
    stored = dict(db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'view'").fetchall())
    changed = [v for v in VIEWS if stored.get(v) != view_sql(v)]
    retired = [v for v in RETIRED_VIEWS if v in stored]
    if changed or retired:
        with write_transaction(db):
            for view in retired + list(reversed(list(VIEWS))):  # dependants first
                if view in stored:
                    db.execute(f"DROP VIEW {view}")
            for view in VIEWS:
                db.execute(view_sql(view))
    return changed
