"""The canned queries Datasette serves: what each web page shows, over the SQL in db/sql/.

Each page wraps one query file (the same file the CLI and the views use) in a SELECT that
chooses the columns a reader needs on one screen; the full rows stay in the views, the
tables and `sota ... --format json`. Conventions the cell renderer (db/cells.py) reads:
- a column named `result_id` (or `result_a`, `result_b`) shows its result's paper, evidence
  and source behind one click, so titles and evidence never make rows tall;
- a column named `params` reads in millions ("2,440M");
- columns whose names start with `atom_` feed the Atom renderer and are hidden on the page.
Adding a page (the change log, say) = one entry in `canned_queries()` choosing its columns,
with the row's id as `result_id`.

Datasette passes '' for a parameter left empty, so every parameter has a default for ''.
"""
from __future__ import annotations

from db.views import bind, query_sql, sql_file, strip_comments

# Canned-query conditions: '' falls back to the CLI's default (ImageNet-1K, top-1 accuracy,
# supervised protocol).
DATASET = "dataset = coalesce(nullif(:dataset, ''), 'imagenet-1k')"
METRIC = "metric = coalesce(nullif(:metric, ''), 'top1_acc')"
# A setting names its protocol through rule_protocols (rules/settings.toml); '' is the
# unstated setting's protocol; a protocol's own name, or 'all', also works.
SETTING = ("(nullif(:setting, '') = 'all' OR protocol = coalesce("
           "(SELECT protocol FROM rule_protocols WHERE setting = coalesce(nullif(:setting, ''), '')), "
           ":setting))")
YES = "('1', 'yes', 'true', 'on')"
NO = "('0', 'no', 'false', 'off')"
# extra_data: '' = any; yes / no; anything else matches nothing (never silently "any").
EXTRA_DATA = (f"CASE WHEN nullif(trim(:extra_data), '') IS NULL THEN NULL "
              f"WHEN lower(trim(:extra_data)) IN {YES} THEN 1 "
              f"WHEN lower(trim(:extra_data)) IN {NO} THEN 0 ELSE -1 END")
INCLUDE_FLAGGED = f"(lower(trim(coalesce(:include_flagged, ''))) IN {YES})"


def setting_help() -> str:
    from rules import settings

    return (f"<code>setting</code>: empty = {settings.protocol_of(None)} (fine-tuned, from scratch "
            f"or unstated), or {', '.join(settings.protocols()[1:])}, a setting such as "
            "<code>finetuned</code>, or <code>all</code>")


def leaderboard_links() -> str:
    """Links to the leaderboard's most asked-for variants (home page, /sota, the query)."""
    variants = [
        ("ImageNet-1K top-1", ""),
        ("without extra data", "extra_data=no"),
        ("with extra data", "extra_data=yes"),
        ("zero-shot", "setting=zero_shot"),
        ("linear probe", "setting=linear_probe"),
        ("top-5 accuracy", "metric=top5_acc"),
        ("ImageNet-ReaL", "dataset=imagenet-real"),
        ("ImageNet-V2", "dataset=imagenet-v2"),
        ("as of 2021-01-01", "as_of=2021-01-01"),
        ("flagged rows too", "include_flagged=yes"),
    ]
    return ", ".join(f'<a href="/sota/leaderboard{"?" + qs if qs else ""}">{label}</a>'
                     for label, qs in variants)


def canned_queries() -> dict[str, dict]:
    leaderboard = bind(strip_comments(query_sql("leaderboard.sql", (DATASET, METRIC, SETTING))),
                       {"as_of": "nullif(:as_of, '')", "dated_only": "0",
                        "extra_data": f"({EXTRA_DATA})", "include_flagged": INCLUDE_FLAGGED,
                        "include_delisted": "0"})
    progression = bind(strip_comments(query_sql("progression.sql", (DATASET, METRIC, SETTING))),
                       {"include_withdrawn": "0", "include_delisted": "0"})
    return {
        "leaderboard": {
            "title": "Leaderboard",
            "description_html": (
                "<p>Best reported value per model (curated leaderboards first, then model cards, "
                "then abstract claims), timm's own measurement beside it; <em>setting</em> is the "
                "protocol when the source states none; <em>result_id</em> opens the paper and the "
                "exact evidence. Filters: <code>dataset</code> (imagenet-1k), "
                f"<code>metric</code> (top1_acc), {setting_help()}; <code>extra_data</code> yes/no; "
                "<code>as_of</code> YYYY-MM-DD (undated results stay in); <code>include_flagged</code> "
                f"yes; <code>top</code> (100). Try: {leaderboard_links()}.</p>"),
            "params": ["dataset", "metric", "setting", "extra_data", "as_of", "include_flagged", "top"],
            "hide_sql": True,
            "sql": (
                "SELECT row_number() OVER (ORDER BY score DESC, model) AS rank,\n"
                "       model, value AS reported, measured, coalesce(setting, protocol) AS setting,\n"
                "       CASE extra_data WHEN 1 THEN coalesce(extra_data_corpus, 'yes') "
                "WHEN 0 THEN 'no' END AS extra_data,\n"
                "       params, published AS date,\n"
                "       (SELECT group_concat(value, ', ') FROM json_each(sources)) AS sources,\n"
                "       CASE WHEN confirmed THEN confirmations END AS confirmed,\n"
                "       (SELECT group_concat(value, ', ') FROM json_each(flags)) AS flags, result_id\n"
                f"FROM (\n{leaderboard}\n)\n"
                "ORDER BY score DESC, model\n"
                "LIMIT CAST(coalesce(nullif(:top, ''), '100') AS INTEGER)"),
        },
        "progression": {
            "title": "Progression of the record",
            "description_html": (
                "<p>Record-breaking results in date order: each beats every earlier dated result "
                "of its dataset, metric and protocol, from all sources (undated results cannot "
                "break a record; withdrawn ones are left out); <em>result_id</em> opens the paper "
                "and evidence. Filters: <code>dataset</code> (imagenet-1k), <code>metric</code> "
                f"(top1_acc), {setting_help()}.</p>"),
            "params": ["dataset", "metric", "setting"],
            "hide_sql": True,
            "sql": (
                "SELECT published AS date, model, value, protocol, setting, source,\n"
                "       (SELECT group_concat(value, ', ') FROM json_each(flags)) AS flags, result_id\n"
                f"FROM (\n{progression}\n)\n"
                "ORDER BY dataset, metric, protocol, published"),
        },
        "new_sota": {
            "title": "New state of the art",
            "description_html": (
                "<p>Every result that beat the previous best for its dataset, metric and "
                "protocol, newest first; also an <a href=\"/sota/new_sota.atom\">Atom feed</a>.</p>"),
            "hide_sql": True,
            "sql": ("SELECT date, model, value, metric, dataset, protocol, source,\n"
                    "       (SELECT group_concat(value, ', ') FROM json_each(flags)) AS flags, result_id,\n"
                    "       atom_id, atom_title, atom_updated, atom_link, atom_content_html\n"
                    f"FROM (\n{strip_comments(sql_file('new_sota.sql'))}\n)\n"
                    "ORDER BY date DESC, dataset, metric, protocol, value DESC"),
        },
        "recent_claims": {
            "title": "Recent arXiv claims",
            "description_html": (
                "<p>Accuracy claims extracted from arXiv abstracts in the 7 days up to "
                "<code>as_of</code> (YYYY-MM-DD; empty = the newest claim's date), with the "
                "extraction's confidence; <em>result_id</em> opens the paper and evidence.</p>"),
            "params": ["as_of"],
            "hide_sql": True,
            "sql": ("SELECT date, model, value, metric, dataset, setting,\n"
                    "       CASE extra_data WHEN 1 THEN 'yes' WHEN 0 THEN 'no' END AS extra_data,\n"
                    "       confidence, arxiv_id, flags, result_id\n"
                    f"FROM (\n{strip_comments(sql_file('recent_claims.sql'))}\n)\n"
                    "ORDER BY date DESC, arxiv_id, confidence DESC, result_id"),
        },
        "source_health": {
            "title": "Source health",
            "description_html": (
                "<p>Per source: the newest crawl run (status, counts, error), when a run last "
                "succeeded (times in UTC), how many results it holds, and its licence; attribution "
                "on the <a href=\"/\">home page</a>.</p>"),
            "hide_sql": True,
            "sql": ("SELECT source, status, last_run, last_success, results, inserted, updated,\n"
                    "       rejected, runs, error, licence\n"
                    f"FROM (\n{strip_comments(sql_file('source_health.sql'))}\n)\n"
                    "ORDER BY scheduled DESC, source"),
        },
        "conflicts": {
            "title": "Conflicts between sources",
            "description_html": (
                "<p>Where two sources give different values for the same canonical model, "
                "dataset, metric and protocol, the largest gaps first; <em>result_a</em> and "
                "<em>result_b</em> open each side's evidence. Filter: <code>dataset</code> (empty = "
                "all). Every conflict, with facets: <a href=\"/sota/conflicts_all\">conflicts_all</a>."
                "</p>"),
            "params": ["dataset"],
            "hide_sql": True,
            "sql": ("SELECT model, field, source_a, value_a, source_b, value_b, difference, note,\n"
                    "       result_a, result_b\n"
                    f"FROM (\n{strip_comments(sql_file('conflicts.sql'))}\n)\n"
                    "ORDER BY field = 'value' DESC,\n"
                    "         abs(value_a - value_b) / max(abs(value_a), abs(value_b), 1e-9) DESC, model, id"),
        },
        "changes": {
            "title": "Changes",
            "description_html": (
                "<p>The change log, newest first: every insert, update, flag raised (unconfirmed, "
                "implausible, superseded, withdrawn, delisted) and cleared, with when (UTC), which "
                "run and why; derived from results, their history and flags (the "
                "<a href=\"/sota/changes_all\">changes_all</a> view). Also an "
                "<a href=\"/sota/changes.atom\">Atom feed</a>. Filters: <code>since</code> "
                "YYYY-MM-DD, <code>source</code>, <code>limit</code> (200).</p>"),
            "params": ["since", "source", "limit"],
            "hide_sql": True,
            "sql": (
                "SELECT at, change, flag, model, old_value, new_value, source, run, why, result_id,\n"
                "       atom_id, atom_updated, atom_title,\n"
                "       atom_link, atom_content_html\n"
                "FROM changes_all\n"
                "WHERE (coalesce(:since, '') = '' OR at >= :since)\n"
                "  AND (coalesce(:source, '') = '' OR source = :source)\n"
                "ORDER BY at DESC\n"
                "LIMIT CAST(coalesce(nullif(:limit, ''), '200') AS INTEGER)"),
        },
    }
