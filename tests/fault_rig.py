"""The rig every fault test runs on (test_faults_network, test_faults_bodies,
test_faults_machine): a small mirror built here (our fixtures' timm file, PWC page and arXiv
feed: the real formats, a fraction of the rows), each source's clean database and the machine
faults' version-A template, crawled once per test run however many workers share it; and a
fault server of each test's own, so that a hanging answer never outlives its scenario.

The scenarios only test survival, so a small mirror is enough. Each one runs through the
run orchestrator in the test's process (the crawl child is still a process of its own; the
command line and its one-line errors are what the machine faults test).
"""
import shutil
from pathlib import Path

import pytest

from bench import env_rig, faults
from conftest import FIXTURES
from run_once import once

SCENARIOS = faults.scenarios()


def _clean_rig(folder: Path) -> dict:
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
    server = faults.FaultServer(Path(rig["mirror"]))
    try:
        yield server
    finally:
        server.close()


CONNECTION = (None, "hang", "drip", "slow", "status", "redirect_loop")   # None: nothing listens


def kind(scenario) -> str | None:
    return scenario.fault.kind if scenario.fault else None


def retried(scenario) -> bool:
    """A status fault that clears: the crawl must wait (Retry-After, backoff) and end ok."""
    return kind(scenario) == "status" and scenario.recovers


def connection(scenario) -> bool:
    """A fault of the connection or the status line that does not clear."""
    return kind(scenario) in CONNECTION and not retried(scenario)


def body(scenario) -> bool:
    return kind(scenario) not in CONNECTION


def server_scenarios(which) -> list:
    """pytest params of the server faults `which(scenario)` picks."""
    return [pytest.param(s, id=s.name) for s in SCENARIOS if which(s)]


def survives(rig, server, tmp_path, scenario) -> None:
    """The scenario's faulty crawl, then its clean rerun: survived, nothing lost, no duplicate."""
    clean = {k: Path(v) for k, v in rig["clean"].items()}
    outcome = faults.run_scenario(scenario, server, clean, tmp_path, faults.crawl_here)
    assert outcome.survived, outcome.detail
    assert outcome.rows_after >= outcome.rows_before
    assert (outcome.duplicates, outcome.integrity) == (0, "ok")
