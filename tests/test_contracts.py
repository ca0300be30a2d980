"""Scrapy contracts (`@url`, `@returns`, `@scrapes` on parse methods), run by `scrapy check`
against the real recorded responses through the replay middleware."""
import subprocess
import sys

from conftest import ROOT, shared_path
from crawler.replay import ReplayServer


def test_scrapy_check_passes_on_replay():
    with ReplayServer(shared_path("replay")) as server:
        proc = subprocess.run(
            [sys.executable, "-m", "scrapy", "check", "-s", f"REPLAY_BASE_URL={server.base_url}",
             "-s", "LOG_LEVEL=WARNING"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "OK" in proc.stderr
