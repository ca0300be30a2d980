"""Rules as data: the packaged rule files, an override directory, and a rules edit reaching
stored rows (`reprocess --stale`) and a running daemon (its next run), offline."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import ROOT, q, sota, wait_until
from rules import files, settings
from runs.crawl import crawl

TIMM = "https://raw.githubusercontent.com/huggingface/pytorch-image-models/main/results/"
TIMM_URLS = [TIMM + f for f in ("model_metadata-in1k.csv", "results-imagenet.csv", "results-imagenet-a.csv")]
DINO_CORPUS = '["Test DINO corpus"]\ntimm_tags = ["dino"]\n'


def test_override_extends_and_replaces(tmp_path, monkeypatch):
    monkeypatch.setenv("SOTA_RULES", str(tmp_path))
    before = files.fingerprint(("settings",))
    assert settings.protocol_of("zero_shot") == "zero_shot"
    (tmp_path / "settings.toml").write_text('[settings.zero_shot]\nprotocol = "supervised"\n')
    assert settings.protocol_of("zero_shot") == "supervised"          # extended, read afresh
    assert settings.protocol_of("linear_probe") == "linear_probe"     # the rest kept
    assert files.fingerprint(("settings",)) != before
    (tmp_path / "settings.toml").write_text('replace = true\nunstated = "x"\n[settings.only]\nprotocol = "y"\n')
    assert settings.names() == ["only"]                               # replaced
    origins = {(f.name, f.origin) for f in files.in_effect()}
    assert ("settings", "override") in origins and ("corpora", "packaged") in origins


def test_broken_rule_file_is_one_line(tmp_path):
    (tmp_path / "corpora.toml").write_text("this is = not [toml")
    proc = sota("--rules", tmp_path, "rules")
    assert proc.returncode == 0   # listing never parses
    env = {**os.environ, "SOTA_RULES": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", "from rules.corpora import names; names()"],
                          capture_output=True, text=True, env=env, cwd=ROOT)
    assert proc.returncode != 0 and "corpora.toml" in proc.stderr


def test_sota_rules_lists_files_with_hashes(tmp_path):
    (tmp_path / "aliases.toml").write_text('[aliases]\n"x" = "Y"\n')
    rows = json.loads(sota("--rules", tmp_path, "rules", "--format", "json").stdout)
    assert {r["rule"] for r in rows} == set(files.NAMES)
    override = [r for r in rows if r["origin"] == "override"]
    assert [r["rule"] for r in override] == ["aliases"] and len(override[0]["sha256"]) == 64


def test_corpus_override_changes_exactly_the_affected_rows_on_reprocess_stale(db_path, mirror, tmp_path):
    [run] = crawl(db_path, ["timm"], TIMM_URLS, str(mirror))
    assert run.status == "ok", run.error
    values = q(db_path, "SELECT key, model, value, extra_data_corpus FROM results ORDER BY key")
    rules = tmp_path / "rules"
    rules.mkdir()
    assert sota("reprocess", "--stale", db=db_path).stderr.count("nothing stale") == 1   # no rule changed
    (rules / "corpora.toml").write_text(DINO_CORPUS)
    proc = sota("--rules", rules, "reprocess", "--stale", db=db_path)
    assert proc.returncode == 0, proc.stderr
    changed = q(db_path, "SELECT r.model, h.extra_data_corpus, r.extra_data_corpus FROM results_history h "
                         "JOIN results r ON r.id = h.result_id ORDER BY r.key")
    assert changed == [("resmlp_24_224.fb_dino", None, "Test DINO corpus")] * 2   # its top-1 and top-5
    after = q(db_path, "SELECT key, model, value, extra_data_corpus FROM results ORDER BY key")
    assert [a for a, b in zip(after, values) if a != b] == [
        (k, m, v, "Test DINO corpus") for k, m, v, c in values if m == "resmlp_24_224.fb_dino"]
    # Every row now carries today's derivation; a second --stale finds nothing to do.
    assert len(set(q(db_path, "SELECT derived_by FROM results"))) == 1
    again = sota("--rules", rules, "reprocess", "--stale", db=db_path)
    assert "nothing stale" in again.stderr
    assert q(db_path, "SELECT count(*) FROM results_history") == [(2,)]


def test_running_daemon_uses_an_edited_rules_file_at_its_next_run(tmp_path, mirror):
    db, rules = tmp_path / "d.db", tmp_path / "rules"
    rules.mkdir()
    schedule = tmp_path / "s.toml"
    schedule.write_text("[timm]\ninterval_seconds = 3600\nurls = [%s]\n" % ", ".join(f'"{u}"' for u in TIMM_URLS))
    proc = subprocess.Popen([sys.executable, "-m", "sota", "--rules", str(rules), "daemon", "--interval", "2",
                             "--replay", str(mirror), "--schedule", str(schedule), "--db", str(db)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)

    try:
        name = "SELECT c.name FROM model_map m JOIN canonical_models c ON c.key = m.canonical_key " \
               "WHERE m.model = 'resnet50.a1_in1k'"
        wait_until(lambda: db.exists() and q(db, "SELECT count(*) FROM crawl_runs WHERE status = 'ok'") >= [(1,)], 60,
                   "a first run")
        assert q(db, name) != [("ResNet-50 (timm A1 recipe)",)]
        runs = q(db, "SELECT count(*) FROM crawl_runs")[0][0]
        (rules / "aliases.toml").write_text('[aliases]\n"resnet50.a1_in1k" = "ResNet-50 (timm A1 recipe)"\n')
        wait_until(lambda: q(db, "SELECT count(*) FROM crawl_runs WHERE status = 'ok'")[0][0] > runs, 60, "the next run")
        assert q(db, name) == [("ResNet-50 (timm A1 recipe)",)]
    finally:
        proc.terminate()
        proc.wait(timeout=20)
