"""Smoke test of `python -m bench --quick`: the table's shape, on the cheap benchmarks.

Targets are not asserted (the bench reports them). CI runs the whole quick bench separately
(`.ci/run`: `python -m bench --quick --strict`, which fails when a row is missing or errored).
"""
from __future__ import annotations

import json
import re
import subprocess
import sys

from conftest import ROOT, shared_path

from bench.run import EXPECTED, HEADER, missing_rows

CHEAP = ("extraction",)   # seconds in --quick; the rest run in .ci/run (bench --quick --strict)


def number(cell: str) -> float:
    return float(cell.replace(",", ""))


def test_quick_bench_prints_every_row(tmp_path):
    shared_path("replay")
    shared_path("data", "timm")
    shared_path("data", "arxiv")
    out = tmp_path / "bench-out"
    proc = subprocess.run([sys.executable, "-m", "bench", "--quick", "--strict", "--out", str(out),
                           *sum((["--only", b] for b in CHEAP), [])], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    assert re.split(r"\s{2,}", lines[0].strip()) == list(HEADER)
    assert set(lines[1].replace(" ", "")) == {"-"}
    rows = {}
    for line in lines[2:]:
        if not line.strip():
            break
        cells = re.split(r"\s{2,}", line.strip())
        assert len(cells) == len(HEADER), line
        rows[cells[0]] = cells
    for labels in (EXPECTED[b] for b in CHEAP):
        for label in labels:
            found = [name for name in rows if name.startswith(label)]
            assert len(found) == 1, (label, list(rows), proc.stderr[-3000:])
    assert len(rows) == sum(len(EXPECTED[b]) for b in CHEAP)
    for name, (_, figure, baseline, ratio, target, verdict) in rows.items():
        number(figure)  # every row has its figure
        if baseline != "-":
            assert number(ratio) == number(ratio)  # and a ratio wherever there is a baseline
        assert verdict in (("PASS", "FAIL") if target != "-" else ("-",)), (name, target, verdict)
    summary = re.fullmatch(r"bench: (\d+)/(\d+) targets met .*", lines[-1])
    assert summary and int(summary[2]) == sum(1 for cells in rows.values() if cells[4] != "-")
    assert missing_rows([], ["query"]) == EXPECTED["query"]   # --strict would fail on these
    saved = json.loads((out / "results.json").read_text())
    assert saved["quick"] is True and len(saved["rows"]) == len(rows)
