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
                    {"rank", "model", "reported", "measured", "setting", "extra_data", "params",
                     "date", "sources", "confirmed", "flags", "result_id"}),
    "progression": ("dataset=imagenet-1k&metric=top1_acc",
                    {"date", "model", "value", "protocol", "setting", "source", "result_id"}),
    "conflicts": ("", {"model", "source_a", "value_a", "source_b", "value_b", "difference",
                       "result_a", "result_b"}),
    "new_sota": ("", {"date", "model", "value", "dataset", "metric", "protocol", "result_id",
                      "atom_id", "atom_title", "atom_updated", "atom_link", "atom_content_html"}),
    "recent_claims": ("", {"date", "model", "value", "metric", "confidence", "arxiv_id", "result_id"}),
    "source_health": ("", {"source", "status", "last_run", "last_success", "results", "inserted",
                           "error", "licence"}),
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
        assert queries[name]["title"] and queries[name]["description_html"]
        assert queries[name]["hide_sql"] is True     # every page opens the same way: SQL collapsed


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
    from rules import settings

    assert {settings.protocol_of(r["setting"]) if r["setting"] in settings.names() else r["setting"]
            for r in rows} == {"supervised"}
    assert len({r["model"] for r in rows}) == len(rows)
    coca = next(r for r in rows if r["model"] == "CoCa")
    assert coca["reported"] == 91.0 and "arxiv" in coca["sources"] and coca["setting"] == "finetuned"
    assert coca["extra_data"] == "ALIGN" and coca["params"] == 2_100_000_000
    zero = get_json(f"{server}/sota/leaderboard.json?_shape=objects&setting=zero_shot")["rows"]
    from db.connect import open_db
    from db.queries import leaderboard

    cli = leaderboard(open_db(replay_db, readonly=True), "imagenet-1k", "top1_acc", 1000, "zero_shot")
    assert zero and [r["model"] for r in zero] == [r["model"] for r in cli]
    old = get_json(f"{server}/sota/leaderboard.json?_shape=objects&as_of=2020-01-01&top=1000")["rows"]
    assert old and all(r["date"] is None or r["date"] <= "2020-01-01" for r in old)
    assert "CoCa" not in {r["model"] for r in old}


def test_leaderboard_filters(server, replay_db):
    def rows(qs):
        return get_json(f"{server}/sota/leaderboard.json?_shape=objects&top=5000&{qs}")["rows"]
    every, without, with_extra = rows(""), rows("extra_data=no"), rows("extra_data=yes")
    assert 0 < len(without) < len(every) and 0 < len(with_extra) < len(every)
    assert {r["extra_data"] for r in without} == {"no"}
    assert "no" not in {r["extra_data"] for r in with_extra} and "CoCa" in {r["model"] for r in with_extra}
    assert rows("extra_data=maybe") == []            # never silently "any"
    # a withdrawn result stays off unless asked for, and then shows its flag
    with sqlite3.connect(replay_db) as conn:
        (model,) = conn.execute("SELECT canonical FROM results_canonical WHERE flags LIKE '%withdrawn%' "
                                "AND dataset = 'imagenet-1k' AND metric = 'top1_acc'").fetchone() or (None,)
    if model is not None:
        assert model not in {r["model"] for r in every}
        flagged = {r["model"]: r for r in rows("include_flagged=yes")}
        assert "withdrawn" in flagged[model]["flags"]


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
    assert rows["codesota"]["status"] == "never run" and rows["codesota"]["licence"] == "CC-BY-4.0"


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


def test_result_cells_open_onto_paper_evidence_and_source(server, replay_db):
    """The leaderboard's result_id cell holds, one click away, the paper, the exact evidence as
    stored and links to the paper, the source and the result's own row."""
    from markupsafe import escape

    rows = get_json(f"{server}/sota/leaderboard.json?_shape=objects")["rows"]
    coca = next(r for r in rows if r["model"] == "CoCa")
    with sqlite3.connect(replay_db) as conn:
        evidence, source_url = conn.execute("SELECT evidence, source_url FROM results WHERE id = ?",
                                            [coca["result_id"]]).fetchone()
    status, page = fetch(f"{server}/sota/leaderboard?dataset=imagenet-1k&metric=top1_acc")
    assert status == 200
    card = page[page.index(f'/sota/results/{coca["result_id"]}"') - 3000:][:6000]
    assert '<details class="sota-card"><summary>CoCa: Contrastive Captioners' in card
    assert str(escape(evidence)) in card and "91.0" in evidence
    assert '<a href="https://paperswithcode.com/paper/coca-contrastive-captioners-are-image-text"' in card
    assert f'<a href="{escape(source_url)}"' in card
    assert fetch(f"{server}/sota/results/{coca['result_id']}")[0] == 200


def test_pages_read_as_text_not_data(server):
    """Tab titles are titles, params are millions, JSON lists are text, feed columns stay off."""
    import re as _re

    for name in CANNED:
        page = fetch(f"{server}/sota/{name}")[1]
        title = _re.search(r"<title>(.*?)</title>", page, _re.S).group(1)
        assert "SELECT" not in title.upper() and len(title) < 80, (name, title)
        assert 'class="show-hide-sql">(<a href="/sota/' + name + '?_show_sql=1">show</a>)' in page
    page = fetch(f"{server}/sota/leaderboard")[1]
    assert '<td class="col-params">2,440M</td>' in page and '<td class="col-params">2440' not in page
    papers = fetch(f"{server}/sota/papers?_search=contrastive+captioners")[1]
    cells = _re.findall(r'<td class="col-(?:authors|categories|links)[ "][^>]*>(.*?)</td>', papers, _re.S)
    assert len(cells) >= 6 and "Jiahui Yu, Zirui Wang" in " ".join(cells)
    assert not [c for c in cells if "[" in c or "&#34;" in c or "{" in c], cells
    css = fetch(f"{server}/assets/sota.css")
    assert css[0] == 200 and 'th[class^="col-atom_"]' in css[1]


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


def test_each_source_has_one_colour_in_every_chart(server):
    """Vega colours nominal values in order of appearance: each chart coloured by source gets
    the registry's order as its domain, so pwc is the same colour everywhere."""
    from db.serve import _encodings

    config = get_json(f"{server}/-/metadata.json")["plugins"]["datasette-dashboards"]
    registry = [r["name"] for r in get_json(f"{server}/sota.json?_shape=array&sql=select+name+from+sources+order+by+rowid")]
    domains = [enc["color"]["scale"]["domain"]
               for dash in config.values() for chart in dash["charts"].values()
               for enc in _encodings(chart.get("display") or {})
               if isinstance(enc.get("color"), dict) and enc["color"].get("field") == "source"]
    assert len(domains) >= 3 and all(d == registry for d in domains), domains


def test_listed_names_open_what_they_name(server):
    """No table or view shares a canned query's name (Datasette would open the query), and the
    conflicts table's rows are reachable under conflicts_all."""
    db = get_json(f"{server}/sota.json")
    queries = {q["name"] for q in db["queries"]}
    listed = {t["name"] for t in db["tables"] if not t["hidden"]} | {v["name"] for v in db["views"]}
    assert not listed & queries, listed & queries
    rows = get_json(f"{server}/sota/conflicts_all.json?_shape=objects&_size=max")["rows"]
    assert rows and {"field", "source_a", "value_a", "evidence_a"} <= set(rows[0])


def test_a_dropped_download_logs_one_line(replay_db, tmp_path):
    """A client that hangs up during a streamed CSV leaves one log line, not one per write."""
    import socket

    from conftest import free_port

    log = tmp_path / "serve.log"
    port = free_port()
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "sota", "serve", "--port", str(port),
                                 "--db", str(replay_db)], stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while fetch_ok(f"http://127.0.0.1:{port}/-/versions.json") is False:
            assert time.monotonic() < deadline and proc.poll() is None, log.read_text()
            time.sleep(0.2)
        for _ in range(2):
            with socket.create_connection(("127.0.0.1", port)) as sock:
                sock.sendall(b"GET /sota/results.csv?_stream=on&_size=max HTTP/1.1\r\nHost: x\r\n\r\n")
                sock.recv(4096)
                # close with a reset, as a browser tab closed mid-download does
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            time.sleep(1.5)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    lines = log.read_text().splitlines()
    dropped = [line for line in lines if "closed its connection" in line]
    assert 1 <= len(dropped) <= 2 and len(lines) <= 5, lines[:10]
    assert all(re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d WARNING ", line) for line in dropped), dropped
    assert "Ctrl-C to stop" in lines[0]


def fetch_ok(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=5)
        return True
    except (urllib.error.URLError, ConnectionError):
        return False


def test_charts_draw_one_entry_once(server):
    """Two sources reporting one entry (an ILSVRC winner in the competition table and in its
    paper, to different precision) are one point, and the record line steps once for it."""
    from datasette_dashboards import replace_opts_in_query

    top5 = dashboards()["imagenet-1k"]["charts"]["top5"]
    rows = get_json(f"{server}/sota.json?" + urllib.parse.urlencode(
        {"sql": replace_opts_in_query(top5["query"], {"setting": "supervised"}),
         "setting": "supervised", "_shape": "objects"}))["rows"]
    pairs = [(a, b) for a in rows for b in rows if a["source"] < b["source"]
             and a["date"][:4] == b["date"][:4] and abs(a["error"] - b["error"]) <= 0.005]
    assert not pairs, pairs
    ilsvrc_2015 = [r for r in rows if r["date"].startswith("2015-12")]
    assert [(r["model"], r["error"]) for r in ilsvrc_2015] == [("ResNet (ensemble)", 3.57)]
    assert 3.567 not in {r["record"] for r in rows}     # the record line steps once
