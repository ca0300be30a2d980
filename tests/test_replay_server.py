"""The loopback replay server: the mirror rule, and nothing outside its root."""
import os
import urllib.error
import urllib.request

import pytest

from crawler.replay import replay_url
from crawler.replay import ReplayServer, mirror_file


@pytest.fixture
def root(tmp_path):
    r = tmp_path / "mirror"
    (r / "export.arxiv.org/api").mkdir(parents=True)
    (r / "export.arxiv.org/api/query").write_text("any query")
    (r / "export.arxiv.org/api/query?id_list=1").write_text("this query")
    (r / "web.archive.org/web/2023id_/https:/example.com").mkdir(parents=True)
    (r / "web.archive.org/web/2023id_/https:/example.com/page").write_text("capture")
    (tmp_path / "secret.txt").write_text("outside")
    os.symlink(tmp_path / "secret.txt", r / "link.txt")
    return r


def test_mirror_rule(root):
    assert mirror_file(root, "/export.arxiv.org/api/query?id_list=1").read_text() == "this query"
    assert mirror_file(root, "/export.arxiv.org/api/query?search_query=x").read_text() == "any query"
    assert mirror_file(root, "/web.archive.org/web/2023id_/https://example.com/page").read_text() == "capture"
    assert mirror_file(root, "/nope") is None


@pytest.mark.parametrize("path", ["/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt",
                                  "//etc/passwd", "/link.txt", "/export.arxiv.org/../../secret.txt"])
def test_never_outside_root(root, path):
    assert mirror_file(root, path) is None


def test_replay_url_keeps_query():
    assert replay_url("http://127.0.0.1:9", "https://export.arxiv.org/api/query?a=1&b=2") == \
        "http://127.0.0.1:9/export.arxiv.org/api/query?a=1&b=2"
    assert replay_url("http://127.0.0.1:9/", "https://web.archive.org/web/2023id_/https://x.org/p") == \
        "http://127.0.0.1:9/web.archive.org/web/2023id_/https://x.org/p"


def test_server_answers_and_404s(root):
    with ReplayServer(root) as server:
        assert server.base_url.startswith("http://127.0.0.1:")
        body = urllib.request.urlopen(server.base_url + "/export.arxiv.org/api/query?id_list=1").read()
        assert body == b"this query"
        for bad in ("/missing", "/%2e%2e/secret.txt", "/link.txt"):
            with pytest.raises(urllib.error.HTTPError) as err:
                urllib.request.urlopen(server.base_url + bad)
            assert err.value.code == 404
            # The mirror says the miss is its own, so a run can say so once, in words.
            assert err.value.headers["X-Replay-Miss"] == "1"
