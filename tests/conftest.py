"""Shared test fixtures: the recorded real data beside the checkout, temp databases."""
from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from run_once import once, start_early
from runs.processes import end_process

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = ROOT.parent / "shared"
PWC_SLUGS = ("image-classification-on-imagenet",
             "self-supervised-image-classification-on-imagenet",
             "zero-shot-transfer-image-classification-on-imagenet")
PWC_CAPTURES = [f"https://web.archive.org/web/20231214000000id_/https://paperswithcode.com/sota/{s}"
                for s in PWC_SLUGS]


def shared_path(*parts: str) -> Path:
    """A path under ../shared; fail under CI, skip elsewhere, when it is missing."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} missing: the real replay data is mandatory when CI=true")
        pytest.skip(f"{path} not present: real-data tests need ../shared beside the checkout")
    return path


@pytest.fixture
def replay_dir() -> Path:
    return shared_path("replay")


@pytest.fixture
def mirror() -> Path:
    """Our own small mirror of recorded formats (tests/fixtures/mirror)."""
    return FIXTURES / "mirror"


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "t.db"


def q(db, sql: str, params=(), commit: bool = False) -> list[tuple]:
    """Rows of `sql` on the database file `db`, from a short-lived connection of our own
    (`commit`: for a test that changes the database behind the product's back)."""
    conn = sqlite3.connect(db, timeout=30)
    try:
        rows = conn.execute(sql, params).fetchall()
        if commit:
            conn.commit()
        return rows
    finally:
        conn.close()


def wait_until(predicate, seconds: float, what: str, every: float = 0.2) -> None:
    """Poll `predicate` until it is true; a database or file not there yet (sqlite3's
    OperationalError, OSError) counts as not yet. AssertionError after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except (sqlite3.OperationalError, OSError):
            pass
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sota(*args, db=None, stdin=None, env=None, timeout=600) -> subprocess.CompletedProcess:
    """The installed CLI as a user runs it (`python -m sota ... [--db DB]`)."""
    cmd = [sys.executable, "-m", "sota", *map(str, args)] + (["--db", str(db)] if db else [])
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          input=stdin, env=env)


def pwc_capture_args() -> list[str]:
    return sum((["--url", u] for u in PWC_CAPTURES), [])


@dataclass
class ReplayCrawl:
    """The real replay data crawled once per test run, as the README does it."""

    db: Path
    first: subprocess.CompletedProcess     # `sota crawl --replay ../shared/replay`
    pwc: subprocess.CompletedProcess       # + the three 2023-12-14 PWC captures


def _crawl_replay(folder: Path) -> dict:
    """The README's two crawls of ../shared/replay into `folder`; a JSON-able record of them.
    An odd file name: Datasette must still serve it as `sota`."""
    replay, db = SHARED / "replay", folder / "odd-name.db"
    first = sota("crawl", "--replay", replay, db=db)
    pwc = sota("crawl", "pwc", "--replay", replay, *pwc_capture_args(), db=db)
    return {"db": str(db), **{name: [list(map(str, p.args)), p.returncode, p.stdout, p.stderr]
                              for name, p in (("first", first), ("pwc", pwc))}}


REPLAY_CRAWL = "replay-crawl"


@pytest.fixture(scope="session", autouse=True)
def _replay_crawl_early(request, tmp_path_factory):
    """Starts the session's replay crawl at the first test when any collected test needs it,
    so that it runs beside the tests that do not (they come first: pytest_collection_modifyitems)."""
    wanted = any("replay_crawl" in getattr(item, "fixturenames", ()) for item in request.session.items)
    thread = start_early(tmp_path_factory, REPLAY_CRAWL, _crawl_replay) \
        if wanted and (SHARED / "replay").is_dir() else None
    yield
    if thread:
        thread.join()   # never leave a crawl child behind the session


@pytest.fixture(scope="session")
def replay_crawl(tmp_path_factory) -> ReplayCrawl:
    """Shared by every test that only reads the crawled data, in every xdist worker: do not
    write to it (take `replay_copy` for that)."""
    shared_path("replay")
    made = once(tmp_path_factory, REPLAY_CRAWL, _crawl_replay)
    first, pwc = (subprocess.CompletedProcess(*made[k]) for k in ("first", "pwc"))
    assert pwc.returncode == 0, pwc.stderr
    return ReplayCrawl(Path(made["db"]), first, pwc)


def copy_db(src: Path, dst: Path) -> Path:
    """A consistent copy of a database file (SQLite's backup API); archive paths inside still
    point at the original run folders, which the copy only reads."""
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    return dst


@pytest.fixture
def replay_copy(replay_crawl, tmp_path) -> Path:
    """A private copy of the session's replay database, for tests that write."""
    return copy_db(replay_crawl.db, tmp_path / "replay-copy.db")


@contextmanager
def served(db: Path, *extra: str):
    """A real `sota serve` on a free port; yields its base URL."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "sota", "serve", "--port", str(port),
                             "--db", str(db), *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{base}/-/versions.json", timeout=5)
                break
            except (urllib.error.URLError, ConnectionError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"server did not start: {proc.stderr.read().decode()[-2000:]}")
                time.sleep(0.2)
        yield base
    finally:
        end_process(proc, grace=10)


@pytest.fixture(scope="session")
def replay_server(replay_crawl):
    """A real `sota serve` on the session's replay database, shared by the web tests."""
    with served(replay_crawl.db) as base:
        yield base


def parse_mirror(source: str, root: Path, urls: list[str] | None = None) -> tuple[list, list[str]]:
    """A source's page object run over the files of a URL mirror, following its Follows, as a
    crawl would but with no HTTP and no database: (items, one-line errors). Parsing tested at
    its seam; the crawl's HTTP side is the shared policy (test_faults_network, test_crawl_fixtures)."""
    from crawler.pages import Follow, Page, PageError, load_pages, run_page
    from crawler.replay import mirror_file
    from crawler.sources import get_source

    pages = load_pages(source, get_source(source))
    todo, seen, items, errors = list(pages.start_urls(urls)), set(), [], []
    while todo:
        url = todo.pop(0)
        if url in seen:
            continue
        seen.add(url)
        parts = url.split("://", 1)[1]
        path = mirror_file(root, "/" + parts)
        if path is None:
            other = pages.fallback(url)
            if other:
                todo.insert(0, other)
            elif not pages.missing_ok(url):
                errors.append(f"HTTP 404 from {url}")
            continue
        try:
            for out in run_page(pages, Page(url=url, body=path.read_bytes()), pages.derived_by()):
                if isinstance(out, Follow):
                    todo.append(out.url)
                else:
                    items.append(out)
        except PageError as exc:
            errors.append(f"{url}: {exc}")
    return items, errors + [e for e in pages.finish() if e not in errors]


# Files whose tests wait on processes for tens of seconds, longest first: started first, so
# that under pytest-xdist (one file per worker at a time) they overlap the many short tests
# instead of ending the run alone.
LONG_FIRST = ("test_crash_safety.py", "test_faults_network.py", "test_faults_machine.py", "test_faults_retry.py",
              "test_daemon.py", "test_faults_bodies.py")
# Files of the session's replay crawl, longest first: they come last (the crawl is built in
# the background meanwhile), and a long one must not be the run's tail.
REPLAY_LONG_FIRST = ("test_reprocess.py", "test_datasette_face.py", "test_first_screen.py", "test_cli_and_serve.py",
                     "test_provenance.py")


def pytest_collection_modifyitems(items):
    """Order only, never selection, and whole files (xdist runs a file on one worker): the
    long waits first, then the rest, then every file with a test of the session's replay
    crawl, each group in the order above, then as collected. The same order in every worker
    (xdist requires it)."""
    replay = {item.path.name for item in items if "replay_crawl" in getattr(item, "fixturenames", ())}

    def rank(item) -> tuple[int, int]:
        name = item.path.name
        if name in replay:
            return 2, REPLAY_LONG_FIRST.index(name) if name in REPLAY_LONG_FIRST else len(REPLAY_LONG_FIRST)
        if name in LONG_FIRST:
            return 0, LONG_FIRST.index(name)
        return 1, 0
    items.sort(key=rank)   # stable
