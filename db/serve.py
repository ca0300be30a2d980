"""Serve the database with Datasette, read-only, under the name `sota`.

Run as `python -m db.serve DB_PATH --host H --port P`: Datasette opens a
mutable file with `mode=ro` for every query (never `immutable`, since the
daemon writes concurrently), and `add_database(name="sota")` fixes the URL
whatever the file is called.

What a visitor sees is assembled here from files that each have one home:
- db/metadata.json: titles, descriptions and facets; the home page's list of sources,
  licences and attribution is added from crawler/sources.toml;
- canned queries: the SQL files in db/sql/ (the same ones the CLI and the views use),
  with Datasette's '' for a missing parameter read as "default" or "no filter";
- db/dashboards.yml: the datasette-dashboards charts (Vega-Lite specs over SQL);
- Atom feeds (datasette-atom), served as application/atom+xml, an empty one with 200: new
  records (/sota/new_sota.atom) and the change log (/sota/changes.atom), both canned queries.
"""
from __future__ import annotations

import argparse
import asyncio
import html
import json
import types
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path

SQL_TIME_LIMIT_MS = 3000
MAX_RETURNED_ROWS = 5000   # a chart of every dated ImageNet-1K result needs > 1000 rows
PLUGIN_NAME = "sota_atom_empty_feed"
ATOM_TYPE = "application/atom+xml; charset=utf-8"

# Canned-query conditions: Datasette passes '' for a parameter left empty, so each one
# falls back to the CLI's default (ImageNet-1K, top-1 accuracy, supervised protocol).
DATASET = "dataset = coalesce(nullif(:dataset, ''), 'imagenet-1k')"
METRIC = "metric = coalesce(nullif(:metric, ''), 'top1_acc')"
# A setting names its protocol through rule_protocols (rules/settings.toml); '' is the
# unstated setting's protocol; a protocol's own name, or 'all', also works.
SETTING = ("(nullif(:setting, '') = 'all' OR protocol = coalesce("
           "(SELECT protocol FROM rule_protocols WHERE setting = coalesce(nullif(:setting, ''), '')), "
           ":setting))")


def setting_help() -> str:
    from rules import settings

    return (f"setting: a setting or protocol — empty for {settings.protocol_of(None)} "
            f"(fine-tuned, from scratch or unstated), {', '.join(p for p in settings.protocols()[1:])}, "
            "or all")


def canned_queries() -> dict[str, dict]:
    from db.views import bind, query_sql, sql_file, strip_comments

    leaderboard = bind(strip_comments(query_sql("leaderboard.sql", (DATASET, METRIC, SETTING))),
                        {"as_of": "nullif(:as_of, '')", "dated_only": "0"})
    progression = bind(strip_comments(query_sql("progression.sql", (DATASET, METRIC, SETTING))),
                        {"include_withdrawn": "0"})
    return {
        "leaderboard": {
            "title": "Leaderboard",
            "description": (
                "One row per canonical model, ranked: the best-attested reported value (curated "
                "leaderboards first, then model cards, then abstract claims) beside the best "
                "independent measurement (timm), with the paper, every source that has it, the "
                "exact evidence text, where in the source it is (locator) and its flags. Parameters: dataset (default imagenet-1k), metric (default "
                f"top1_acc), {setting_help()}; as_of (YYYY-MM-DD: only results published by then; "
                "undated ones stay in); top (rows, default 100). From db/sql/leaderboard.sql."),
            "params": ["dataset", "metric", "setting", "as_of", "top"],
            "hide_sql": True,
            "sql": (
                "SELECT row_number() OVER (ORDER BY score DESC, model) AS rank,\n"
                "       model, value AS reported_value, measured AS measured_value, params,\n"
                "       CASE extra_data WHEN 1 THEN 'yes' WHEN 0 THEN 'no' END AS extra_data,\n"
                "       extra_data_corpus, paper_title AS paper, paper_url, published AS date,\n"
                "       (SELECT group_concat(value, ', ') FROM json_each(sources)) AS sources,\n"
                "       source_url, evidence, locator,\n"
                "       (SELECT group_concat(value, ', ') FROM json_each(flags)) AS flags,\n"
                "       CASE WHEN confirmed THEN 'yes' ELSE 'no' END AS confirmed,\n"
                "       setting, protocol, dataset, metric, measured_model, measured_source_url,\n"
                "       measured_evidence, result_id\n"
                f"FROM (\n{leaderboard}\n)\n"
                "ORDER BY score DESC, model\n"
                "LIMIT CAST(coalesce(nullif(:top, ''), '100') AS INTEGER)"),
        },
        "progression": {
            "title": "Progression of the record",
            "description": (
                "Record-breaking results in date order: each beats every earlier dated result of "
                "its dataset, metric and protocol, from all sources (undated results cannot break a "
                "record; withdrawn ones are left out). Parameters: dataset (default imagenet-1k), "
                f"metric (default top1_acc), {setting_help()}. From db/sql/progression.sql."),
            "params": ["dataset", "metric", "setting"],
            "hide_sql": True,
            "sql": (
                "SELECT published AS date, model, value, metric, dataset, protocol, setting, source,\n"
                "       paper_title AS paper, paper_url, source_url, evidence, locator, date_precision,\n"
                "       (SELECT group_concat(value, ', ') FROM json_each(flags)) AS flags, result_id\n"
                f"FROM (\n{progression}\n)\n"
                "ORDER BY dataset, metric, protocol, published"),
        },
        "new_sota": {
            "title": "New state of the art",
            "description": (
                "Every result that beat the previous best for its dataset, metric and protocol, "
                "newest first; also an Atom feed (/sota/new_sota.atom). From db/sql/new_sota.sql."),
            "hide_sql": True,
            "sql": strip_comments(sql_file("new_sota.sql")),
        },
        "recent_claims": {
            "title": "Recent arXiv claims",
            "description": (
                "Accuracy claims extracted from arXiv abstracts in the 7 days up to as_of "
                "(YYYY-MM-DD; empty = the newest claim's date), with the exact evidence text and "
                "the extraction's confidence. From db/sql/recent_claims.sql."),
            "params": ["as_of"],
            "sql": strip_comments(sql_file("recent_claims.sql")),
        },
        "source_health": {
            "title": "Source health",
            "description": (
                "Per source: the newest crawl run (status, counts, error), when a run last "
                "succeeded, how many results it holds, and its licence and attribution. "
                "From db/sql/source_health.sql."),
            "sql": strip_comments(sql_file("source_health.sql")),
        },
        "changes": {
            "title": "Changes",
            "description": (
                "The change log, newest first: every insert, update, flag raised (unconfirmed, "
                "implausible, superseded, withdrawn, delisted) and cleared, with when (UTC), which "
                "run and why; derived from results, their history and flags (the `changes` view, "
                "db/sql/changes.sql). Also an Atom feed: /sota/changes.atom. Parameters: since "
                "(YYYY-MM-DD), source, limit (default 200)."),
            "params": ["since", "source", "limit"],
            "hide_sql": True,
            "sql": (
                "SELECT at, change, flag, model, dataset, metric, old_value, new_value, source, run,\n"
                "       why, source_url, locator, result_id, key, atom_id, atom_updated, atom_title,\n"
                "       atom_link, atom_content_html\n"
                "FROM changes\n"
                "WHERE (coalesce(:since, '') = '' OR at >= :since)\n"
                "  AND (coalesce(:source, '') = '' OR source = :source)\n"
                "ORDER BY at DESC\n"
                "LIMIT CAST(coalesce(nullif(:limit, ''), '200') AS INTEGER)"),
        },
        "conflicts": {
            "title": "Conflicts between sources",
            "description": (
                "Where two sources give different numbers for the same canonical model — one "
                "paper's value, or a parameter count — beyond the precision they print: readable "
                "units, a sentence saying what differs and which paper version said what, both "
                "evidence texts. Parameter: dataset (empty = all). From db/sql/conflicts.sql."),
            "params": ["dataset"],
            "sql": strip_comments(sql_file("conflicts.sql")),
        },
    }


def sources_html(db_path: Path) -> str:
    """The home page's table of sources with licence and attribution, from the `sources`
    table (mirrored from crawler/sources.toml at every run)."""
    from db.connect import open_db

    def cell(text: str) -> str:
        return f"<td>{html.escape(text or '')}</td>"

    db = open_db(db_path, readonly=True)
    try:
        registry = list(db.query("SELECT * FROM sources ORDER BY rowid"))
    finally:
        db.close()
    rows = []
    for conf in registry:
        url = conf.get("url") or ""
        link = f'<br><a href="{html.escape(url)}">{html.escape(url)}</a>' if url else ""
        scheduled = "yes" if conf.get("default_enabled") else "no (run on request)"
        rows.append(f"<tr><td><strong>{html.escape(conf['name'])}</strong>{link}</td>"
                    + cell(conf.get("description")) + cell(conf.get("licence"))
                    + cell(conf.get("attribution")) + cell(scheduled) + "</tr>")
    return ("<h2>Sources, licences and attribution</h2>"
            "<table><thead><tr><th>source</th><th>what</th><th>licence</th><th>attribution</th>"
            "<th>crawled by default</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
            "<p>When each source last ran and last succeeded, with its counts and error: "
            "<a href=\"/sota/source_health\">source health</a>.</p>"
            "<p>Canned queries: <a href=\"/sota/leaderboard\">leaderboard</a>, "
            "<a href=\"/sota/progression\">progression</a>, <a href=\"/sota/new_sota\">new SOTA</a> "
            "(<a href=\"/sota/new_sota.atom\">Atom feed</a>), <a href=\"/sota/recent_claims\">recent "
            "arXiv claims</a>, <a href=\"/sota/conflicts\">conflicts</a>. What changed, when, in "
            "which run and why: <a href=\"/sota/changes\">the change log</a> "
            "(<a href=\"/sota/changes.atom\">Atom feed</a>); flags in force: "
            "<a href=\"/sota/active_flags\">active flags</a>. Charts: "
            "<a href=\"/-/dashboards\">dashboards</a>. Full-text search of paper titles and "
            "abstracts: <a href=\"/sota/papers\">papers</a>.</p>")


def dashboards() -> dict:
    import yaml

    return yaml.safe_load(resources.files("db").joinpath("dashboards.yml").read_text("utf-8"))


def metadata(db_path: Path) -> dict:
    meta = json.loads(resources.files("db").joinpath("metadata.json").read_text("utf-8"))
    meta["description_html"] = meta.get("description_html", "") + sources_html(db_path)
    meta["databases"]["sota"]["queries"] = canned_queries()
    meta.setdefault("plugins", {})["datasette-dashboards"] = dashboards()
    return meta


# --- the Atom feed of an empty result -------------------------------------------------
# datasette-atom takes max() of no dates and answers 500; this renderer registers after it
# (trylast) for the same extension, answers an empty result with a valid empty feed, and
# hands every other result to datasette-atom unchanged.

def _empty_feed(datasette, request, database, query_name):
    from feedgen.feed import FeedGenerator

    from datasette import __version__

    title = query_name or "sota"
    if query_name:
        try:
            title = datasette.metadata(database=database)["queries"][query_name]["title"]
        except (KeyError, TypeError):
            pass
    fg = FeedGenerator()
    fg.generator(generator="Datasette", version=__version__, uri="https://github.com/simonw/datasette")
    fg.id(request.url)
    fg.link(href=request.url, rel="self")
    fg.title(title)
    fg.updated(datetime.now(timezone.utc).replace(microsecond=0))
    return fg.atom_str(pretty=True)


def _render_atom(datasette, request, sql, columns, rows, database, table, query_name,
                 view_name, data):
    import datasette_atom
    from datasette.utils.asgi import Response

    if not rows and datasette_atom.can_render_atom(columns):
        return Response(_empty_feed(datasette, request, database, query_name),
                        content_type=ATOM_TYPE, status=200)
    response = datasette_atom.render_atom(datasette, request, sql, columns, rows, database, table,
                                          query_name, view_name, data)
    if response.status == 200:   # a feed, labelled as feed readers expect
        response.content_type = ATOM_TYPE
    return response


def _register_plugins() -> None:
    from datasette import hookimpl
    from datasette.plugins import pm

    if pm.get_plugin(PLUGIN_NAME) is not None:
        return
    try:
        from datasette_atom import can_render_atom
    except ImportError:
        return
    plugin = types.ModuleType(PLUGIN_NAME)

    @hookimpl(trylast=True)
    def register_output_renderer(datasette):
        return {"extension": "atom", "render": _render_atom, "can_render": can_render_atom}

    plugin.register_output_renderer = register_output_renderer
    pm.register(plugin, name=PLUGIN_NAME)


def build_app(db_path: Path, allow_sql: bool = True):
    from datasette.app import Datasette
    from datasette.database import Database

    _register_plugins()
    meta = metadata(db_path)
    if not allow_sql:
        meta["allow_sql"] = False
    ds = Datasette(
        metadata=meta,
        settings={"sql_time_limit_ms": SQL_TIME_LIMIT_MS, "allow_download": False,
                  "max_returned_rows": MAX_RETURNED_ROWS},
    )
    ds.add_database(Database(ds, path=str(db_path), is_mutable=True), name="sota")
    if "_memory" in ds.databases:   # added by Datasette when built with no files: only `sota`
        ds.remove_database("_memory")
    return ds


def main(argv: list[str] | None = None) -> int:
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m db.serve")
    parser.add_argument("db", type=Path)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--no-sql", action="store_true")
    args = parser.parse_args(argv)
    ds = build_app(args.db, allow_sql=not args.no_sql)
    # As `datasette serve` does: plugins' startup hooks run before the first request.
    asyncio.new_event_loop().run_until_complete(ds.invoke_startup())
    uvicorn.run(ds.app(), host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
