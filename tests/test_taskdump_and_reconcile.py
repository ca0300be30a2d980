"""The sota-extractor dump source, reconciliation of names, progression and conflicts."""
import pytest

from db.connect import open_db
from db.queries import leaderboard, progression
from ingest.conflicts import beyond_rounding, params_differ
from runs.crawl import crawl
from ingest.reconcile import display_name, strip_setting

DUMPS = "https://raw.githubusercontent.com/paperswithcode/sota-extractor/master/data/tasks/"


def test_eff_rows_dates_flags(db_path, mirror):
    [run] = crawl(db_path, ["eff"], [DUMPS + "eff.json", DUMPS + "redditsota.json"], str(mirror))
    assert run.status == "ok", run.error
    db = open_db(db_path)
    got = [tuple(r) for r in db.execute(
        "SELECT model, metric, value, raw_value, published, date_precision, flags, paper_id FROM results ORDER BY value DESC")]
    assert got == [
        ("NEC UIUC", "top5_err", 28.191, "0.28191", "2010-12-31", "year", None, "url:http://image-net.org/challenges/LSVRC/2010/results"),
        ("Aggregated Residual Transformations for Deep Neural Networks", "top1_err", 20.4, "20.4%", "2016-11-30", "month", None, "1611.05431"),
        ("Squeeze-and-Excitation Networks", "top1_err", 18.68, "18.68", "2017-09-30", "month", None, "1709.01507"),
        ("Deep Image", "top5_err", 4.58, "0.0458", "2015-01-31", "month", "withdrawn", "1501.02876"),
        ("MSRA", "top5_err", 3.567, "0.03567", "2015-12-31", "year", None, "url:http://image-net.org/challenges/LSVRC/2015/results"),
    ]
    assert [tuple(r) for r in db.execute("SELECT reason FROM rejects")] == [("Error rate: not a number: 'N/A'",)]
    # Progression leaves the withdrawn row out unless asked, and is strictly decreasing in error.
    assert [(r["model"], r["value"]) for r in progression(db, "imagenet-1k", "top5_err")] == [
        ("NEC UIUC", 28.191), ("MSRA", 3.567)]
    assert [(r["model"], r["value"]) for r in progression(db, "imagenet-1k", "top5_err", include_withdrawn=True)] == [
        ("NEC UIUC", 28.191), ("Deep Image", 4.58), ("MSRA", 3.567)]


@pytest.mark.parametrize("source,raw,display", [
    ("pwc", "CoCa (finetuned)", "CoCa"),
    ("pwc", "BASIC-L (Lion, fine-tuned)", "BASIC-L (Lion)"),
    ("pwc", "Model soups (ViT-G/14)", "Model soups (ViT-G/14)"),
    ("arxiv", "DaViT-Gaint", "DaViT-Giant"),
    ("pwc", "DaViT-G", "DaViT-Giant"),
    ("codesota", "coca-finetuned", "CoCa"),
    ("timm", "eva02_large_patch14_448.mim_m38m_ft_in22k_in1k", "eva02_large_patch14_448.mim_m38m_ft_in22k_in1k"),
    ("arxiv", "ConvNeXt V2-Huge", "ConvNeXt V2-Huge"),
])
def test_display_names(source, raw, display):
    """Aliases and protocol words shape the display; a timm checkpoint shows as timm names it."""
    assert display_name(source, raw) == display


def test_strip_setting_keeps_other_details():
    assert strip_setting("CoCa (frozen)") == "CoCa"
    assert strip_setting("Unicom (ViT-L/14@336px) (Finetuned)") == "Unicom (ViT-L/14@336px)"


def test_rounding_and_params_tolerance():
    assert not beyond_rounding(88.86, "88.860", 88.9, "88.9")
    assert beyond_rounding(90.4, "90.4", 90.2, "90.2")
    assert not params_differ(30_000_000, 30_390_000)      # "30M" is rounded
    assert params_differ(650_000_000, 660_290_000)        # ConvNeXt V2-H: abstract vs timm


def test_leaderboard_merges_sources_and_measured(db_path, mirror):
    timm = "https://raw.githubusercontent.com/huggingface/pytorch-image-models/main/results/"
    from conftest import PWC_CAPTURES

    crawl(db_path, ["timm"], [timm + "results-imagenet.csv"], str(mirror))
    crawl(db_path, ["pwc"], PWC_CAPTURES[:1], str(mirror))
    db = open_db(db_path)
    rows = leaderboard(db, "imagenet-1k", "top1_acc", top=3, setting="all")
    # timm's EVA-02 checkpoint is no paper's model here: it stands as itself, measured only
    assert [(r["model"], r["protocol"], r["value"], r["measured"]) for r in rows] == [
        ("CoCa", "supervised", 91.0, None), ("CoCa", "linear_probe", 90.6, None),
        ("eva02_large_patch14_448.mim_m38m_ft_in22k_in1k", "supervised", None, 90.056)]
    assert [(r["model"], r["field"], r["source_a"], r["source_b"]) for r in db.query("SELECT * FROM conflicts")] == []
