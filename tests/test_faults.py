"""Every fault of bench/faults.py for real: a misbehaving loopback server and a real crawl, then
the faults of the machine (bench/env_faults.py: full disks, a read-only or vanished database,
a removed archive, readers and writers holding the database, two crawls, a failing source).

The server faults only test survival, so they are served from a small mirror built here (our
fixtures' timm file, PWC page and arXiv feed: the real formats, a fraction of the rows) and
run a few at a time, each against a fault server of its own, through the run
orchestrator in this process (the crawl child is still a process of its own; the command line
and its one-line errors are what the machine faults test).
"""
import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest

from bench import env_faults, env_rig, faults
from conftest import FIXTURES

SCENARIOS = faults.scenarios()
MACHINE = env_faults.scenarios(quick=True)
PARALLEL = 3


@pytest.fixture(scope="module")
def small_mirror(tmp_path_factory):
    root = tmp_path_factory.mktemp("small-mirror")
    shutil.copytree(FIXTURES / "mirror", root, dirs_exist_ok=True)
    feed = root / "export.arxiv.org" / "api" / "query"
    feed.parent.mkdir(parents=True)
    shutil.copy(FIXTURES / "arxiv" / "feed_window.xml", feed)
    return root


@pytest.fixture(scope="module")
def server_outcomes(tmp_path_factory, small_mirror):
    """Every server scenario's outcome, PARALLEL at a time."""
    work = tmp_path_factory.mktemp("faults")
    shared = faults.FaultServer(small_mirror)
    try:
        clean = faults.clean_databases(shared, work, {s.source for s in SCENARIOS}, faults.crawl_here)
    finally:
        shared.close()

    def one(index_scenario):
        index, scenario = index_scenario
        server = faults.FaultServer(small_mirror)
        run_dir = work / f"run-{index}"
        run_dir.mkdir()
        try:
            return faults.run_scenario(scenario, server, clean, run_dir, faults.crawl_here)
        finally:
            server.close()

    with ThreadPoolExecutor(PARALLEL) as pool:
        return dict(zip((s.name for s in SCENARIOS), pool.map(one, enumerate(SCENARIOS))))


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_fault_is_survived_with_nothing_lost(server_outcomes, scenario):
    outcome = server_outcomes[scenario.name]
    assert outcome.survived, outcome.detail
    assert outcome.rows_after >= outcome.rows_before
    assert (outcome.duplicates, outcome.integrity) == (0, "ok")


@pytest.fixture(scope="module")
def machine_rig(tmp_path_factory, small_mirror):
    server = faults.FaultServer(small_mirror)
    work = tmp_path_factory.mktemp("machine")
    try:
        yield server, env_rig.make_template(server, work)
    finally:
        server.close()


@pytest.mark.parametrize("name,scenario", MACHINE, ids=[name for name, _ in MACHINE])
def test_machine_fault_is_survived(machine_rig, small_mirror, tmp_path, name, scenario):
    server, template = machine_rig
    csv_a = (small_mirror / faults.TIMM_CSV.split("://", 1)[1]).read_bytes()
    outcome = env_faults.run_one(scenario, server, tmp_path, csv_a, template)
    if outcome.outcome.startswith("skipped"):
        pytest.skip(outcome.outcome)
    assert outcome.survived, outcome.detail
    assert (outcome.duplicates, outcome.integrity) == (0, "ok")
