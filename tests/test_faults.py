"""Every fault scenario of bench/faults.py, for real: a misbehaving loopback server, `sota crawl`."""
import pytest

from bench import faults
from conftest import shared_path

SCENARIOS = faults.scenarios()


@pytest.fixture(scope="module")
def rig(tmp_path_factory):
    shared_path("replay")  # fail under CI, skip elsewhere, when the real data is missing
    server = faults.FaultServer(faults.SHARED_REPLAY)
    work = tmp_path_factory.mktemp("faults")
    try:
        clean = faults.clean_databases(server, work, {s.source for s in SCENARIOS})
        yield server, clean, work
    finally:
        server.close()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_fault_is_survived_with_nothing_lost(rig, scenario):
    server, clean, work = rig
    run_dir = work / "run"
    run_dir.mkdir(exist_ok=True)
    outcome = faults.run_scenario(scenario, server, clean, run_dir)
    assert outcome.survived, outcome.detail
    assert outcome.rows_after >= outcome.rows_before
    assert (outcome.duplicates, outcome.integrity) == (0, "ok")
