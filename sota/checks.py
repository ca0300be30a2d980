"""Checking what a user typed before anything runs: one line saying what is wrong, exit 2.

Known values come from what the database holds and what the rules files define
(rules/metrics.toml, rules/settings.toml), never from a list in code.
"""
from __future__ import annotations

from pathlib import Path

import click
from sqlite_utils import Database


class BadInput(click.ClickException):
    """A value the command cannot use: printed as one `Error: ...` line, exit status 2 (as
    click's own usage errors), no usage text, no traceback."""

    exit_code = 2


def one_of(kind: str, value: str | None, known) -> None:
    """Reject `value` unless it is in `known` (None = not given = fine)."""
    known = sorted(set(known))
    if value is not None and value not in known:
        raise BadInput(f"unknown {kind} {value!r} (known: {', '.join(known) or 'none yet'})")


def _distinct(db: Database, column: str) -> set[str]:
    return {r[0] for r in db.execute(f"SELECT DISTINCT {column} FROM results WHERE {column} IS NOT NULL")}


def known_datasets(db: Database) -> set[str]:
    return _distinct(db, "dataset")


def known_metrics(db: Database) -> set[str]:
    from rules import metrics

    return set(metrics.names()) | _distinct(db, "metric")


def known_settings() -> set[str]:
    """Settings and protocols of rules/settings.toml, and "all"."""
    from rules import settings

    return set(settings.names()) | set(settings.protocols()) | {settings.ALL}


def existing_db(path: Path) -> Path:
    """A read command's database must exist (reading never creates one)."""
    if not path.exists():
        raise click.ClickException(f"no database at {path}: run `sota init` and `sota crawl` first "
                                   "(or pass --db / set $SOTA_DB)")
    return path


def creatable_db(path: Path) -> Path:
    """A writing command creates the database file, never the directories above it."""
    if not path.exists() and not path.parent.is_dir():
        raise click.ClickException(f"no directory {path.parent}: create it first "
                                   "(sota creates only the database file)")
    return path
