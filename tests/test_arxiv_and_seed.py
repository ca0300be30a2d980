"""The arXiv source and the seed check (the user's own table) on the real replay data."""
import json

from conftest import q, shared_path, sota
from runs.crawl import archive_root


def test_default_crawl_reports_the_missing_mirror_as_a_failure(replay_crawl):
    db, first = replay_crawl.db, replay_crawl.first
    # pwc's 2025 captures are not in the mirror: it reads its pinned captures instead.
    assert first.returncode == 1 and "failed: pwcco" in first.stderr
    assert "pwc: ok" in first.stderr and "read 3 pinned capture(s)" in first.stderr
    # pwcco is not in the mirror at all: said once, in words, not as HTTP errors per URL.
    assert "pwcco: not in the replay mirror (HTTP 404 from https://paperswithcode.co/" in first.stderr
    assert first.stderr.count("HTTP 404") == 1
    assert dict(q(db, "SELECT source, status FROM crawl_runs WHERE id <= 5")) == {
        "timm": "ok", "pwc": "ok", "pwcco": "failed", "eff": "ok", "arxiv": "ok"}


def test_arxiv_papers_claims_and_cursor(replay_crawl, replay_copy):
    db = replay_crawl.db
    entries = shared_path("replay", "export.arxiv.org", "api", "query").read_bytes().count(b"<entry>")
    assert q(db, "SELECT count(*) FROM papers WHERE abstract IS NOT NULL") == [(entries,)]
    coca = q(db, "SELECT metric, value, setting FROM results WHERE source = 'arxiv' AND paper_id = '2205.01917' "
                 "AND dataset = 'imagenet-1k' ORDER BY value")
    assert coca == [("top1_acc", 86.3, "zero_shot"), ("top1_acc", 90.6, "linear_probe"), ("top1_acc", 91.0, "finetuned")]
    assert q(db, "SELECT count(*) FROM results WHERE source = 'arxiv' AND value = 90.4 AND paper_id = '2204.03645'") == [(1,)]
    assert q(db, "SELECT value, params FROM results WHERE source = 'arxiv' AND model = 'ConvNeXt V2-Huge'") == [(88.9, 650000000)]
    # Evidence is the exact span of the abstract.
    for evidence, start, end, abstract in q(db, "SELECT r.evidence, r.evidence_start, r.evidence_end, p.abstract "
                                                "FROM results r JOIN papers p ON p.id = r.paper_id WHERE r.source = 'arxiv'"):
        assert abstract[start:end] == evidence
    # Full-text search over title + abstract.
    assert ("2205.01917",) in q(db, "SELECT p.id FROM papers_fts f JOIN papers p ON p.rowid = f.rowid "
                                    "WHERE papers_fts MATCH 'captioners'")
    # The rerun asks arXiv only for what was submitted since the cursor, and writes nothing.
    again = sota("crawl", "arxiv", "--replay", shared_path("replay"), db=replay_copy)
    db = replay_copy
    assert again.returncode == 0, again.stderr
    [(cursor,)] = q(db, "SELECT newest_submitted FROM cursors WHERE source = 'arxiv'")
    [(url,)] = q(db, "SELECT url FROM responses WHERE crawl_run = (SELECT max(id) FROM crawl_runs) "
                     "AND url LIKE '%export.arxiv.org/api/query%'")
    assert "submittedDate" in url and cursor[:10].replace("-", "") in url
    assert q(db, "SELECT status, items_inserted, items_updated FROM crawl_runs ORDER BY id DESC LIMIT 1") == [("ok", 0, 0)]
    # Every paper of the window is stored at its version: the parent settled it, no crawl child.
    [(run_id,)] = q(db, "SELECT max(id) FROM crawl_runs")
    assert not (archive_root(db) / "arxiv" / f"run-{run_id:06d}" / "crawler.log").exists()


SEED = [  # (model, value, params, reported by)
    ("CoCa", 91.0, 2_100_000_000, {"pwc", "arxiv"}),
    ("Model soups (BASIC-L)", 90.98, 2_440_000_000, {"pwc"}),
    ("Model soups (ViT-G/14)", 90.94, 1_843_000_000, {"pwc"}),
    ("DaViT-Giant", 90.4, 1_437_000_000, {"pwc", "arxiv"}),
    ("ConvNeXt V2-Huge", 88.9, 650_000_000, {"arxiv", "timm"}),
]


def test_seed_check(replay_crawl):
    db = replay_crawl.db
    proc = sota("leaderboard", "--dataset", "imagenet-1k", "--metric", "top1_acc", "--as-of", "2025-11-30",
                "--format", "json", "--top", "50", db=db)
    rows = json.loads(proc.stdout)
    by_model = {r["model"]: r for r in rows}
    positions = [rows.index(by_model[m]) for m, *_ in SEED]
    assert positions == sorted(positions)
    for model, value, params, sources in SEED:
        row = by_model[model]
        assert (row["value"], row["params"]) == (value, params), model
        assert sources <= set(row["sources"]), model
        assert row["evidence"] and row["source_url"]
    assert [r["model"] for r in rows[:2]] == ["OmniVec", "BASIC-L (Lion)"]
    convnext = by_model["ConvNeXt V2-Huge"]
    assert (convnext["measured"], convnext["measured_resolution"]) == (88.86, 512)
    assert by_model["CoCa"]["confirmed"] is True      # the abstract claim is confirmed by PWC
    # 650M in the abstract vs 660.29M in timm: a conflict row shows both.
    assert q(db, "SELECT source_a, value_a, source_b, value_b FROM conflicts "
                 "WHERE field = 'params' AND model = 'ConvNeXt V2-Huge'") == [("arxiv", 650e6, "timm", 660290000.0)]


def test_progression_top5_error(replay_crawl):
    rows = json.loads(sota("progression", "--metric", "top5_err", "--format", "json", db=replay_crawl.db).stdout)
    values = [r["value"] for r in rows]
    assert values == sorted(values, reverse=True) and len(set(values)) == len(values)
    assert [(r["published"][:4], r["value"]) for r in rows if r["source"] == "eff"][:3] == [
        ("2010", 28.191), ("2011", 25.77), ("2012", 16.422)]
    assert rows[-1]["value"] == 2.251 and rows[-1]["published"].startswith("2017")
    assert 3.57 in values
    assert all(r["model"] != "Deep Image" for r in rows)   # withdrawn: kept, but no record


def test_extract_contract_and_malformed_line(tmp_path):
    lines = [json.dumps({"id": "x1", "title": "CoCa: Contrastive Captioners",
                         "abstract": "Our model achieves 91.0% top-1 accuracy on ImageNet with a fine-tuned encoder."}),
             '{"id": "broken", "abstract": ',
             json.dumps({"id": "x3", "abstract": "We study COCO detection and report 55.2 box AP."}),
             json.dumps({"id": "x4", "title": "T", "abstract": 42})]
    proc = sota("extract", stdin="\n".join(lines) + "\n")
    assert proc.returncode == 1
    assert "line 2" in proc.stderr and "line 4" in proc.stderr and "Traceback" not in proc.stderr
    claims = [json.loads(x) for x in proc.stdout.splitlines()]
    assert [(c["id"], c["metric"], c["value"], c["dataset"]) for c in claims] == [("x1", "top1_acc", 91.0, "imagenet-1k")]
    abstract = json.loads(lines[0])["abstract"]
    assert abstract[claims[0]["start"]:claims[0]["end"]] == claims[0]["evidence"]
