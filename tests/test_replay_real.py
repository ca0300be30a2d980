"""`sota crawl --replay ../shared/replay`: the real recorded data, end to end through the CLI."""
import json

from conftest import PWC_CAPTURES, pwc_capture_args, shared_path, sota
from db.connect import open_db

TIMM_DATASETS = ("imagenet-1k", "imagenet-real", "imagenet-v2", "imagenet-sketch", "imagenet-r",
                 "imagenet-r-clean", "imagenet-a", "imagenet-a-clean")


def test_timm_counts(replay_crawl):
    db = open_db(replay_crawl.db)
    for dataset in TIMM_DATASETS:
        n = db.execute("SELECT count(*) FROM results WHERE source = 'timm' AND dataset = ? "
                       "AND metric = 'top1_acc'", [dataset]).fetchone()[0]
        assert n == 1556, dataset
    eva = db.execute("SELECT value, params, extra_data_corpus, kind FROM results WHERE source = 'timm' "
                     "AND dataset = 'imagenet-1k' AND metric = 'top1_acc' ORDER BY value DESC LIMIT 1").fetchone()
    assert tuple(eva) == (90.056, 305080000, "Merged-38M", "measured")


def test_pwc_counts_and_coca(replay_crawl):
    db = open_db(replay_crawl.db)
    main = PWC_CAPTURES[0]
    assert db.execute("SELECT count(*) FROM results WHERE source = 'pwc' AND metric = 'top1_acc' "
                      "AND source_url = ?", [main]).fetchone()[0] == 947
    assert db.execute("SELECT count(*) FROM rejects WHERE source = 'pwc' AND url = ?", [main]).fetchone()[0] == 4
    coca = db.execute("SELECT value, params, setting, extra_data, published FROM results "
                      "WHERE source = 'pwc' AND model = 'CoCa (finetuned)' AND source_url = ?", [main]).fetchall()
    assert [tuple(r) for r in coca] == [(91.0, 2100000000, "finetuned", 1, "2022-05-04")]
    # uses_additional_data is false for both Model soups; the tags still name their corpora.
    soups = db.execute("SELECT model, extra_data, extra_data_corpus FROM results WHERE source = 'pwc' "
                       "AND model LIKE 'Model soups%' AND source_url = ? ORDER BY model", [main]).fetchall()
    assert [tuple(r) for r in soups] == [("Model soups (BASIC-L)", 1, "ALIGN"), ("Model soups (ViT-G/14)", 1, "JFT-3B")]
    assert {r[0] for r in db.execute("SELECT DISTINCT setting FROM results WHERE source_url LIKE '%zero-shot%'")} == {"zero_shot"}


def test_second_crawl_inserts_nothing(replay_copy):
    db = open_db(replay_copy)
    count1 = db.execute("SELECT count(*) FROM results").fetchone()[0]
    replay = shared_path("replay")
    for proc in (sota("crawl", "timm", "--replay", replay, db=replay_copy),
                 sota("crawl", "pwc", "--replay", replay, *pwc_capture_args(), db=replay_copy)):
        assert proc.returncode == 0, proc.stderr
    assert db.execute("SELECT count(*) FROM results").fetchone()[0] == count1
    last = db.execute("SELECT source, items_inserted, items_updated, status FROM crawl_runs "
                      "ORDER BY id DESC LIMIT 2").fetchall()
    assert sorted(tuple(r) for r in last) == [("pwc", 0, 0, "ok"), ("timm", 0, 0, "ok")]
    assert db.execute("SELECT count(*) FROM results WHERE source_url IS NULL OR fetched_at IS NULL "
                      "OR evidence IS NULL").fetchone()[0] == 0


def test_leaderboard_json(replay_crawl):
    proc = sota("leaderboard", "--dataset", "imagenet-1k", "--metric", "top1_acc", "--top", "20",
                "--format", "json", db=replay_crawl.db)
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert [(r["model"], r["value"]) for r in rows[:5]] == [
        ("OmniVec", 92.4), ("BASIC-L (Lion)", 91.1), ("CoCa", 91.0),
        ("Model soups (BASIC-L)", 90.98), ("Model soups (ViT-G/14)", 90.94)]
    assert {"rank", "model", "value", "metric", "dataset", "setting", "extra_data", "params",
            "paper_title", "paper_url", "published", "source", "source_url", "evidence"} <= set(rows[0])
    eva = [r for r in rows if r["source"] == "timm"]
    # a timm checkpoint that is no paper's released weights is a model of its own, named as timm names it
    assert eva and eva[0]["model"] == "eva02_large_patch14_448.mim_m38m_ft_in22k_in1k" and eva[0]["measured"] == 90.056
    assert eva[0]["measured_model"] == "eva02_large_patch14_448.mim_m38m_ft_in22k_in1k"
    assert eva[0]["measured_resolution"] == 448
    assert rows[2]["paper_url"] == "https://paperswithcode.com/paper/coca-contrastive-captioners-are-image-text"
