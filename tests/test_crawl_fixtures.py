"""Real Scrapy crawls (child processes) against a loopback mirror of our own fixtures."""
import hashlib
import shutil

import pytest
from warcio.archiveiterator import ArchiveIterator

from conftest import FIXTURES, PWC_CAPTURES
from db.connect import open_db
from runs.crawl import archive_root, crawl

TIMM = "https://raw.githubusercontent.com/huggingface/pytorch-image-models/main/results/"
TIMM_URLS = [TIMM + f for f in ("model_metadata-in1k.csv", "results-imagenet.csv",
                                "results-imagenet-a.csv")]


def rows(db_path, sql, params=()):
    return [tuple(r) for r in open_db(db_path).execute(sql, params).fetchall()]


def test_timm_rows_exact(db_path, mirror):
    [run] = crawl(db_path, ["timm"], TIMM_URLS, str(mirror))
    assert run.status == "ok", run.error
    assert (run.counts.inserted, run.counts.rejected) == (17, 1)
    got = rows(db_path, "SELECT model, dataset, metric, value, raw_value, params, resolution, "
                        "extra_data, extra_data_corpus, kind, setting FROM results "
                        "WHERE metric = 'top1_acc' ORDER BY dataset, value DESC")
    assert got == [
        ("eva02_large_patch14_448.mim_m38m_ft_in22k_in1k", "imagenet-1k", "top1_acc", 90.056, "90.056", 305080000, 448, 1, "Merged-38M", "measured", None),
        ("eva_giant_patch14_560.m30m_ft_in22k_in1k", "imagenet-1k", "top1_acc", 89.79, "89.790", 1014450000, 560, 1, "Merged-30M", "measured", None),
        ("convnextv2_huge.fcmae_ft_in22k_in1k_512", "imagenet-1k", "top1_acc", 88.86, "88.860", 660290000, 512, 1, "ImageNet-21K", "measured", None),
        ("convnextv2_huge.fcmae_ft_in22k_in1k_384", "imagenet-1k", "top1_acc", 88.67, "88.670", 660290000, 384, 1, "ImageNet-22K", "measured", None),
        ("resnet50.a1_in1k", "imagenet-1k", "top1_acc", 81.232, "81.232", 25560000, 288, 0, None, "measured", None),
        ("resnet50.a1_in1k", "imagenet-1k", "top1_acc", 80.104, "80.104", 25560000, 224, 0, None, "measured", None),
        ("eva02_large_patch14_448.mim_m38m_ft_in22k_in1k", "imagenet-a", "top1_acc", 88.227, "88.227", 305080000, 448, 1, "Merged-38M", "measured", None),
        ("resmlp_24_224.fb_dino", "imagenet-a", "top1_acc", 1.773, "1.773", 30020000, 224, 0, None, "measured", None),
    ]
    assert rows(db_path, "SELECT reason, raw FROM rejects") == [
        ("top1: not a number: 'N/A'", "broken_model.x,224,N/A,,95.000,5.000,10.00,0.950,bicubic")]
    # Provenance on every row: URL, fetch time, the exact CSV line, the run.
    assert rows(db_path, "SELECT count(*) FROM results WHERE source_url IS NULL OR fetched_at IS NULL "
                         "OR evidence IS NULL OR crawl_run IS NULL") == [(0,)]
    assert rows(db_path, "SELECT evidence FROM results WHERE model LIKE 'eva_giant%' LIMIT 1") == [
        ('eva_giant_patch14_560.m30m_ft_in22k_in1k,560,89.790,10.210,98.990,1.010,"1,014.45",1.000,bicubic',)]


def test_rerun_inserts_nothing_and_change_keeps_history(db_path, mirror, tmp_path):
    crawl(db_path, ["timm"], TIMM_URLS, str(mirror))
    [again] = crawl(db_path, ["timm"], TIMM_URLS, str(mirror))
    # Every start URL answers 304 to the parent's conditional requests: no crawl child starts.
    assert (again.status, again.counts.inserted, again.counts.updated, again.unchanged) == ("ok", 0, 0, 3)
    assert not (archive_root(db_path) / "timm" / f"run-{again.run_id:06d}" / "crawler.log").exists()
    assert rows(db_path, "SELECT status FROM responses WHERE crawl_run = ? ORDER BY url", [again.run_id]) == [
        (304,), (304,), (304,)]
    changed = tmp_path / "changed"
    shutil.copytree(mirror, changed)
    csv_path = changed / "raw.githubusercontent.com/huggingface/pytorch-image-models/main/results/results-imagenet.csv"
    csv_path.write_text(csv_path.read_text().replace(",90.056,", ",90.100,"))
    [third] = crawl(db_path, ["timm"], TIMM_URLS, str(changed))
    # The top-1 value changed; the top-5 row's evidence (the same CSV line) changed with it.
    assert (third.counts.inserted, third.counts.updated) == (0, 2)
    assert rows(db_path, "SELECT r.metric, h.value, r.value FROM results_history h "
                         "JOIN results r ON r.id = h.result_id ORDER BY r.metric") == [
        ("top1_acc", 90.056, 90.1), ("top5_acc", 99.042, 99.042)]
    assert rows(db_path, "SELECT count(*) FROM results") == [(17,)]
    # robots.txt was asked once, by the first run; the third run's child used the day's copy.
    assert rows(db_path, "SELECT crawl_run, count(*) FROM responses WHERE url LIKE '%/robots.txt' "
                         "GROUP BY crawl_run") == [(1, 1)]


def test_pwc_rows_exact(db_path, mirror):
    [run] = crawl(db_path, ["pwc"], PWC_CAPTURES[:1], str(mirror))
    assert run.status == "ok", run.error
    got = rows(db_path, "SELECT model, metric, value, raw_value, setting, extra_data, extra_data_corpus, "
                        "params, published, paper_id, source_url FROM results ORDER BY value DESC")
    url = PWC_CAPTURES[0]
    assert got == [
        ("CoCa (finetuned)", "top1_acc", 91.0, "91.0%", "finetuned", 1, "ALIGN", 2100000000, "2022-05-04", "pwc:coca-contrastive-captioners-are-image-text", url),
        ("CoCa (frozen)", "top1_acc", 90.6, "90.6", "linear_probe", 1, None, None, "2022-05-04", "pwc:coca-contrastive-captioners-are-image-text", url),
        ("ResNet-50 (typo column)", "top1_acc", 80.4, "80.4%", None, 0, None, None, None, None, url),
    ]
    assert rows(db_path, "SELECT id, title, url, published FROM papers") == [
        ("pwc:coca-contrastive-captioners-are-image-text", "CoCa: Contrastive Captioners are Image-Text Foundation Models",
         "https://paperswithcode.com/paper/coca-contrastive-captioners-are-image-text", "2022-05-04")]
    assert rows(db_path, "SELECT reason FROM rejects") == [("no accuracy metric in row",)]


def test_raw_bytes_archived_and_hashed(db_path, mirror):
    [run] = crawl(db_path, ["pwc"], PWC_CAPTURES[:1], str(mirror))
    [(archive, )] = rows(db_path, "SELECT archive_path FROM crawl_runs WHERE id = ?", [run.run_id])
    page = mirror / "web.archive.org/web/20231214000000id_/https:/paperswithcode.com/sota/image-classification-on-imagenet"
    with open(archive, "rb") as fh:
        records = {r.rec_headers.get_header("WARC-Target-URI"): r.content_stream().read()
                   for r in ArchiveIterator(fh) if r.rec_type == "response"}
    assert records[PWC_CAPTURES[0]] == page.read_bytes()
    assert rows(db_path, "SELECT sha256, status FROM responses WHERE url = ?", [PWC_CAPTURES[0]]) == [
        (hashlib.sha256(page.read_bytes()).hexdigest(), 200)]


def _broken_mirror(mirror, tmp_path, rel, body):
    broken = tmp_path / "broken"
    shutil.copytree(mirror, broken)
    target = broken / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(body)
    return broken


@pytest.mark.parametrize("rel,body,error", [
    ("raw.githubusercontent.com/huggingface/pytorch-image-models/main/results/results-imagenet.csv",
     "<html><body>Rate limited</body></html>", "unexpected CSV header"),
    ("raw.githubusercontent.com/robots.txt", "User-agent: *\nDisallow: /\n", "robots.txt"),
])
def test_bad_source_fails_and_keeps_earlier_data(db_path, mirror, tmp_path, rel, body, error):
    crawl(db_path, ["timm"], TIMM_URLS, str(mirror))
    before = rows(db_path, "SELECT key, value FROM results ORDER BY key")
    if rel.endswith("robots.txt"):
        # robots.txt is kept for a day (crawler/robots.py): let that day pass.
        shutil.rmtree(archive_root(db_path) / "robots")
    [run] = crawl(db_path, ["timm"], TIMM_URLS, str(_broken_mirror(mirror, tmp_path, rel, body)))
    assert run.status == "failed"
    assert error in run.error and "\n" not in run.error
    assert rows(db_path, "SELECT key, value FROM results ORDER BY key") == before
    assert rows(db_path, "SELECT status, error FROM crawl_runs WHERE id = ?", [run.run_id]) == [("failed", run.error)]


def test_404_and_invalid_json_fail(db_path, mirror, tmp_path):
    [missing] = crawl(db_path, ["timm"], [TIMM + "results-sketch.csv"], str(mirror))
    assert missing.status == "failed" and "HTTP 404" in missing.error
    rel = "web.archive.org/web/20231214000000id_/https:/paperswithcode.com/sota/image-classification-on-imagenet"
    broken = _broken_mirror(mirror, tmp_path, rel,
                            '<html><script id="evaluation-table-data">[{"row_id": 1,</script></html>')
    [bad] = crawl(db_path, ["pwc"], PWC_CAPTURES[:1], str(broken))
    assert bad.status == "failed" and "invalid JSON" in bad.error
    assert rows(db_path, "SELECT count(*) FROM results") == [(0,)]


def test_unchanged_arxiv_window_is_settled_without_a_child(db_path, tmp_path):
    """The cursor's query is a URL never asked before, so no validator can answer it: the
    parent asks it once (paced on the crawls' shared arXiv clock), archives the bytes, and
    starts no crawl child when every paper in the window is stored at that version. A new
    version in the feed starts the child, which loads it."""
    feed = (FIXTURES / "arxiv" / "feed_window.xml").read_bytes()
    site = tmp_path / "site"
    (site / "export.arxiv.org" / "api").mkdir(parents=True)
    (site / "export.arxiv.org" / "api" / "query").write_bytes(feed)
    [first] = crawl(db_path, ["arxiv"], None, str(site))
    assert first.status == "ok" and rows(db_path, "SELECT count(*) FROM papers") == [(4,)]
    [second] = crawl(db_path, ["arxiv"], None, str(site))
    run_dir = archive_root(db_path) / "arxiv" / f"run-{second.run_id:06d}"
    assert (second.status, second.counts.inserted, second.counts.updated, second.unchanged) == ("ok", 0, 0, 1)
    assert not (run_dir / "crawler.log").exists()
    [(url, status, record, archive)] = rows(
        db_path, "SELECT r.url, r.status, r.warc_record_id, c.archive_path FROM responses r "
                 "JOIN crawl_runs c ON c.id = r.crawl_run WHERE r.crawl_run = ?", [second.run_id])
    assert "submittedDate" in url and status == 200 and record and archive   # the new bytes are kept
    assert (archive_root(db_path) / "pace" / "arxiv.org.clock").exists()
    (site / "export.arxiv.org" / "api" / "query").write_bytes(
        feed.replace(b"2205.01917v2", b"2205.01917v3").replace(b"Fixture", b"Revised fixture", 1))
    [third] = crawl(db_path, ["arxiv"], None, str(site))
    assert third.status == "ok" and (archive_root(db_path) / "arxiv" / f"run-{third.run_id:06d}" / "crawler.log").exists()
    assert rows(db_path, "SELECT version FROM papers WHERE id = '2205.01917'") == [(3,)]
