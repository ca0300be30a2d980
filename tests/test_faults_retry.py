"""Status faults that clear, for real (bench/faults.py): 503 and 429 with Retry-After in
seconds or as an HTTP date, without it (backoff), and arXiv's 503 under its 3 s floor. The
crawl must wait as told, never sooner, and end ok with exactly the clean rows."""
import pytest

from fault_rig import retried, rig, server, server_scenarios, survives  # noqa: F401 (fixtures)


@pytest.mark.parametrize("scenario", server_scenarios(retried))
def test_fault_is_survived_with_nothing_lost(rig, server, tmp_path, scenario):
    survives(rig, server, tmp_path, scenario)
