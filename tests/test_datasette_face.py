"""Datasette as a visitor sees it, on a database built from the real replay data.

A real server (`python -m sota serve`) answers every check: canned queries, the Atom
feed of new SOTA (and an empty one), dashboards' SQL, CSV export, --no-sql, no writes.
"""
from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import served
from db.serve import SQL_TIME_LIMIT_MS, dashboards

ATOM = "{http://www.w3.org/2005/Atom}"
TIME_LIMIT_S = SQL_TIME_LIMIT_MS / 1000

# canned query -> (query string, columns a visitor relies on)
CANNED = {
    "leaderboard": ("dataset=imagenet-1k&metric=top1_acc",
                    {"rank", "model", "reported_value", "measured_value", "params", "extra_data",
                     "paper", "paper_url", "date", "sources", "source_url", "evidence"}),
    "progression": ("dataset=imagenet-1k&metric=top1_acc",
                    {"date", "model", "value", "source", "source_url", "evidence", "paper_url"}),
    "conflicts": ("", {"model", "source_a", "value_a", "source_b", "value_b", "difference",
                       "evidence_a", "evidence_b"}),
    "new_sota": ("", {"date", "model", "value", "dataset", "metric", "protocol", "atom_id",
                      "atom_title", "atom_updated", "atom_link", "atom_content_html"}),
    "recent_claims": ("", {"date", "model", "value", "paper", "paper_url", "evidence", "confidence"}),
    "source_health": ("", {"source", "status", "last_run", "last_success", "results", "inserted",
                           "error", "licence", "attribution"}),
}


def fetch(url: str, data: bytes | None = None) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=60) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


def get_json(url: str):
    status, body = fetch(url)
    assert status == 200, f"{url}: HTTP {status}: {body[:500]}"
    return json.loads(body)


@pytest.fixture(scope="module")
def replay_db(replay_crawl) -> Path:
    return replay_crawl.db


@pytest.fixture(scope="module")
def server(replay_server):
    return replay_server


@pytest.fixture(scope="module")
def no_sql_server(replay_db):
    with served(replay_db, "--no-sql") as base:
        yield base


def count(db: Path, sql: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchone()[0]


@pytest.mark.parametrize("name", list(CANNED))
def test_canned_query_runs_with_its_columns(server, name):
    qs, columns = CANNED[name]
    start = time.monotonic()
    body = get_json(f"{server}/sota/{name}.json?_shape=objects&{qs}")
    elapsed = time.monotonic() - start
    assert body.get("ok") is not False, body.get("error")
    assert body["rows"], f"{name} returned no rows"
    assert columns <= set(body["columns"]), columns - set(body["columns"])
    assert elapsed < TIME_LIMIT_S, f"{name} took {elapsed:.2f} s"


def test_every_canned_query_is_listed_with_title_and_description(server):
    queries = {q["name"]: q for q in get_json(f"{server}/sota.json")["queries"]}
    assert set(CANNED) <= set(queries)
    for name in CANNED:
        assert queries[name]["title"] and queries[name]["description"]


def test_empty_parameters_mean_defaults(server):
    """Datasette passes '' for a parameter left empty: every query still runs."""
    explicit = get_json(f"{server}/sota/leaderboard.json?_shape=objects&dataset=imagenet-1k"
                        "&metric=top1_acc&setting=supervised&top=100")["rows"]
    empty = get_json(f"{server}/sota/leaderboard.json?_shape=objects&dataset=&metric=&setting="
                     "&as_of=&top=")["rows"]
    assert [r["model"] for r in empty] == [r["model"] for r in explicit]
    assert get_json(f"{server}/sota/progression.json?_shape=objects&dataset=&metric=&setting=")["rows"]
    assert get_json(f"{server}/sota/recent_claims.json?_shape=objects&as_of=")["rows"]
    assert get_json(f"{server}/sota/conflicts.json?_shape=objects&dataset=")["rows"]


def test_leaderboard_parameters(server, replay_db):
    rows = get_json(f"{server}/sota/leaderboard.json?_shape=objects&dataset=imagenet-1k"
                    "&metric=top1_acc")["rows"]
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    assert {r["protocol"] for r in rows} == {"supervised"}
    coca = next(r for r in rows if r["model"] == "CoCa")
    assert coca["reported_value"] == 91.0 and "arxiv" in coca["sources"]
    assert coca["paper_url"].startswith("http")
    # the exact evidence text of the result shown, as stored
    with sqlite3.connect(replay_db) as conn:
        (stored,) = conn.execute("SELECT evidence FROM results WHERE id = ?", [coca["result_id"]]).fetchone()
    assert coca["evidence"] == stored and "91.0" in stored
    zero = get_json(f"{server}/sota/leaderboard.json?_shape=objects&setting=zero_shot")["rows"]
    assert zero and {r["protocol"] for r in zero} == {"zero_shot"}
    old = get_json(f"{server}/sota/leaderboard.json?_shape=objects&as_of=2020-01-01&top=1000")["rows"]
    assert old and all(r["date"] is None or r["date"] <= "2020-01-01" for r in old)
    assert "CoCa" not in {r["model"] for r in old}


def test_recent_claims_window(server):
    rows = get_json(f"{server}/sota/recent_claims.json?_shape=objects")["rows"]
    newest = max(r["date"] for r in rows)
    assert all(r["date"] > _days_before(newest, 7) for r in rows)
    coca = get_json(f"{server}/sota/recent_claims.json?_shape=objects&as_of=2022-05-06")["rows"]
    assert "CoCa" in {r["model"] for r in coca}
    assert all("2022-04-29" < r["date"] <= "2022-05-06" for r in coca)


def _days_before(day: str, n: int) -> str:
    from datetime import date, timedelta

    return (date.fromisoformat(day) - timedelta(days=n)).isoformat()


def test_source_health_shows_last_success(server):
    rows = {r["source"]: r for r in get_json(f"{server}/sota/source_health.json?_shape=objects")["rows"]}
    for source in ("timm", "pwc", "eff", "arxiv"):
        assert rows[source]["last_success"], source
        assert rows[source]["results"] > 0
    assert rows["codesota"]["status"] == "never run"
    assert rows["codesota"]["attribution"] == \
        "Data from the CodeSOTA registry (https://www.codesota.com), CC BY 4.0."


def test_atom_feed_of_new_sota(server):
    status, body = fetch(f"{server}/sota/new_sota.atom")
    assert status == 200
    feed = ET.fromstring(body.encode())
    assert feed.tag == f"{ATOM}feed" and feed.findtext(f"{ATOM}title") == "New state of the art"
    entries = feed.findall(f"{ATOM}entry")
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    assert any(t.startswith("CoCa: 91.0 top1_acc on imagenet-1k") for t in titles), titles
    assert any(t.startswith("Model soups (BASIC-L): 90.98 top1_acc on imagenet-1k") for t in titles)
    for entry in entries:
        assert entry.findtext(f"{ATOM}id") and entry.find(f"{ATOM}link").get("href").startswith("http")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT00:00:00\+00:00", entry.findtext(f"{ATOM}updated"))
    updated = [e.findtext(f"{ATOM}updated") for e in entries]
    assert updated == sorted(updated, reverse=True)   # newest first


def test_empty_atom_feed_answers_200(tmp_path):
    empty = tmp_path / "empty.db"
    subprocess.run([sys.executable, "-m", "sota", "init", "--db", str(empty)], check=True,
                   capture_output=True, timeout=60)
    with served(empty) as base:
        assert get_json(f"{base}/sota/new_sota.json?_shape=objects")["rows"] == []
        status, body = fetch(f"{base}/sota/new_sota.atom")
        assert status == 200, body[:500]
        feed = ET.fromstring(body.encode())
        assert feed.tag == f"{ATOM}feed" and feed.findall(f"{ATOM}entry") == []
        assert feed.findtext(f"{ATOM}id") and feed.findtext(f"{ATOM}updated")
        for name in CANNED:   # every canned query runs on an empty database
            assert fetch(f"{base}/sota/{name}.json")[0] == 200, name


def test_csv_stream_has_every_row(server, replay_db):
    status, body = fetch(f"{server}/sota/results.csv?_stream=on&_size=max")
    assert status == 200
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == count(replay_db, "SELECT count(*) FROM results") > 20000
    assert rows[0]["source_url"].startswith("http")


def test_json_export_and_facets(server):
    body = get_json(f"{server}/sota/results.json?_shape=objects&_size=10")
    assert set(body["facet_results"]) >= {"dataset", "metric", "setting", "source", "extra_data"}
    assert len(body["rows"]) == 10


def test_full_text_search_over_papers(server, replay_db):
    body = get_json(f"{server}/sota/papers.json?_shape=objects&_search=contrastive+captioners")
    assert any(r["arxiv_id"] == "2205.01917" for r in body["rows"])


def test_home_shows_what_and_licences(server):
    status, home = fetch(f"{server}/")
    assert status == 200
    for text in ("state-of-the-art", "Data from the CodeSOTA registry (https://www.codesota.com), CC BY 4.0.",
                 "CC-BY-SA-4.0", "Apache-2.0", "CC0-1.0", "/sota/source_health"):
        assert text in home, text
    meta = get_json(f"{server}/-/metadata.json")
    assert "CC-BY-SA-4.0" in meta["license"] and "Apache-2.0" in meta["license"]
    dbs = get_json(f"{server}/-/databases.json")
    assert [d["name"] for d in dbs if not d["is_memory"]] == ["sota"]


def test_urls_render_as_links(server):
    status, page = fetch(f"{server}/sota/leaderboard?dataset=imagenet-1k&metric=top1_acc")
    assert status == 200
    assert '<a href="https://paperswithcode.com/paper/coca-contrastive-captioners-are-image-text"' in page
    assert '<a href="https://web.archive.org/web/20231214000000id_/https://paperswithcode.com/sota/' in page


def test_dashboards_listed_and_their_sql_runs(server):
    from datasette_dashboards import replace_opts_in_query

    status, listing = fetch(f"{server}/-/dashboards")
    assert status == 200
    config = dashboards()
    assert {"imagenet-1k", "database"} <= set(config)
    for slug, dash in config.items():
        assert f'href="/-/dashboards/{slug}"' in listing
        assert fetch(f"{server}/-/dashboards/{slug}")[0] == 200
        for options in ({}, {k: (f.get("default") or f.get("options", [""])[0])
                             for k, f in dash.get("filters", {}).items()}):
            for name, chart in dash["charts"].items():
                if "query" not in chart:
                    continue
                sql = replace_opts_in_query(chart["query"], options)
                qs = urllib.parse.urlencode({"sql": sql, **options, "_shape": "objects"})
                start = time.monotonic()
                body = get_json(f"{server}/sota.json?{qs}")
                assert time.monotonic() - start < TIME_LIMIT_S, (slug, name)
                if not options:
                    assert body["rows"] and not body["truncated"], (slug, name)
    top1 = config["imagenet-1k"]["charts"]["top1"]
    rows = get_json(f"{server}/sota.json?" + urllib.parse.urlencode(
        {"sql": replace_opts_in_query(top1["query"], {"setting": "supervised"}),
         "setting": "supervised", "_shape": "objects"}))["rows"]
    records = sorted({r["record"] for r in rows})
    assert records[-1] == max(r["value"] for r in rows) and 91.0 in records


def test_no_sql_refuses_arbitrary_sql_but_runs_canned(no_sql_server):
    for url in ("/sota.json?sql=select+1", "/sota?sql=select+1"):
        assert fetch(no_sql_server + url)[0] in (400, 403), url
    for name, (qs, _) in CANNED.items():
        body = get_json(f"{no_sql_server}/sota/{name}.json?_shape=objects&{qs}")
        assert body["rows"], name
    assert fetch(f"{no_sql_server}/sota/new_sota.atom")[0] == 200


def test_no_write_plugins_and_writes_fail(server, replay_db):
    plugins = get_json(f"{server}/-/plugins.json")
    writers = [p["name"] for p in plugins if re.search(r"write|insert|upload|edit|delete", p["name"])]
    assert not writers
    before = count(replay_db, "SELECT count(*) FROM results")
    delete = urllib.parse.quote("DELETE FROM results")
    assert fetch(f"{server}/sota.json?sql={delete}")[0] >= 400
    attempts = [
        ("/sota", urllib.parse.urlencode({"sql": "DELETE FROM results"}).encode()),
        ("/sota/results/-/insert", json.dumps({"row": {"model": "x"}}).encode()),
        ("/sota/leaderboard", b"dataset=imagenet-1k"),
        ("/-/create", b"{}"),
    ]
    for path, data in attempts:
        status, _ = fetch(server + path, data=data)
        assert status >= 400, (path, status)
    assert count(replay_db, "SELECT count(*) FROM results") == before
