"""A loopback HTTP server answering from a URL mirror directory.

Mirror rule (../shared/replay/README.md): the URL `scheme://host/path?query`
is the file `DIR/host/path` with runs of `/` collapsed; when the URL has a
query and `DIR/host/path?query` exists, that file answers first. No file: 404.
The server never serves anything outside DIR (`..`, encoded dots, symlinks
that leave the root all 404).
"""
from __future__ import annotations

import hashlib
import mimetypes
import re
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from email.utils import formatdate
from urllib.parse import quote, unquote, urlsplit


# The mirror's 404 says it is the mirror's (not the site's) in this header, so a run can say
# "not in the replay mirror" once instead of reporting each URL as an HTTP error.
REPLAY_MISS = "X-Replay-Miss"
NOT_IN_MIRROR = "not in the replay mirror"


def replay_url(base: str, url: str) -> str:
    """Map a production URL onto the replay server: `<base>/<host><path>[?query]`."""
    parts = urlsplit(url)
    path = quote(f"{parts.netloc}{parts.path}", safe="/:@!$&'()*+,;=-._~")
    return f"{base.rstrip('/')}/{path}" + (f"?{parts.query}" if parts.query else "")



def mirror_file(root: Path, request_path: str) -> Path | None:
    """The file answering `request_path` (`/<host><path>[?query]`), or None."""
    parts = urlsplit(request_path)
    path = re.sub(r"/+", "/", unquote(parts.path)).lstrip("/")
    if not path or any(seg in ("..", ".") for seg in path.split("/")):
        return None
    candidates = [f"{path}?{unquote(parts.query)}"] if parts.query else []
    candidates.append(path)
    root = root.resolve()
    for rel in candidates:
        target = (root / rel).resolve()
        if target.is_file() and target.is_relative_to(root):
            return target
    return None


class _Handler(SimpleHTTPRequestHandler):
    root: Path

    def do_GET(self):
        self._answer(head=False)

    def do_HEAD(self):
        self._answer(head=True)

    def _answer(self, head: bool):
        target = mirror_file(self.root, self.path)
        if target is None:
            body = f"404 {NOT_IN_MIRROR}\n".encode()
            self.send_response(404, NOT_IN_MIRROR)
            self.send_header(REPLAY_MISS, "1")
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        body = target.read_bytes()
        # Validators like a real static host, so conditional requests can be tested.
        etag = '"%s"' % hashlib.sha256(body).hexdigest()[:32]
        modified = formatdate(target.stat().st_mtime, usegmt=True)
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", modified)
        kind = mimetypes.guess_type(target.name)[0]
        if kind is None:
            kind = "text/html; charset=utf-8" if body.lstrip()[:1] == b"<" else "application/octet-stream"
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def log_message(self, format, *args):  # quiet: the crawl logs what matters
        pass


class ReplayServer:
    """`with ReplayServer(dir) as server: server.base_url` — serves until the block ends."""

    def __init__(self, root: str | Path, host: str = "127.0.0.1", port: int = 0):
        root = Path(root)
        if not root.is_dir():
            raise FileNotFoundError(f"replay directory not found: {root}")
        handler = type("ReplayHandler", (_Handler,), {"root": root.resolve()})
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        # A short poll interval: shutdown() waits up to one interval, once per command.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> "ReplayServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
