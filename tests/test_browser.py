"""The dashboards in a real headless Chromium (Debian's), driven by Playwright.

No browser is ever downloaded: Playwright drives the system's /usr/bin/chromium. Without
it (or without Playwright) the test skips with the reason, except under CI=true, where
it fails: .ci/run installs Debian's chromium.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from db.serve import dashboards

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (mandatory when CI=true: .ci/run installs Debian's chromium)")
    pytest.skip(reason)


def chromium_path() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        _unavailable("no chromium: `apt-get install chromium` to run the browser test")
    return path


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install '.[test]')")
    profile = tmp_path_factory.mktemp("chromium-profile")   # a fresh --user-data-dir
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=executable, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 1100})
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="module")
def server(replay_server):
    return replay_server


def open_dashboard(browser, base: str, slug: str):
    """Load a dashboard; return the page and what went wrong in it (console, requests)."""
    page = browser.new_page()
    problems = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} {r.failure}"))
    page.on("request", lambda r: problems.append(f"off-site request: {r.url}")
            if not r.url.startswith(base) and not r.url.startswith("data:") else None)
    response = page.goto(f"{base}/-/dashboards/{slug}", wait_until="load")
    assert response.ok, response.status
    return page, problems


def wait_for_charts(page, charts: dict) -> None:
    vega = [slug for slug, c in charts.items() if c.get("library") in ("vega", "vega-lite")]
    other = [slug for slug, c in charts.items() if c.get("library") in ("metric", "table")]
    selector = " && ".join(
        [f"document.querySelector('#chart-{s} .marks')" for s in vega]
        + [f"document.querySelector('#chart-{s}').children.length > 0" for s in other]) or "true"
    page.wait_for_function(f"() => Boolean({selector})", timeout=30_000)
    page.wait_for_load_state("networkidle")


def drawn(page, chart_slug: str, mark: str) -> int:
    """How many items of a Vega mark type (symbol, rect, line, rule, text) a view drew.

    SVG renderer: the items under the mark's group. Canvas renderer: its scenegraph is not
    in the DOM, so any painted pixel counts the view as drawn (returns the pixel count).
    """
    return page.evaluate("""([slug, mark]) => {
        const el = document.querySelector(`#chart-${slug} .marks`);
        if (el.tagName.toLowerCase() === 'svg')
            return el.querySelectorAll(`g.mark-${mark} > *`).length;
        const data = el.getContext('2d').getImageData(0, 0, el.width, el.height).data;
        let n = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
        return n;
    }""", [chart_slug, mark])


def test_imagenet_dashboard_renders(browser, server, tmp_path):
    config = dashboards()["imagenet-1k"]
    page, problems = open_dashboard(browser, server, "imagenet-1k")
    assert "setting=supervised" in page.url   # the default filter applied
    wait_for_charts(page, config["charts"])
    for slug in ("top1", "top5"):
        box = page.locator(f"#chart-{slug} .marks").bounding_box()
        assert box and box["width"] > 300 and box["height"] > 200, (slug, box)
    # every dated result a point, the record a step line, and the 5.1% human reference
    assert drawn(page, "top1", "symbol") > 500
    assert drawn(page, "top1", "line") >= 1
    assert drawn(page, "top5", "symbol") >= 10
    assert drawn(page, "top5", "rule") >= 1
    # the filters: setting choices come from the data, extra data is a fixed list
    options = page.locator("#setting option").all_inner_texts()
    assert {"supervised", "zero_shot", "linear_probe"} <= set(options)
    assert page.locator("#extra_data option").all_inner_texts()[1:] == ["yes", "no", "unknown"]
    shot = tmp_path / "imagenet-1k.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000
    assert not problems, problems
    # a filter changes the charts' SQL and they still render (top-5 error has no result
    # with extra_data = no: Vega warns of an empty chart's infinite extent, nothing else)
    page.select_option("#extra_data", "no")
    page.click("input[type=submit]")
    page.wait_for_url("**extra_data=no**")
    wait_for_charts(page, config["charts"])
    assert drawn(page, "top1", "symbol") > 100
    page.screenshot(path=str(tmp_path / "imagenet-1k-no-extra-data.png"), full_page=True)
    assert not [p for p in problems if "Infinite extent" not in p], problems
    page.close()


def test_database_dashboard_renders(browser, server, tmp_path):
    config = dashboards()["database"]
    page, problems = open_dashboard(browser, server, "database")
    wait_for_charts(page, config["charts"])
    assert drawn(page, "per-source", "rect") >= 4    # one bar per source with results
    assert drawn(page, "per-month", "rect") > 50
    assert int(page.locator("#chart-results-total p").inner_text()) > 20000
    assert int(page.locator("#chart-conflicts-total p").inner_text()) > 0
    health = page.locator("#chart-health table").inner_text()
    for source in ("timm", "pwc", "arxiv", "eff", "codesota"):
        assert source in health
    page.screenshot(path=str(tmp_path / "database.png"), full_page=True)
    assert not problems, problems
    page.close()
