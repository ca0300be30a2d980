"""How cells read in the web pages (a Datasette `render_cell` plugin, registered by db/serve.py).

Only the HTML changes: JSON, CSV and the Atom feed keep the stored values.
- `result_id` / `result_a` / `result_b` in a canned query: the result's paper title, opening
  (one click, no script) onto the full title, the exact evidence and links to the paper, the
  source and the result's row;
- `params`, and a conflict's values when its field is params: millions ("2,440M");
- JSON lists (papers' authors, categories and links; sources; URLs): plain comma-separated
  text, links as links;
- long text (abstracts, evidence, errors): its start, opening onto the whole; long URLs: a
  link with a shortened label; timestamps: to the second.
"""
from __future__ import annotations

import json
import re

from markupsafe import Markup, escape

from db import formats
from db.views import sql_file, strip_comments

DATABASE = "sota"
RESULT_COLUMNS = {"result_id", "result_a", "result_b"}
CONFLICT_VALUES = {"value_a", "value_b", "difference"}
LONG_TEXT = 160       # characters past which a cell folds
SUMMARY = 48          # characters a folded cell shows
TITLE = 30            # characters of a paper title a result cell shows
URL = 60              # characters of a URL a link shows
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _link(url: str, label: str | None = None) -> Markup:
    return Markup('<a href="{}">{}</a>').format(url, label or _short(url, URL))


def folded(text: str) -> Markup:
    """Long text as its start, opening onto the whole."""
    return Markup('<details class="sota-fold"><summary>{}</summary><div>{}</div></details>').format(
        _short(text, SUMMARY), text)


def json_list(value: str) -> Markup | None:
    """A JSON array as readable text, or None when `value` is not one."""
    try:
        items = json.loads(value)
    except ValueError:
        return None
    if not isinstance(items, list):
        return None
    parts = []
    for item in items:
        if isinstance(item, dict) and item.get("href"):
            parts.append(_link(item["href"], item.get("title") or item.get("rel")))
        elif isinstance(item, str) and item.startswith(("http://", "https://")):
            parts.append(_link(item))
        elif isinstance(item, (str, int, float)):
            parts.append(escape(str(item)))
        else:
            return None
    # An empty list reads as an empty cell (Datasette shows a falsy rendering's raw value).
    return Markup(", ").join(parts) if parts else Markup("&nbsp;")


def result_card(card: dict, row_url: str) -> Markup:
    """A result's paper, evidence and source, folded behind its paper title."""
    label = _short(card["paper"], TITLE) if card.get("paper") else f"{card['source']} evidence"
    body = []
    if card.get("paper"):
        title = _link(card["paper_url"], card["paper"]) if card.get("paper_url") else escape(card["paper"])
        body.append(Markup("<p>{}{}</p>").format(title, f" ({card['published']})" if card.get("published") else ""))
    if card.get("evidence"):
        body.append(Markup("<blockquote>{}</blockquote>").format(card["evidence"]))
    body.append(Markup("<p>{} {}: {} · {}</p>").format(
        card["source"], card["kind"] or "", _link(card["source_url"]),
        _link(row_url, f"result {card['id']}")))
    return Markup('<details class="sota-card"><summary>{}</summary><div>{}</div></details>').format(
        label, Markup("").join(body))


def make_plugin_hook():
    """The `render_cell` hook implementation (a function to register under @hookimpl)."""
    card_sql = strip_comments(sql_file("result_card.sql"))

    def render_cell(row, value, column, table, database, datasette):
        if database != DATABASE or value in (None, ""):
            return None
        if column in RESULT_COLUMNS and table is None and isinstance(value, int):
            def read(conn):
                cursor = conn.execute(card_sql, {"id": value})
                found = cursor.fetchone()
                return dict(zip([c[0] for c in cursor.description], found)) if found else None

            async def card():
                # execute_fn: one plain read on Datasette's connection (no per-query time-limit
                # setup): a page has a card per row
                found = await datasette.get_database(DATABASE).execute_fn(read)
                return result_card(found, datasette.urls.row(DATABASE, "results", str(value))) if found else None
            return card()
        if column == "params" or (column in CONFLICT_VALUES and _get(row, "field") == "params"):
            return formats.params(value) if isinstance(value, (int, float)) else None
        if isinstance(value, str):
            listed = json_list(value) if value.startswith("[") and value.endswith("]") else None
            if listed is not None:
                return listed
            if TIMESTAMP.match(value):
                return formats.when(value)
            if value.startswith(("http://", "https://")) and " " not in value:
                return _link(value) if len(value) > URL else None
            if len(value) > LONG_TEXT:
                return folded(value)
        return None

    return render_cell


def _get(row, key):
    try:
        return row[key]
    except (IndexError, KeyError):
        return None
