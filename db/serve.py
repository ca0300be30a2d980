"""Serve the database with Datasette, read-only, under the name `sota`.

Run as `python -m db.serve DB_PATH --host H --port P`: Datasette opens a
mutable file with `mode=ro` for every query (never `immutable`, since the
daemon writes concurrently), and `add_database(name="sota")` fixes the URL
whatever the file is called.

What a visitor sees is assembled here from files that each have one home:
- db/metadata.json: titles, descriptions and facets; the home page and /sota add the
  overview of where to start, and the home page the sources' licences and attribution
  (the `sources` table, mirrored from crawler/sources.toml);
- db/canned.py: the canned queries (pages) over the SQL files in db/sql/;
- db/cells.py: how cells read (a render_cell plugin registered here);
- db/templates/, db/static/: a canned query's tab title, and a few styles (/assets/sota.css);
- db/dashboards.yml: the datasette-dashboards charts (Vega-Lite specs over SQL), each
  source in the same colour in every chart;
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
CELLS_PLUGIN = "sota_cells"
ASSETS = "assets"          # /assets/sota.css: db/static
HERE = Path(__file__).resolve().parent
ATOM_TYPE = "application/atom+xml; charset=utf-8"


def _read(db_path: Path, sql: str) -> list[dict]:
    from db.connect import open_db

    db = open_db(db_path, readonly=True)
    try:
        return list(db.query(sql))
    finally:
        db.close()


def sources_html(registry: list[dict]) -> str:
    """The home page's table of sources with licence and attribution, from the `sources`
    table (mirrored from crawler/sources.toml at every run)."""

    def cell(text: str) -> str:
        return f"<td>{html.escape(text or '')}</td>"

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
            "<a href=\"/sota/source_health\">source health</a>.</p>")


def overview_html() -> str:
    """Where to start: the pages that answer the usual questions (home page and /sota)."""
    from db.canned import leaderboard_links

    return (
        "<ul class=\"sota-start\">"
        "<li><strong>Best result today</strong>: the <a href=\"/sota/leaderboard\">leaderboard</a>"
        f" — {leaderboard_links()}.</li>"
        "<li><strong>How we got here</strong>: <a href=\"/sota/progression\">progression of the "
        "record</a>, <a href=\"/sota/new_sota\">new state of the art</a> (<a "
        "href=\"/sota/new_sota.atom\">Atom feed</a>), <a href=\"/-/dashboards/imagenet-1k\">"
        "ImageNet-1K charts</a>.</li>"
        "<li><strong>How sure</strong>: <a href=\"/sota/conflicts\">conflicts between sources</a>, "
        "<a href=\"/sota/changes\">what changed, when and why</a> (<a href=\"/sota/changes.atom\">"
        "Atom feed</a>), <a href=\"/sota/active_flags\">flags in force</a>, "
        "<a href=\"/sota/recent_claims\">recent arXiv claims</a>, <a "
        "href=\"/sota/source_health\">source health</a>.</li>"
        "<li><strong>Everything</strong>: <a href=\"/sota/results\">every result</a>, <a "
        "href=\"/sota/papers\">papers</a> (full-text search), <a href=\"/-/dashboards\">"
        "dashboards</a>, <a href=\"/sota\">every table and view</a>.</li></ul>")


def dashboards(sources: list[str] | None = None) -> dict:
    """db/dashboards.yml; with `sources` (registry order), every chart coloured by source
    gives each source the same colour."""
    import yaml

    config = yaml.safe_load(resources.files("db").joinpath("dashboards.yml").read_text("utf-8"))
    if sources:
        for dash in config.values():
            for chart in dash.get("charts", {}).values():
                for encoding in _encodings(chart.get("display") or {}):
                    color = encoding.get("color")
                    if isinstance(color, dict) and color.get("field") == "source":
                        color["scale"] = {**color.get("scale", {}), "domain": sources}
    return config


def _encodings(spec: dict):
    """Every `encoding` of a Vega-Lite spec and its layers."""
    if isinstance(spec.get("encoding"), dict):
        yield spec["encoding"]
    for layer in spec.get("layer") or []:
        yield from _encodings(layer)


def metadata(db_path: Path) -> dict:
    from db.canned import canned_queries

    meta = json.loads(resources.files("db").joinpath("metadata.json").read_text("utf-8"))
    registry = _read(db_path, "SELECT * FROM sources ORDER BY rowid")
    meta["description_html"] = meta.get("description_html", "") + overview_html() + sources_html(registry)
    sota = meta["databases"]["sota"]
    sota["description_html"] = sota.get("description_html", "") + overview_html()
    sota["queries"] = canned_queries()
    # Datasette routes /sota/NAME to the canned query NAME: a table or view of that name would
    # be listed with a link that opens the query. List it only under its own name (views such
    # as conflicts_all give a shadowed table's rows another one).
    names = {r["name"] for r in _read(db_path, "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
    for name in names & set(sota["queries"]):
        sota["tables"].setdefault(name, {})["hidden"] = True
    meta.setdefault("plugins", {})["datasette-dashboards"] = dashboards([r["name"] for r in registry])
    meta["extra_css_urls"] = [f"/{ASSETS}/sota.css"]
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

    if pm.get_plugin(CELLS_PLUGIN) is None:
        from db.cells import make_plugin_hook

        cells = types.ModuleType(CELLS_PLUGIN)
        cells.render_cell = hookimpl(make_plugin_hook())
        pm.register(cells, name=CELLS_PLUGIN)
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
        template_dir=str(HERE / "templates"),
        static_mounts=[(ASSETS, str(HERE / "static"))],
        settings={"sql_time_limit_ms": SQL_TIME_LIMIT_MS, "allow_download": False,
                  "max_returned_rows": MAX_RETURNED_ROWS},
    )
    ds.add_database(Database(ds, path=str(db_path), is_mutable=True), name="sota")
    if "_memory" in ds.databases:   # added by Datasette when built with no files: only `sota`
        ds.remove_database("_memory")
    return ds


def main(argv: list[str] | None = None) -> int:
    import logging

    import uvicorn

    from db.logs import DATE_FORMAT, LOG_FORMAT, DroppedClientFilter

    parser = argparse.ArgumentParser(prog="python -m db.serve")
    parser.add_argument("db", type=Path)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--no-sql", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format=LOG_FORMAT, datefmt=DATE_FORMAT)
    logging.getLogger("asyncio").addFilter(DroppedClientFilter())
    ds = build_app(args.db, allow_sql=not args.no_sql)
    # As `datasette serve` does: plugins' startup hooks run before the first request.
    asyncio.new_event_loop().run_until_complete(ds.invoke_startup())
    # log_config=None: uvicorn's own lines go through the format above.
    uvicorn.run(ds.app(), host=args.host, port=args.port, log_level="warning", log_config=None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
