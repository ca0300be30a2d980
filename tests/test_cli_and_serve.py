"""The CLI's contracts on a small crawled database, and a real Datasette server."""
import csv
import io
import json
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from conftest import PWC_CAPTURES, free_port
from runs.crawl import crawl

TIMM = "https://raw.githubusercontent.com/huggingface/pytorch-image-models/main/results/"


def sota(*args, db=None, env=None):
    cmd = [sys.executable, "-m", "sota", *args] + (["--db", str(db)] if db else [])
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)


@pytest.fixture(scope="module")
def small_db(tmp_path_factory):
    from conftest import FIXTURES

    db = tmp_path_factory.mktemp("cli") / "small.db"
    mirror = str(FIXTURES / "mirror")
    crawl(db, ["timm"], [TIMM + "results-imagenet.csv"], mirror)
    crawl(db, ["pwc"], PWC_CAPTURES[:1], mirror)
    return db


def test_help_lists_commands():
    out = sota("--help").stdout
    for command in ("init", "crawl", "sources", "leaderboard", "export", "serve", "up", "extract"):
        assert command in out


def test_unknown_source_is_one_line(small_db):
    proc = sota("crawl", "nosuch", db=small_db)
    assert proc.returncode == 2
    assert "unknown source(s): nosuch" in proc.stderr and "Traceback" not in proc.stderr


def test_crawl_failure_exits_nonzero_after_other_sources(small_db, mirror):
    proc = sota("crawl", "timm", "pwc", "--replay", str(mirror), db=small_db)
    # timm's default URLs include files the small mirror lacks (404); pwc's 2025 URLs too.
    assert proc.returncode == 1
    assert "timm: failed" in proc.stderr and "pwc: failed" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_export_csv_json_sql(small_db):
    n = sqlite3.connect(small_db).execute("SELECT count(*) FROM results").fetchone()[0]
    as_csv = list(csv.DictReader(io.StringIO(sota("export", "results", "--format", "csv", db=small_db).stdout)))
    assert len(as_csv) == n and as_csv[0]["source_url"]
    as_json = json.loads(sota("export", "results", "--format", "json", db=small_db).stdout)
    assert len(as_json) == n and {r["id"] for r in as_json} == {int(r["id"]) for r in as_csv}
    dump = sota("export", "--sql", db=small_db).stdout
    copy = sqlite3.connect(":memory:")
    copy.executescript(dump)
    assert copy.execute("SELECT count(*) FROM results").fetchone()[0] == n
    bad = sota("export", "nosuch", db=small_db)
    assert bad.returncode != 0 and "no table 'nosuch'" in bad.stderr


def test_leaderboard_csv_and_table(small_db):
    rows = list(csv.DictReader(io.StringIO(
        sota("leaderboard", "--format", "csv", "--top", "4", db=small_db).stdout)))
    # Default protocol: supervised / fine-tuned; CoCa (frozen) is a linear probe and stays out.
    # A timm checkpoint no paper row claims is its own model, shown by its timm name (each
    # pretrained tag is a different trained model: ingest/identity_timm.py).
    assert [(r["rank"], r["model"], r["value"], r["measured"], r["sources"]) for r in rows] == [
        ("1", "CoCa", "91.0", "", '["pwc"]'),
        ("2", "eva02_large_patch14_448.mim_m38m_ft_in22k_in1k", "", "90.056", '["timm"]'),
        ("3", "eva_giant_patch14_560.m30m_ft_in22k_in1k", "", "89.79", '["timm"]'),
        ("4", "convnextv2_huge.fcmae_ft_in22k_in1k_512", "", "88.86", '["timm"]')]
    linear = json.loads(sota("leaderboard", "--setting", "linear_probe", "--format", "json", db=small_db).stdout)
    assert [(r["model"], r["value"], r["setting"]) for r in linear] == [("CoCa", 90.6, "linear_probe")]
    table = sota("leaderboard", "--top", "1", db=small_db).stdout
    assert "CoCa" in table and "91.000" in table


def test_sources_shows_licences_and_runs(small_db):
    rows = json.loads(sota("sources", "--format", "json", db=small_db).stdout)
    by_name = {r["name"]: r for r in rows}
    assert by_name["pwc"]["licence"] == "CC-BY-SA-4.0" and by_name["timm"]["licence"] == "Apache-2.0"
    assert by_name["timm"]["last_run"] is not None


def wait_for(url, seconds=30):
    deadline = time.monotonic() + seconds
    while True:
        try:
            return urllib.request.urlopen(url, timeout=5)
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.fixture
def server(small_db, request):
    port = free_port()
    extra = getattr(request, "param", [])
    proc = subprocess.Popen([sys.executable, "-m", "sota", "serve", "--port", str(port),
                             "--db", str(small_db), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for(f"http://127.0.0.1:{port}/-/versions.json")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def get_json(url):
    return json.loads(urllib.request.urlopen(url, timeout=30).read())


def test_datasette_serves_results_as_sota(server, small_db):
    n = sqlite3.connect(small_db).execute("SELECT count(*) FROM results").fetchone()[0]
    data = get_json(f"{server}/sota/results.json?_shape=objects&_size=max")
    assert len(data["rows"]) == n
    assert {"model", "value", "source_url", "evidence"} <= set(data["rows"][0])
    meta = get_json(f"{server}/-/metadata.json")
    assert "CC-BY-SA-4.0" in meta["license"] and "Apache-2.0" in meta["license"]
    sources = get_json(f"{server}/sota/sources.json?_shape=array")
    assert {(s["name"], s["licence"]) for s in sources} >= {("pwc", "CC-BY-SA-4.0"), ("timm", "Apache-2.0")}
    # Read-only: the database is opened mode=ro, so no write path exists.
    dbs = get_json(f"{server}/-/databases.json")
    assert [d["name"] for d in dbs if not d["is_memory"]] == ["sota"]


@pytest.mark.parametrize("server", [["--no-sql"]], indirect=True)
def test_no_sql_refuses_arbitrary_queries(server):
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(f"{server}/sota.json?sql=select+1", timeout=30)
    assert err.value.code == 403
