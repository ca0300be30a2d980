"""Faults of the machine, for real (bench/env_faults.py): full disks, a read-only or vanished
database, a removed archive, readers and writers holding the database, two crawls at once, a
source that keeps failing."""
from pathlib import Path

import pytest

from bench import env_faults, faults
from fault_rig import rig, server  # noqa: F401 (fixtures)

MACHINE = env_faults.scenarios(quick=True)


@pytest.mark.parametrize("name,scenario", MACHINE, ids=[name for name, _ in MACHINE])
def test_machine_fault_is_survived(rig, server, tmp_path, name, scenario):
    csv_a = (Path(rig["mirror"]) / faults.TIMM_CSV.split("://", 1)[1]).read_bytes()
    outcome = env_faults.run_one(scenario, server, tmp_path, csv_a, Path(rig["template"]))
    if outcome.outcome.startswith("skipped"):
        pytest.skip(outcome.outcome)
    assert outcome.survived, outcome.detail
    assert (outcome.duplicates, outcome.integrity) == (0, "ok")
