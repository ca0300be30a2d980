"""Fault injection: what the crawler and the daemon survive, with nothing lost.

Server faults: a misbehaving loopback server answers from a URL mirror (the real replay,
../shared/replay, here; tests/fault_rig.py builds a small mirror of its own) with one
injected fault per scenario. For each scenario:

1. a clean crawl commits the source's rows (the "before" count);
2. the faulty crawl runs through `sota crawl` (a real child process), bounded
   in time; a recoverable fault must end `ok` with exactly the clean rows, any
   other must end `failed` with a one-line reason, a non-zero exit code, and
   every committed row still there;
3. the fault is removed and the crawl rerun: exactly the clean rows again, no
   duplicate keys, `PRAGMA integrity_check` ok.

Faults of the machine (bench/env_faults.py, on the rig of bench/env_rig.py): a full disk
under the archive or the database, a read-only database, its folder or the archive removed
under a running daemon, a reader or a writer holding the database, two crawls at once, a
source that keeps failing, and a server that never answers with no --timeout (the default
budget; not in --quick).

    python -m bench.faults [--quick] [--only NAME ...]   # prints the table and a total line
"""
from __future__ import annotations

import argparse
import re
import shutil
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

from crawler.replay import mirror_file

ROOT = Path(__file__).resolve().parents[1]
SHARED_REPLAY = ROOT.parent / "shared" / "replay"
TIMM_CSV = "https://raw.githubusercontent.com/huggingface/pytorch-image-models/main/results/results-imagenet.csv"
PWC_PAGE = "https://web.archive.org/web/20231214000000id_/https://paperswithcode.com/sota/image-classification-on-imagenet"
CRAWL_TIMEOUT = 30          # the budget (--timeout) of a faulty crawl
HANG_TIMEOUT = 15           # ... of one that meets a server that never answers in full
WALL_LIMIT = 150            # seconds the whole `sota crawl` may take, timeouts and retries included


@dataclass
class Fault:
    """What the server does to requests whose path contains `target`."""

    kind: str                                   # status, hang, drip, slow, redirect_loop, truncate,
    target: str = ""                            # fake_gzip, body, transform, big
    status: int = 200
    headers: dict = field(default_factory=dict)
    times: int | None = None                    # misbehave this many times, then answer normally
    body: bytes | None = None
    transform: Callable[[bytes], bytes] | None = None


@dataclass
class Scenario:
    name: str
    source: str
    urls: list[str]
    fault: Fault | None                         # None: connection refused (nothing listens)
    recovers: bool = False                      # a careful client ends ok with the clean rows
    rejects_at_least: int = 0                   # bad rows that must reach `rejects`
    missing: int = 0                            # results those bad rows cost (exactly)
    reason: str = ""                            # text the one-line failure reason must contain
    min_spacing: float | None = None            # seconds between requests to the target
    min_requests: int = 0
    fresh: bool = False                         # start from an empty database (no rows to lose)
    budget: float | None = CRAWL_TIMEOUT        # --timeout of the faulty crawl (None: the default)


class FaultServer:
    """Serves the mirror, injecting `self.fault`; records (time, path) of every request."""

    def __init__(self, root: Path):
        self.root = root.resolve()
        self.fault: Fault | None = None
        self.bodies: dict[str, bytes] = {}      # request path -> body served instead of the mirror's
        self.requests: list[tuple[float, str]] = []
        self.stopping = threading.Event()
        self._hits = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                outer.requests.append((time.monotonic(), self.path))
                outer.answer(self)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.handle_error = lambda request, address: None   # clients that hang up: by design
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def set(self, fault: Fault | None) -> None:
        self.fault, self._hits, self.requests = fault, 0, []

    def close(self) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def hits(self, target: str) -> list[float]:
        return [t for t, path in self.requests if target in path]

    def answer(self, h: BaseHTTPRequestHandler) -> None:
        target = mirror_file(self.root, h.path)
        body = self.bodies.get(h.path.split("?", 1)[0]) or (target.read_bytes() if target else None)
        fault = self.fault
        if fault and fault.target in h.path and (fault.times is None or self._hits < fault.times):
            self._hits += 1
            if self.inject(h, fault, body):
                return
        if body is None:
            return self.send(h, 404, b"not in the mirror")
        self.send(h, 200, body)

    def send(self, h, status: int, body: bytes, headers: dict | None = None, length: int | None = None):
        h.send_response(status)
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(body) if length is None else length))
        h.end_headers()
        try:
            h.wfile.write(body)
        except OSError:
            pass

    def inject(self, h, fault: Fault, body: bytes | None) -> bool:
        """Misbehave; False means 'answer normally after all' (a transform that passes)."""
        body = body or b""
        kind = fault.kind
        if kind == "status":
            # "@in:N": an HTTP-date N seconds from this answer (Retry-After's date form).
            headers = {k: formatdate(time.time() + float(v[4:]), usegmt=True) if str(v).startswith("@in:") else v
                       for k, v in fault.headers.items()}
            self.send(h, fault.status, fault.body or b"", headers)
        elif kind == "hang":
            self.stopping.wait(WALL_LIMIT)
            h.close_connection = True
        elif kind == "drip":
            h.send_response(200)
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            for byte in body[:WALL_LIMIT]:
                if self.stopping.wait(1.0):
                    break
                try:
                    h.wfile.write(bytes([byte]))
                    h.wfile.flush()
                except OSError:
                    break
            h.close_connection = True
        elif kind == "slow":    # answers in full, after a pause
            if not self.stopping.wait(float(fault.headers.get("delay", 3))):
                self.send(h, 200, body)
            h.close_connection = True
        elif kind == "redirect_loop":
            self.send(h, 302, b"", {"Location": h.path})
        elif kind == "truncate":
            self.send(h, 200, body[: len(body) // 2], length=len(body))
            h.close_connection = True
        elif kind == "fake_gzip":
            self.send(h, 200, body, {"Content-Encoding": "gzip"})
        elif kind == "body":
            self.send(h, fault.status, fault.body, fault.headers)
        elif kind == "transform":
            self.send(h, 200, fault.transform(body), fault.headers)
        elif kind == "big":
            size = 50 * 1024 * 1024
            h.send_response(200)
            h.send_header("Content-Length", str(size))
            h.end_headers()
            chunk = b"x" * 65536
            try:
                for _ in range(size // len(chunk)):
                    h.wfile.write(chunk)
            except OSError:
                pass
            h.close_connection = True
        else:
            raise ValueError(kind)
        return True


def _csv(transform: Callable[[list[str]], list[str]]) -> Callable[[bytes], bytes]:
    def apply(body: bytes) -> bytes:
        lines = body.decode("utf-8").splitlines()
        return ("\n".join(transform(lines)) + "\n").encode("utf-8")
    return apply


def _swap_columns(lines: list[str]) -> list[str]:
    import csv
    import io

    rows = list(csv.reader(lines))
    order = [1, 0] + list(range(2, len(rows[0])))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([[r[i] for i in order] for r in rows])
    return out.getvalue().splitlines()


def _bad_values(lines: list[str]) -> list[str]:
    bad = ["101.000", "-3", "N/A", "—", "1e3"]
    out = list(lines)
    for i, value in enumerate(bad, start=1):
        cells = out[i].split(",")
        cells[2] = value          # the top1 column
        out[i] = ",".join(cells)
    return out


def _invalid_utf8(body: bytes) -> bytes:
    lines = body.split(b"\n")
    lines[3] = lines[3].replace(b"_", b"\xff\xfe", 1)
    return b"\n".join(lines)


HTML = b"<!DOCTYPE html><html><body><h1>Too many requests</h1></body></html>"
ERROR_FEED = (b'<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
              b'<title>arXiv Query: search_query=&amp;id_list=abc</title>'
              b'<id>http://arxiv.org/api/errors</id><updated>2026-04-12T00:00:00-04:00</updated>'
              b'<entry><id>http://arxiv.org/api/errors#incorrect_id_format_for_abc</id>'
              b'<title>Error</title><summary>incorrect id format for abc</summary>'
              b'<updated>2026-04-12T00:00:00-04:00</updated>'
              b'<link href="http://arxiv.org/api/errors#incorrect_id_format_for_abc" rel="alternate" type="text/html"/>'
              b'<author><name>arXiv api core</name></author></entry></feed>\n')


def _break_json(body: bytes) -> bytes:
    """The first table row's `"row_id": N,` with a second comma: invalid JSON."""
    return re.sub(rb'("row_id":\s*\d+),', rb"\1,,", body, count=1)


def scenarios() -> list[Scenario]:
    t, csvname = [TIMM_CSV], "results-imagenet.csv"
    return [
        Scenario("connection refused", "timm", t, None, reason="connection refused"),
        Scenario("hang past the timeout", "timm", t, Fault("hang", csvname), reason="no response from",
                 budget=HANG_TIMEOUT),
        Scenario("slow drip 1 byte/s", "timm", t, Fault("drip", csvname), reason="no response from",
                 budget=HANG_TIMEOUT),
        Scenario("HTTP 500", "timm", t, Fault("status", csvname, 500), reason="HTTP 500"),
        Scenario("503, Retry-After 1, clears after 2", "timm", t,
                 Fault("status", csvname, 503, {"Retry-After": "1"}, times=2),
                 recovers=True, min_spacing=0.95, min_requests=3),
        Scenario("429, Retry-After HTTP-date, clears after 2", "timm", t,
                 Fault("status", csvname, 429, {"Retry-After": "@in:2"}, times=2),
                 recovers=True, min_spacing=1.0, min_requests=3),
        Scenario("503 without Retry-After, clears after 2", "timm", t,
                 Fault("status", csvname, 503, times=2), recovers=True, min_spacing=0.95, min_requests=3),
        Scenario("429 without Retry-After, clears after 2", "timm", t,
                 Fault("status", csvname, 429, times=2), recovers=True, min_spacing=0.95, min_requests=3),
        Scenario("HTTP 404", "timm", t, Fault("status", csvname, 404), reason="HTTP 404"),
        Scenario("redirect loop", "timm", t, Fault("redirect_loop", csvname), reason="redirect loop"),
        Scenario("truncated body, wrong Content-Length", "timm", t, Fault("truncate", csvname),
                 reason="cut short"),
        # fresh: on a database that has the clean bytes, the identical body is recognised as
        # unchanged before decoding is attempted (a correct "ok"); empty, the decoder must run.
        Scenario("gzip declared, not gzip", "timm", t, Fault("fake_gzip", csvname), reason="gzip",
                 fresh=True),
        Scenario("empty 200", "timm", t, Fault("body", csvname, body=b""), reason="unexpected CSV header"),
        Scenario("HTML where CSV is expected", "timm", t, Fault("body", csvname, body=HTML),
                 reason="unexpected CSV header"),
        Scenario("CSV with a renamed column", "timm", t,
                 Fault("transform", csvname, transform=_csv(lambda ls: [ls[0].replace("top1,", "acc1,")] + ls[1:])),
                 reason="missing top1"),
        Scenario("CSV with a missing column", "timm", t,
                 Fault("transform", csvname, transform=_csv(
                     lambda ls: [",".join(c for i, c in enumerate(line.split(",")) if i != 4) for line in ls[:2]])),
                 reason="missing top5"),
        Scenario("CSV with reordered columns", "timm", t,
                 Fault("transform", csvname, transform=_csv(_swap_columns)), recovers=True),
        Scenario("CSV with an extra column", "timm", t,
                 Fault("transform", csvname, transform=_csv(lambda ls: [ls[0] + ",note"] + [x + ",ok" for x in ls[1:]])),
                 recovers=True),
        Scenario("bad values among good rows (101, -3, N/A, —, 1e3)", "timm", t,
                 Fault("transform", csvname, transform=_csv(_bad_values)), recovers=True, rejects_at_least=5, missing=5),
        Scenario("UTF-8 BOM and CRLF line ends", "timm", t,
                 Fault("transform", csvname, transform=lambda b: b"\xef\xbb\xbf" + b.replace(b"\n", b"\r\n")),
                 recovers=True),
        Scenario("invalid UTF-8 in a row", "timm", t, Fault("transform", csvname, transform=_invalid_utf8),
                 recovers=True, rejects_at_least=1, missing=2),
        Scenario("50 MB response (size cap)", "timm", t, Fault("big", csvname), reason="size cap"),
        Scenario("PWC page with invalid JSON", "pwc", [PWC_PAGE],
                 Fault("transform", "image-classification-on-imagenet", transform=_break_json),
                 reason="invalid JSON"),
        Scenario("Atom feed that is not XML", "arxiv", [],
                 Fault("body", "export.arxiv.org", body=b"this is not xml {"), reason="not an Atom feed"),
        Scenario("arXiv error feed (HTTP 400)", "arxiv", [],
                 Fault("body", "export.arxiv.org", status=400, body=ERROR_FEED), reason="arXiv API error"),
        Scenario("arXiv 503, Retry-After 1, clears after 2", "arxiv", [],
                 Fault("status", "export.arxiv.org", 503, {"Retry-After": "1"}, times=2),
                 recovers=True, min_spacing=3.0, min_requests=3),
    ]


@dataclass
class Outcome:
    scenario: str
    outcome: str
    rows_before: int
    rows_after: int
    duplicates: int
    integrity: str
    survived: bool
    detail: str


def rows(db: Path) -> dict[str, float]:
    conn = sqlite3.connect(db, timeout=30)
    try:
        return dict(conn.execute("SELECT key, value FROM results"))
    finally:
        conn.close()


def scalar(db: Path, sql: str):
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


# The fault server stands in for the real hosts: their real pacing floors (arXiv's 3 s), not
# replay's scaled ones (crawler/policy.py REPLAY_FLOOR_SCALE).
REAL_FLOORS = {"SOTA_REPLAY_FLOOR_SCALE": "1"}


def sota_crawl(db: Path, source: str, urls: list[str], replay: str,
               budget: float | None = CRAWL_TIMEOUT) -> tuple[int, str, float]:
    """(exit code, stderr, seconds) of `sota crawl` in a process of its own, as a user runs it."""
    cmd = [sys.executable, "-m", "sota", "crawl", source, "--db", str(db), "--replay", replay] + (
        ["--timeout", str(budget)] if budget else []) + sum((["--url", u] for u in urls), [])
    started = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=WALL_LIMIT, cwd=ROOT,
                          env={**os.environ, **REAL_FLOORS})
    return proc.returncode, proc.stderr, time.monotonic() - started


def crawl_here(db: Path, source: str, urls: list[str], replay: str,
               budget: float | None = CRAWL_TIMEOUT) -> tuple[int, str, float]:
    """The same as sota_crawl, the run orchestrator called in this process (the crawl child is
    still a process of its own): what `sota crawl` would exit with, and its run lines. Saves a
    Python start per crawl where the command line itself is not what is tested."""
    from runs.crawl import crawl

    started = time.monotonic()
    saved = {k: os.environ.get(k) for k in REAL_FLOORS}
    os.environ.update(REAL_FLOORS)   # the crawl child inherits it
    try:
        outcomes = crawl(db, [source], urls or None, replay, budget)
    finally:
        for k, v in saved.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    return (int(any(o.status != "ok" for o in outcomes)), "\n".join(o.line() for o in outcomes),
            time.monotonic() - started)


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def run_scenario(sc: Scenario, server: FaultServer, clean: dict[str, Path], work: Path,
                 crawl: Callable = sota_crawl) -> Outcome:
    db = work / "db.db"
    for old in work.glob("db*"):
        shutil.rmtree(old) if old.is_dir() else old.unlink()
    expected = rows(clean[sc.source])
    if not (sc.recovers or sc.fresh):  # a clean crawl commits the rows the fault must not lose
        shutil.copy(clean[sc.source], db)
    before = len(rows(db)) if db.exists() else 0
    fault = sc.fault
    server.set(fault)
    replay = closed_port_url() if fault is None else server.url
    code, stderr, seconds = crawl(db, sc.source, sc.urls, replay, sc.budget)
    reason = scalar(db, "SELECT coalesce(error, '') FROM crawl_runs ORDER BY id DESC LIMIT 1")
    status = scalar(db, "SELECT status FROM crawl_runs ORDER BY id DESC LIMIT 1")
    after_fault = rows(db)
    problems = []
    if "Traceback" in stderr:
        problems.append("traceback on stderr")
    if seconds > WALL_LIMIT - 5:
        problems.append(f"took {seconds:.0f}s")
    if sc.recovers:
        if status != "ok" or code != 0:
            problems.append(f"expected ok, got {status} ({reason})")
        kept = {k: v for k, v in after_fault.items() if expected.get(k) == v}
        if len(kept) != len(after_fault) or len(expected) - len(after_fault) != sc.missing:
            problems.append(f"{len(after_fault)} rows, want the clean crawl's {len(expected)} less {sc.missing}")
    else:
        if status != "failed" or code == 0:
            problems.append(f"expected failed + non-zero exit, got {status}/{code}")
        if sc.reason.lower() not in reason.lower() or "\n" in reason:
            problems.append(f"reason {reason!r} lacks {sc.reason!r}")
        if after_fault != (expected if before else {}):
            problems.append(f"rows changed by the fault: {before} -> {len(after_fault)}")
    rejects = scalar(db, "SELECT count(*) FROM rejects")
    if rejects < sc.rejects_at_least:
        problems.append(f"{rejects} rejects, want >= {sc.rejects_at_least}")
    if fault and sc.min_requests:
        hits = server.hits(fault.target)
        gaps = [b - a for a, b in zip(hits, hits[1:])]
        if len(hits) < sc.min_requests:
            problems.append(f"{len(hits)} requests, want >= {sc.min_requests}")
        elif min(gaps) < sc.min_spacing:
            problems.append(f"retried after {min(gaps):.2f}s < {sc.min_spacing}s")
    server.set(None)
    code2, stderr2, _ = crawl(db, sc.source, sc.urls, server.url)
    final = rows(db)
    if code2 != 0 or final != expected:
        problems.append(f"clean rerun: exit {code2}, {len(final)} rows vs {len(expected)}")
    dupes = scalar(db, "SELECT count(*) - count(DISTINCT key) FROM results")
    integrity = scalar(db, "PRAGMA integrity_check")
    if dupes or integrity != "ok":
        problems.append(f"duplicates {dupes}, integrity {integrity}")
    outcome = f"{status}" + (f": {reason[:60]}" if reason else "")
    return Outcome(sc.name, outcome, before, len(final), dupes, integrity, not problems, "; ".join(problems))


def clean_databases(server: FaultServer, work: Path, sources: set[str],
                    crawl: Callable = sota_crawl) -> dict[str, Path]:
    """One clean crawl per source, kept as a template for every scenario of that source."""
    out = {}
    server.set(None)
    for source in sorted(sources):
        db = work / f"clean-{source}.db"
        urls = {"timm": [TIMM_CSV], "pwc": [PWC_PAGE]}.get(source, [])
        code, stderr, _ = crawl(db, source, urls, server.url)
        if code != 0:
            raise RuntimeError(f"clean {source} crawl failed: {stderr.strip().splitlines()[-1:]}")
        out[source] = db
    return out


def run(only: list[str] | None = None, quick: bool = False, root: Path = SHARED_REPLAY) -> list[Outcome]:
    """Every server fault, then every fault of the machine (bench/env_faults.py), served from
    the mirror at `root`; `only`: scenarios whose name contains one of these words."""
    from bench import env_faults, env_rig

    if not root.is_dir():
        raise FileNotFoundError(f"{root} not found: the fault suite serves the real replay data")

    def wanted(name: str) -> bool:
        return not only or any(o.lower() in name.lower() for o in only)

    chosen = [s for s in scenarios() if wanted(s.name)]
    machine = [(name, fn) for name, fn in env_faults.scenarios(quick) if wanted(name)]
    server = FaultServer(root)
    work = Path(tempfile.mkdtemp(prefix="sota-faults-"))
    try:
        clean = clean_databases(server, work, {s.source for s in chosen})
        results = []
        for sc in chosen:
            scenario_dir = work / "run"
            scenario_dir.mkdir(exist_ok=True)
            results.append(run_scenario(sc, server, clean, scenario_dir))
        if machine:
            csv_a = mirror_file(root, "/" + TIMM_CSV.split("://", 1)[1]).read_bytes()
            template = env_rig.make_template(server, work)
        for i, (_, fn) in enumerate(machine):
            results.append(env_faults.run_one(fn, server, work / f"env-{i}", csv_a, template))
        return results
    finally:
        server.close()
        shutil.rmtree(work, ignore_errors=True)


def table(results: list[Outcome]) -> str:
    head = f"{'scenario':<52} {'outcome':<70} {'before':>7} {'after':>7} {'dupes':>5} {'integrity':<9}"
    lines = [head, "-" * len(head)]
    for r in results:
        mark = "" if r.survived else f"   <-- {r.detail}"
        lines.append(f"{r.scenario:<52} {r.outcome[:70]:<70} {r.rows_before:>7} {r.rows_after:>7} "
                     f"{r.duplicates:>5} {r.integrity:<9}{mark}")
    lost = sum(max(0, r.rows_before - r.rows_after) for r in results)
    lines.append(f"{len(results)} scenarios, {sum(r.survived for r in results)} survived, {lost} rows lost")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.faults")
    parser.add_argument("--only", nargs="*", help="run scenarios whose name contains one of these")
    parser.add_argument("--quick", action="store_true",
                        help="leave out the one slow scenario (a hang under the default budget, ~100 s)")
    args = parser.parse_args(argv)
    results = run(args.only, args.quick)
    print(table(results))
    return 0 if all(r.survived for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
