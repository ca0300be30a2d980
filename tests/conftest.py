"""Shared test fixtures: the recorded real data beside the checkout, temp databases."""
from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

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


def q(db, sql: str, params=()) -> list[tuple]:
    """Rows of `sql` on the database file `db`, from a short-lived connection of our own."""
    import sqlite3

    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
