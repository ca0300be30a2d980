"""Every fault of bench/faults.py for real: a misbehaving loopback server and a real crawl, then
the faults of the machine (bench/env_faults.py: full disks, a read-only or vanished database,
a removed archive, readers and writers holding the database, two crawls, a failing source).

The server faults only test survival, so they are served from a small mirror built here (our
fixtures' timm file, PWC page and arXiv feed: the real formats, a fraction of the rows). Each
scenario is a test of its own, against a fault server of its own, through the run orchestrator
in this process (the crawl child is still a process of its own; the command line and its
one-line errors are what the machine faults test), so pytest-xdist spreads them over its
workers. The clean databases every scenario starts from are crawled once per test run.
"""
import shutil
from pathlib import Path

import pytest

from bench import env_faults, env_rig, faults
from conftest import FIXTURES
from run_once import once

SCENARIOS = faults.scenarios()
MACHINE = env_faults.scenarios(quick=True)


def _clean_rig(folder: Path) -> dict:
    """The small mirror, each source's clean database and the machine faults' version-A
    template, made once per test run (they are only read, or copied, after)."""
    mirror = folder / "small-mirror"
    shutil.copytree(FIXTURES / "mirror", mirror)
    feed = mirror / "export.arxiv.org" / "api" / "query"
    feed.parent.mkdir(parents=True)
    shutil.copy(FIXTURES / "arxiv" / "feed_window.xml", feed)
    server = faults.FaultServer(mirror)
    try:
        clean = faults.clean_databases(server, folder, {s.source for s in SCENARIOS}, faults.crawl_here)
        template = env_rig.make_template(server, folder)
    finally:
        server.close()
    return {"mirror": str(mirror), "clean": {k: str(v) for k, v in clean.items()}, "template": str(template)}


@pytest.fixture(scope="module")
def rig(tmp_path_factory) -> dict:
    return once(tmp_path_factory, "fault-rig", _clean_rig)


@pytest.fixture
def server(rig):
    """A fault server of the test's own: a hanging answer never outlives its scenario."""
    server = faults.FaultServer(Path(rig["mirror"]))
    try:
        yield server
    finally:
        server.close()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_fault_is_survived_with_nothing_lost(rig, server, tmp_path, scenario):
    clean = {k: Path(v) for k, v in rig["clean"].items()}
    outcome = faults.run_scenario(scenario, server, clean, tmp_path, faults.crawl_here)
    assert outcome.survived, outcome.detail
    assert outcome.rows_after >= outcome.rows_before
    assert (outcome.duplicates, outcome.integrity) == (0, "ok")


@pytest.mark.parametrize("name,scenario", MACHINE, ids=[name for name, _ in MACHINE])
def test_machine_fault_is_survived(rig, server, tmp_path, name, scenario):
    csv_a = (Path(rig["mirror"]) / faults.TIMM_CSV.split("://", 1)[1]).read_bytes()
    outcome = env_faults.run_one(scenario, server, tmp_path, csv_a, Path(rig["template"]))
    if outcome.outcome.startswith("skipped"):
        pytest.skip(outcome.outcome)
    assert outcome.survived, outcome.detail
    assert (outcome.duplicates, outcome.integrity) == (0, "ok")
