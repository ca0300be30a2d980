"""Faults of the connection and of the status line that do not clear, for real
(bench/faults.py): nothing listening, a server that hangs or drips, HTTP 500 and 404, a
redirect loop. Much of their time is waiting out timeouts and retries, which pytest-xdist
overlaps with other files."""
import pytest

from fault_rig import connection, rig, server, server_scenarios, survives  # noqa: F401 (fixtures)


@pytest.mark.parametrize("scenario", server_scenarios(connection))
def test_fault_is_survived_with_nothing_lost(rig, server, tmp_path, scenario):
    survives(rig, server, tmp_path, scenario)
