"""Faults of the body, for real (bench/faults.py): truncated, falsely gzipped, empty, of the
wrong kind, too big, CSV with its columns renamed, missing, reordered or extra, bad values
among good rows, a BOM, invalid UTF-8, JSON or XML that does not parse."""
import pytest

from bench import faults
from fault_rig import body, connection, retried, rig, server, server_scenarios, survives  # noqa: F401


def test_every_server_fault_is_tested_in_exactly_one_file():
    files = [[p.id for p in server_scenarios(which)] for which in (connection, retried, body)]
    assert sorted(sum(files, [])) == sorted(s.name for s in faults.scenarios())


@pytest.mark.parametrize("scenario", server_scenarios(body))
def test_fault_is_survived_with_nothing_lost(rig, server, tmp_path, scenario):
    survives(rig, server, tmp_path, scenario)
