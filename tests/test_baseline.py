"""The bundled baseline: facts only, loaded only into an empty database, replaced by live data."""
from conftest import q, shared_path
from ingest.baseline import build_baseline, load_baseline, read_baseline
from db.connect import open_db
from db.migrations import ensure_db_shape
from runs.crawl import crawl


def test_packaged_baseline_is_facts_only():
    data = read_baseline()
    assert "evidence" not in data["result_fields"] and "abstract" not in data["paper_fields"]
    fields = data["result_fields"]
    rows = [dict(zip(fields, r)) for r in data["results"]]
    assert {r["dataset"] for r in rows} == {"imagenet-1k"}
    assert all(r["source_url"] and r["fetched_at"] for r in rows)
    coca = [r for r in rows if r["model"] == "CoCa (finetuned)" and r["source"] == "pwc"]
    assert [(r["value"], r["params"]) for r in coca] == [(91.0, 2100000000)]


def test_loaded_only_when_empty_and_replaced_by_live_data(tmp_path):
    replay = shared_path("replay")
    db_path = tmp_path / "b.db"
    db = open_db(db_path)
    ensure_db_shape(db)
    data = read_baseline()
    assert load_baseline(db, data) == len(data["results"])
    assert load_baseline(db, data) == 0                      # not empty any more: nothing loaded
    eff_rows = q(db_path, "SELECT count(*) FROM results WHERE source = 'eff' AND baseline IS NOT NULL")[0][0]
    assert eff_rows == 12
    [run] = crawl(db_path, ["eff"], None, str(replay))
    assert run.status == "ok" and run.counts.inserted == 0 and run.counts.updated == 12
    assert q(db_path, "SELECT count(*) FROM results WHERE source = 'eff' AND baseline IS NOT NULL") == [(0,)]
    assert q(db_path, "SELECT count(*) FROM results_history h JOIN results r ON r.id = h.result_id "
                      "WHERE r.source = 'eff'") == [(12,)]
    # A baseline rebuilt from this database leaves out rows that are still baseline-only.
    rebuilt = build_baseline(open_db(db_path))
    assert len(rebuilt["results"]) == 12 and {r[rebuilt["result_fields"].index("source")] for r in rebuilt["results"]} == {"eff"}
