"""The first screen, as a user sees it in Chromium at 1,400 px: the pages answer the question.

One browser for the module (test_browser's fixture), the session's replay server. Screenshots
of the key pages are kept as artefacts: under $SOTA_ARTEFACTS when set, else a pytest temp dir.
"""
from __future__ import annotations

import os
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from db.canned import canned_queries
from test_browser import browser  # noqa: F401  (the module's one browser)

WIDTH, HEIGHT = 1400, 900
MAX_ROW = 120          # px: a row taller than this hides the rows below it


@pytest.fixture(scope="module")
def server(replay_server):
    return replay_server


@pytest.fixture(scope="module")
def artefacts(tmp_path_factory) -> Path:
    where = os.environ.get("SOTA_ARTEFACTS")
    path = Path(where) if where else tmp_path_factory.mktemp("screens")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def page(browser):  # noqa: F811
    tab = browser.new_page()
    tab.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    yield tab
    tab.close()


def layout(page) -> dict:
    """What the table of the page looks like on screen."""
    return page.evaluate("""() => {
      const wrapper = document.querySelector('.table-wrapper');
      const heads = [...document.querySelectorAll('table.rows-and-columns thead th')]
        .filter(th => th.offsetParent !== null)
        .map(th => ({text: th.innerText.trim(), right: th.getBoundingClientRect().right}));
      const rows = [...document.querySelectorAll('table.rows-and-columns tbody tr')]
        .map(tr => tr.getBoundingClientRect()).map(r => ({top: r.top, height: r.height}));
      return {pageWidth: document.documentElement.scrollWidth,
              tableOverflow: wrapper ? wrapper.scrollWidth - wrapper.clientWidth : 0,
              heads, rows};
    }""")


def shoot(page, artefacts: Path, name: str) -> None:
    path = artefacts / f"{name}.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000


def test_leaderboard_answers_on_the_first_screen(page, server, artefacts):
    page.goto(f"{server}/sota/leaderboard", wait_until="networkidle")
    shoot(page, artefacts, "leaderboard")
    seen = layout(page)
    assert seen["pageWidth"] <= WIDTH and seen["tableOverflow"] <= 0, seen["pageWidth"]
    heads = [h["text"] for h in seen["heads"]]
    assert {"rank", "model", "reported", "measured", "setting", "extra_data", "params", "date",
            "sources", "flags"} <= set(heads), heads
    assert all(h["right"] <= WIDTH for h in seen["heads"]), seen["heads"]
    rows = seen["rows"]
    assert len(rows) >= 10 and all(r["height"] <= MAX_ROW for r in rows[:20]), rows[:20]
    assert rows[0]["top"] + rows[0]["height"] <= HEIGHT      # the best result without scrolling
    # the top rows show their setting and date as text
    cells = page.locator("table.rows-and-columns tbody tr").first
    top = {h: cells.locator(f"td.col-{h}").inner_text().strip() for h in ("model", "setting", "date", "params")}
    assert top["model"] and top["setting"] and re.fullmatch(r"\d{4}-\d\d-\d\d", top["date"]), top
    dates = page.locator("table.rows-and-columns tbody tr td.col-date").all_inner_texts()[:10]
    assert sum(bool(re.fullmatch(r"\d{4}-\d\d-\d\d", d.strip())) for d in dates) >= 7, dates


def test_evidence_is_one_click_away(page, server, artefacts):
    page.goto(f"{server}/sota/leaderboard", wait_until="networkidle")
    card = page.locator("table.rows-and-columns tbody tr td.col-result_id details").first
    quote = card.locator("blockquote")
    assert not quote.is_visible()
    card.locator("summary").click()
    assert quote.is_visible() and len(quote.inner_text()) > 20
    links = card.locator("a").evaluate_all("els => els.map(a => a.href)")
    assert any("/sota/results/" in href for href in links) and any(h.startswith("http") for h in links)
    shoot(page, artefacts, "leaderboard-evidence-open")


@pytest.mark.parametrize("name", [n for n in canned_queries() if n != "leaderboard"])
def test_every_canned_page_fits(page, server, artefacts, name):
    page.goto(f"{server}/sota/{name}", wait_until="networkidle")
    shoot(page, artefacts, name)
    seen = layout(page)
    assert seen["pageWidth"] <= WIDTH and seen["tableOverflow"] <= 0, (name, seen["pageWidth"])
    assert seen["rows"] and all(r["height"] <= MAX_ROW for r in seen["rows"][:20]), seen["rows"][:5]
    assert not [h for h in seen["heads"] if h["text"].startswith("atom_")]


def test_papers_show_no_raw_json(page, server, artefacts):
    page.goto(f"{server}/sota/papers", wait_until="networkidle")
    shoot(page, artefacts, "papers")
    texts = page.locator("table.rows-and-columns td.col-authors, table.rows-and-columns td.col-categories, "
                         "table.rows-and-columns td.col-links").all_inner_texts()
    assert len(texts) >= 30
    raw = [t for t in texts if re.search(r'[\[\]{}"]', t)]
    assert not raw, raw[:5]
    assert any(", " in t for t in texts)        # lists read as lists
    heights = page.evaluate("() => [...document.querySelectorAll('table.rows-and-columns tbody tr')]"
                            ".slice(0, 10).map(tr => tr.getBoundingClientRect().height)")
    assert max(heights) <= 4 * MAX_ROW, heights


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def _h1(body: str) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", body, re.S)
    return re.sub(r"<[^>]+>|\s+", " ", match.group(1)).strip() if match else ""


@pytest.mark.parametrize("path", ["/", "/sota"])
def test_every_link_opens_what_it_names(page, server, artefacts, path):
    """Each link of the home page and the database page answers 200, and a link named like a
    table, view or query opens that table, view or query (not another one of the same name)."""
    page.goto(server + path, wait_until="networkidle")
    shoot(page, artefacts, "home" if path == "/" else "sota")
    links = page.locator("a[href]").evaluate_all(
        "els => els.map(a => [a.getAttribute('href'), a.innerText.trim()])")
    titles = {name: q["title"] for name, q in canned_queries().items()}
    checked, seen = 0, set()
    for href, text in links:
        url = urllib.parse.urljoin(server + path, href)
        if not url.startswith(server) or "/-/static/" in url or (url, text) in seen:
            continue     # no network beyond loopback; Datasette's own assets; done already
        seen.add((url, text))
        # the same page without facets, counts or suggestions: what it is, faster
        quick = url + ("&" if "?" in url else "?") + "_nofacet=1&_nocount=1&_nosuggest=1&_size=5"
        status, body = _get(quick if "/-/" not in url and not url.endswith(".atom") else url)
        assert status == 200, (href, text, status)
        checked += 1
        target = urllib.parse.urlparse(url)
        name = target.path.rsplit("/", 1)[-1]
        if target.path.startswith("/sota/") and not target.path.endswith((".atom", ".json", ".csv")):
            heading = _h1(body)
            if name in titles:
                assert heading == titles[name], (href, text, heading)
                if target.query:   # a filtered leaderboard still has rows
                    assert "rows-and-columns" in body, (href, text)
            else:   # a table, or a view ("name (view)")
                assert heading in (name, f"{name} (view)"), (href, text, heading)
            if text == name or text in titles.values():   # named like the thing it opens
                assert text in (name, titles.get(name)), (href, text, heading)
    assert checked >= 20
