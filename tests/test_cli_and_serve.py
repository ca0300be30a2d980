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
    assert proc.stderr.strip().splitlines() == [
        "Error: unknown source 'nosuch' (known: arxiv, arxiv_html, codesota, eff, hf, pwc, pwcco, timm)"]


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
    assert bad.returncode == 2 and "unknown table 'nosuch' (known: " in bad.stderr


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
    table = sota("leaderboard", "--top", "1", db=small_db).stdout.splitlines()
    assert table[0].split() == ["#", "model", "reported", "measured", "setting", "extra", "data",
                                "params", "date", "sources", "confirmed", "flags"]
    assert table[1].split()[:3] == ["1", "CoCa", "91.0"] and len(table) == 2


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


# --- what a user types, and what they get back ------------------------------------------

def run_cli(*args, env=None):
    """The CLI in-process (click's runner), with stdout and stderr apart."""
    from click.testing import CliRunner

    from sota.cli import cli

    return CliRunner().invoke(cli, [str(a) for a in args], env=env)


@pytest.mark.parametrize("args, says", [
    (["leaderboard", "--metric", "nosuch"], "unknown metric 'nosuch' (known: "),
    (["leaderboard", "--dataset", "nosuch"], "unknown dataset 'nosuch' (known: imagenet-1k"),
    (["leaderboard", "--setting", "nosuch"], "unknown setting 'nosuch' (known: all, "),
    (["progression", "--metric", "top9"], "unknown metric 'top9'"),
    (["progression", "--setting", "fine-tuned"], "unknown setting 'fine-tuned'"),
    (["conflicts", "--dataset", "imagenet-2k"], "unknown dataset 'imagenet-2k'"),
    (["export", "nosuch"], "unknown table 'nosuch'"),
    (["leaderboard", "--top", "0"], "Invalid value for '--top'"),
    (["leaderboard", "--format", "xml"], "Invalid value for '--format'"),
    (["leaderboard", "--as-of", "last year"], "Invalid value for '--as-of'"),
    (["crawl", "nosuch"], "unknown source 'nosuch' (known: arxiv, "),
])
def test_bad_input_is_one_line_with_the_known_values(small_db, args, says):
    result = run_cli(*args, "--db", small_db)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and says in lines[0], result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_known_values_come_from_the_database_and_the_rules(small_db):
    from rules import metrics, settings

    line = run_cli("leaderboard", "--metric", "nosuch", "--db", small_db).stderr
    assert all(m in line for m in metrics.names())
    line = run_cli("leaderboard", "--setting", "nosuch", "--db", small_db).stderr
    assert all(s in line for s in settings.names() + settings.protocols())
    datasets = {r[0] for r in sqlite3.connect(small_db).execute("SELECT DISTINCT dataset FROM results")}
    line = run_cli("leaderboard", "--dataset", "nosuch", "--db", small_db).stderr
    assert line.split("(known: ")[1].rstrip(")\n").split(", ") == sorted(datasets)


@pytest.mark.parametrize("command", [["status"], ["sources"], ["leaderboard"], ["progression"],
                                     ["conflicts"], ["review"], ["export", "results"]])
def test_reading_a_missing_database_is_an_error(tmp_path, command):
    missing = tmp_path / "missing" / "dir" / "x.db"
    result = run_cli(*command, "--db", missing)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: no database at {missing}: run `sota init` and `sota crawl` first (or pass --db / set $SOTA_DB)"]
    assert not (tmp_path / "missing").exists()


def test_init_creates_the_file_not_directories(tmp_path):
    result = run_cli("init", "--db", tmp_path / "no" / "such" / "x.db")
    assert result.exit_code == 1 and not (tmp_path / "no").exists()
    assert result.stderr.strip() == f"Error: no directory {tmp_path / 'no' / 'such'}: create it first (sota creates only the database file)"
    result = run_cli("init", "--db", tmp_path / "x.db")
    assert result.exit_code == 0 and (tmp_path / "x.db").is_file()


def test_db_before_or_after_the_command_or_from_the_environment(small_db):
    after = run_cli("leaderboard", "--format", "json", "--db", small_db)
    before = run_cli("--db", small_db, "leaderboard", "--format", "json")
    env = run_cli("leaderboard", "--format", "json", env={"SOTA_DB": str(small_db)})
    assert after.exit_code == before.exit_code == env.exit_code == 0
    assert json.loads(after.stdout) == json.loads(before.stdout) == json.loads(env.stdout) != []


@pytest.mark.parametrize("command, header", [
    (["leaderboard"], ["#", "model", "reported", "measured", "setting", "extra", "data", "params",
                       "date", "sources", "confirmed", "flags"]),
    (["progression"], ["date", "value", "model", "setting", "source"]),
    (["conflicts"], ["field", "model", "dataset", "metric", "source_a", "value_a", "source_b", "value_b",
                     "note"]),
    (["sources"], ["source", "licence", "scheduled", "last", "run", "started", "(UTC)", "url"]),
    (["status"], ["source", "last", "run", "started", "(UTC)", "inserted", "updated", "rejected",
                  "failed", "in", "a", "row", "next", "run", "(UTC)", "error"]),
    (["rules"], ["rule", "origin", "sha256", "path"]),
])
def test_tables_have_a_header_and_every_format(request, command, header):
    # the small database has no conflicts: the session's replay database has
    db = request.getfixturevalue("replay_crawl").db if command == ["conflicts"] else \
        request.getfixturevalue("small_db")
    table = run_cli("--db", db, *command)   # before the command: `rules` takes no --db of its own
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    assert lines[0].split() == header and len(lines) > 1
    as_json = json.loads(run_cli("--db", db, *command, "--format", "json").stdout)
    as_csv = list(csv.DictReader(io.StringIO(run_cli("--db", db, *command, "--format", "csv").stdout)))
    assert len(as_json) == len(as_csv) == len(lines) - 1
    assert set(as_csv[0]) == set(as_json[0])


def test_table_units(small_db):
    """params in millions, values with the digits they were stored with, in the table only."""
    rows = json.loads(run_cli("leaderboard", "--format", "json", "--db", small_db).stdout)
    coca = next(r for r in rows if r["model"] == "CoCa")
    line = next(l for l in run_cli("leaderboard", "--db", small_db).stdout.splitlines() if " CoCa " in l)
    assert coca["params"] == 2_100_000_000 and "2,100M" in line
    assert coca["value"] == 91.0 and " 91.0 " in line
    measured = next(r for r in rows if r["measured"] == 90.056)
    assert "90.056" in next(l for l in run_cli("leaderboard", "--db", small_db).stdout.splitlines()
                            if measured["model"][:30] in l)   # (long names are cut to the column)


def test_leaderboard_filters(small_db):
    def models(*args):
        return {r["model"]: r for r in json.loads(run_cli("leaderboard", "--format", "json", "--top", "100",
                                                          *args, "--db", small_db).stdout)}
    every, without, with_extra = models(), models("--extra-data", "no"), models("--extra-data", "yes")
    assert without and with_extra and set(without) | set(with_extra) <= set(every)
    assert all(r["extra_data"] is False for r in without.values())
    assert all(r["extra_data"] is True for r in with_extra.values())
    assert "CoCa" in with_extra and "CoCa" not in without


def test_progress_is_quiet_when_piped(small_db, mirror):
    proc = sota("reprocess", "timm", db=small_db)
    assert proc.returncode == 0, proc.stderr
    assert "\r" not in proc.stderr and "reprocessing" not in proc.stderr
