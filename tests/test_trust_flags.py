"""Flags a reader can act on (unconfirmed, implausible, withdrawn, superseded) and the change
log, on small databases built through the real load path (save_items, reconcile)."""
from __future__ import annotations

import json

import pytest

from conftest import q, sota
from db.connect import open_db, write_transaction
from db.queries import changes, leaderboard
from db.runs import start_run
from ingest.derived_flags import refresh_flags
from ingest.flags import raise_flags
from ingest.load import save_items
from ingest.reconcile import reconcile
from runs.prepare import prepare_db

PWC = "https://web.archive.org/web/20231214000000id_/https://paperswithcode.com/sota/image-classification-on-imagenet"


def item(source, key, model, value, published, paper=None, **extra):
    """A result item as a page object yields it (the fields the loader reads)."""
    return {"source": source, "key": key, "model": model, "dataset": "imagenet-1k",
            "metric": extra.pop("metric", "top1_acc"), "value": value,
            "raw_value": extra.pop("raw_value", f"{value}"), "source_url": extra.pop("source_url", PWC),
            "fetched_at": "2024-01-01T00:00:00+00:00", "evidence": f"row of {model}",
            "kind": extra.pop("kind", "reported"), "published": published, "paper": paper,
            "locator": extra.pop("locator", f"row {key}"), **extra}


def paper(pid, arxiv_id=None, version=None, has_code=None):
    return {"id": pid, "arxiv_id": arxiv_id, "title": f"Paper {pid}", "url": f"https://example.org/{pid}",
            "published": None, **({"version": version} if version else {}),
            **({"has_code": has_code} if has_code is not None else {})}


def record(ref):
    """The paper's own record (an arXiv entry): authoritative, unlike a result's reference."""
    return {"record": "paper", **ref}


def load(db_path, source, items):
    """One run of `source` loading `items`, then reconcile and the derived flags, as a crawl does."""
    prepare_db(db_path)
    db = open_db(db_path)
    run = start_run(db, source, None, None)
    with write_transaction(db):
        save_items(db, run, items)
        reconcile(db)
        refresh_flags(db, run)
        db.execute("UPDATE crawl_runs SET status = 'ok', finished = started WHERE id = ?", [run])
    db.close()
    return run


def active(db_path, flag):
    return {m: r for m, r in q(db_path, "SELECT r.model, f.reason FROM flags f JOIN results r ON r.id = f.result_id "
                                        "WHERE f.flag = ? AND f.cleared_at IS NULL", [flag])}


BOARD = [  # a frontier that grows by small steps, then a leap no one else states
    item("pwc", "pwc|a", "Alpha-L", 80.0, "2020-01-10", paper("pwc:alpha", has_code=1)),
    item("pwc", "pwc|b", "Beta-L", 80.6, "2021-03-02", paper("pwc:beta", has_code=1)),
    item("pwc", "pwc|c", "Gamma-H", 84.1, "2022-06-20", paper("pwc:gamma", has_code=0)),
    item("pwc", "pwc|d", "Delta-S", 79.0, "2022-07-01", paper("pwc:delta", has_code=0)),
    item("pwc", "pwc|w", "Omega", 85.0, "2022-08-01", paper("pwc:omega"), flags="withdrawn"),
]


def test_unconfirmed_and_implausible_with_reasons(db_path):
    run = load(db_path, "pwc", BOARD)
    unconfirmed = active(db_path, "unconfirmed")
    # Alpha and Beta have code; Omega is withdrawn (its own flag); Gamma and Delta have neither.
    assert set(unconfirmed) == {"Gamma-H", "Delta-S"}
    assert "only pwc states it" in unconfirmed["Gamma-H"]
    implausible = active(db_path, "implausible")
    # 84.1 beats the frontier of its date (80.6, Beta-L) by 3.5 > 1.0; Beta's +0.6 is no leap.
    assert set(implausible) == {"Gamma-H"}
    assert "(80.6, Beta-L, pwc, 2021-03-02) by 3.50 points" in implausible["Gamma-H"]
    assert active(db_path, "withdrawn") == {"Omega": "pwc marks this result withdrawn"}
    assert q(db_path, "SELECT DISTINCT run FROM flags") == [(run,)]
    # The leaderboard says so, row by row (the withdrawn row is left out).
    rows = {r["model"]: r for r in leaderboard(open_db(db_path), "imagenet-1k", "top1_acc", 10)}
    assert rows["Gamma-H"]["flags"] == ["implausible", "unconfirmed"] and rows["Beta-L"]["flags"] == []
    assert "Omega" not in rows
    # A second source stating the same number (at its printed precision) clears both flags.
    # (the same paper: PWC's row links to the arXiv paper of the same title)
    second = load(db_path, "arxiv", [item("arxiv", "arxiv|g", "Gamma-H", 84.10, "2022-06-20",
                                          {**paper("2206.00001", "2206.00001"), "title": "Paper pwc:gamma"},
                                          raw_value="84.10",
                                          source_url="https://arxiv.org/abs/2206.00001")])
    assert "Gamma-H" not in active(db_path, "unconfirmed") and active(db_path, "implausible") == {}
    assert q(db_path, "SELECT cleared_run FROM flags f JOIN results r ON r.id = f.result_id "
                      "WHERE r.source = 'pwc' AND r.model = 'Gamma-H'") == [(second,), (second,)]


def test_margin_is_a_rule(db_path, tmp_path, monkeypatch):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "metrics.toml").write_text("[implausible]\nmargin = 5.0\n")
    monkeypatch.setenv("SOTA_RULES", str(rules))
    load(db_path, "pwc", BOARD)
    assert active(db_path, "implausible") == {}      # 3.5 points is within a 5-point margin


def test_superseded_when_a_later_version_changes_the_number(db_path):
    v1 = paper("2301.00002", "2301.00002", version=1)
    claim = dict(source_url="https://arxiv.org/abs/2301.00002", raw_value="86.0")
    load(db_path, "arxiv", [record(v1), item("arxiv", "arxiv|x", "Zeta-G", 86.0, "2023-01-05", v1,
                                 locator="abstract of arXiv:2301.00002v1, characters 10-40", **claim),
                            item("arxiv", "arxiv|y", "Zeta-L", 84.0, "2023-01-05", v1, raw_value="84.0",
                                 source_url=claim["source_url"])])
    # A leaderboard copied version 1's number.
    load(db_path, "pwc", [item("pwc", "pwc|z", "Zeta-G", 86.0, "2023-01-05", paper("pwc:zeta"))])
    db = open_db(db_path)
    with write_transaction(db):
        db.execute("UPDATE papers SET title = 'Paper 2301.00002' WHERE id = 'pwc:zeta'")   # same paper
    db.close()
    assert active(db_path, "superseded") == {}
    # Version 2's abstract says 86.4 for Zeta-G and no longer states Zeta-L's number.
    v2 = paper("2301.00002", "2301.00002", version=2)
    run = load(db_path, "arxiv", [record(v2), item("arxiv", "arxiv|x", "Zeta-G", 86.4, "2023-01-05", v2, raw_value="86.4",
                                       source_url=claim["source_url"],
                                       locator="abstract of arXiv:2301.00002v2, characters 10-40")])
    superseded = active(db_path, "superseded")
    assert superseded == {
        "Zeta-G": "shows 86, what v1 of 2301.00002 said; v2 says 86.4 (arxiv)",
        "Zeta-L": "read from v1 of 2301.00002; v2 no longer states this number"}
    # The conflict says which version said what; the change log says what v2 changed.
    [conflict] = [dict(r) for r in open_db(db_path).query("SELECT * FROM conflicts WHERE field = 'value'")]
    assert conflict["note"] == ("arxiv (v2) says 86.4%, pwc says 86%: 0.4 apart, beyond the printed "
                                "precision (±0.05); pwc's 86% is what v1 said (v2 changed it)")
    [update] = [c for c in changes(open_db(db_path)) if c["change"] == "update"]
    assert (update["old_value"], update["new_value"], update["run"]) == (86.0, 86.4, run)
    assert update["why"] == "the value changed: v1 of the paper said 86.0, v2 says 86.4"


def test_change_log_derives_every_insert_update_and_flag(db_path):
    first = load(db_path, "pwc", BOARD)
    db = open_db(db_path)
    third = start_run(db, "pwc", None, None)
    with write_transaction(db):   # another run delists a row, as the daemon does
        [beta] = [r[0] for r in db.execute("SELECT id FROM results WHERE model = 'Beta-L'")]
        raise_flags(db, [beta], "delisted", third, "no longer listed by pwc")
    db.close()
    log = changes(open_db(db_path))
    kinds = sorted((c["change"], c["flag"] or "") for c in log)
    assert kinds == sorted([("insert", "")] * 5 + [("flag", "unconfirmed")] * 2 + [("flag", "implausible"),
                           ("flag", "withdrawn"), ("flag", "delisted")])
    assert all(c["run"] in (first, third) and c["at"] and c["source"] == "pwc" for c in log)
    assert [c["at"] for c in log] == sorted((c["at"] for c in log), reverse=True)
    [delisted] = [c for c in log if c["flag"] == "delisted"]
    assert (delisted["model"], delisted["why"], delisted["run"]) == ("Beta-L", "no longer listed by pwc", third)
    # The CLI: JSON with the named keys, --source and --since filters, CSV.
    out = sota("changes", "--format", "json", "--since", "2000-01-01", db=db_path)
    rows = json.loads(out.stdout)
    assert len(rows) == 10 and {"at", "change", "key", "model", "dataset", "metric", "old_value",
                                "new_value", "source", "run"} <= set(rows[0])
    assert changes(open_db(db_path), source="eff") == [] and changes(open_db(db_path), since="2999-01-01") == []
    csv_lines = sota("changes", "--format", "csv", "--source", "pwc", "--limit", "3", db=db_path).stdout.splitlines()
    assert csv_lines[0].startswith("at,change,flag,key,model") and len(csv_lines) == 4
