"""`sota reprocess`: rows derived again from the archive, offline, through the normal load."""
from __future__ import annotations

import json

import os
import signal
import subprocess
import sys
import time

from conftest import ROOT, q, sota

OFFLINE = {**os.environ, **{k: "http://127.0.0.1:9" for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY")},
           "no_proxy": "", "NO_PROXY": ""}
FINGERPRINT = ("SELECT key, model, dataset, metric, value, setting, params, extra_data_corpus, evidence "
               "FROM results WHERE source = ? ORDER BY key")


def test_offline_reprocess_changes_nothing_then_restores_deleted_rows(replay_copy):
    db = replay_copy
    before = {s: q(db, FINGERPRINT, [s]) for s in ("timm", "arxiv", "pwc", "eff")}
    history = q(db, "SELECT count(*) FROM results_history")
    proc = sota("reprocess", db=db, env=OFFLINE)
    assert proc.returncode == 0, proc.stderr
    assert {s: q(db, FINGERPRINT, [s]) for s in before} == before
    assert q(db, "SELECT count(*) FROM results_history") == history
    assert q(db, "SELECT kind, count(*) FROM crawl_runs WHERE kind = 'reprocess' GROUP BY kind") == [("reprocess", 5)]
    for source in ("timm", "arxiv"):
        q(db, "DELETE FROM results WHERE source = ? AND id NOT IN (SELECT result_id FROM results_history)", [source],
          commit=True)
        assert sota("reprocess", source, db=db, env=OFFLINE).returncode == 0
        assert q(db, FINGERPRINT, [source]) == before[source], source
    # A second reprocess writes nothing but its own run records.
    tables = "SELECT (SELECT count(*) FROM results), (SELECT count(*) FROM results_history), (SELECT count(*) FROM flags)"
    counts, runs = q(db, tables), q(db, "SELECT max(id) FROM crawl_runs")[0][0]
    assert sota("reprocess", db=db, env=OFFLINE).returncode == 0
    assert q(db, tables) == counts
    assert q(db, "SELECT sum(items_inserted + items_updated) FROM crawl_runs WHERE id > ?", [runs]) == [(0,)]


def test_rows_no_longer_derived_are_flagged_and_rejects_settled(replay_copy):
    db = replay_copy
    [(url,)] = q(db, "SELECT DISTINCT archive_url FROM results WHERE source = 'eff' AND archive_url LIKE '%eff.json'")
    [(run,)] = q(db, "SELECT max(id) FROM crawl_runs WHERE source = 'eff'")
    # A row an older parser derived from that file, and a reject it made, that today's code does not.
    q(db, "INSERT INTO results (key, model, dataset, metric, value, source, source_url, archive_url, fetched_at, "
          "kind, crawl_run) VALUES ('eff|old-parser-row', 'Ghost', 'imagenet-1k', 'top5_err', 9.9, 'eff', ?, ?, "
          "'2020-01-01T00:00:00+00:00', 'reported', ?)", [url, url, run], commit=True)
    q(db, "INSERT INTO rejects (key, source, url, raw, reason, crawl_run, seen_at) VALUES "
          "('k-old', 'eff', ?, '{}', 'an old parser could not read this', ?, '2020-01-01')", [url, run], commit=True)
    assert sota("reprocess", "eff", db=db, env=OFFLINE).returncode == 0
    [(rid,)] = q(db, "SELECT id FROM results WHERE key = 'eff|old-parser-row'")   # kept, never deleted
    assert q(db, "SELECT flag, cleared_at FROM flags WHERE result_id = ?", [rid]) == [("underived", None)]
    board = json.loads(sota("leaderboard", "--metric", "top5_err", "--top", "1000", "--format", "json",
                            db=db).stdout)
    assert board and "Ghost" not in {r["model"] for r in board}
    [(resolved,)] = q(db, "SELECT resolved_run FROM rejects WHERE key = 'k-old'")
    assert resolved == q(db, "SELECT max(id) FROM crawl_runs")[0][0]


def test_sigkill_mid_reprocess_leaves_the_database_as_it_was(replay_copy):
    db = replay_copy
    q(db, "DELETE FROM results WHERE source = 'timm' AND dataset = 'imagenet-a'", commit=True)
    before = q(db, "SELECT count(*), sum(value) FROM results")
    proc = subprocess.Popen([sys.executable, "-m", "sota", "reprocess", "timm", "--db", str(db)], cwd=ROOT,
                            env=OFFLINE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while q(db, "SELECT count(*) FROM crawl_runs WHERE kind = 'reprocess'") == [(0,)]:
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    time.sleep(0.5)   # inside the derivation or the load
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert q(db, "PRAGMA integrity_check") == [("ok",)]
    after = q(db, "SELECT count(*), sum(value) FROM results")
    # Either nothing of the load (killed before its commit) or all of it: never part of it.
    assert after in (before, [(before[0][0] + 3112, after[0][1])])
