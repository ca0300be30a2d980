"""The schedule file: one entry per source, read safely (tomllib), turned into APScheduler triggers."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from crawler.sources import load_sources


@dataclass
class Entry:
    source: str
    cron: str | None = None
    interval_seconds: float | None = None
    jitter: int | None = None
    timeout: float = 1800
    misfire_grace_time: int = 3600
    urls: list[str] = field(default_factory=list)

    def trigger(self, interval_override: float | None = None):
        if interval_override:
            return IntervalTrigger(seconds=interval_override, timezone="UTC")
        if self.interval_seconds:
            return IntervalTrigger(seconds=self.interval_seconds, jitter=self.jitter, timezone="UTC")
        fields = self.cron.split()
        if len(fields) != 5:
            raise ValueError(f"cron needs five fields, got {self.cron!r}")
        minute, hour, day, month, day_of_week = fields
        return CronTrigger(minute=minute, hour=hour, day=day, month=month,
                           day_of_week=day_of_week, jitter=self.jitter, timezone="UTC")


class ScheduleError(ValueError):
    pass


def load_schedule(path: str | Path | None = None) -> list[Entry]:
    """Entries of the schedule file (the packaged one by default); ScheduleError says what is wrong."""
    if path is None:
        text = resources.files("schedules").joinpath("schedule.toml").read_text("utf-8")
        where = "schedules/schedule.toml"
    else:
        try:
            text = Path(path).read_text("utf-8")
        except OSError as exc:
            raise ScheduleError(f"cannot read schedule {path}: {exc.strerror}") from None
        where = str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScheduleError(f"{where}: {exc}") from None
    defaults = data.pop("defaults", {})
    known = load_sources()
    entries = []
    for name, conf in data.items():
        if name not in known:
            raise ScheduleError(f"{where}: unknown source [{name}]")
        merged = {**defaults, **conf}
        unknown = set(merged) - {"cron", "interval_seconds", "jitter", "timeout", "misfire_grace_time", "urls"}
        if unknown:
            raise ScheduleError(f"{where}: [{name}] has unknown keys {sorted(unknown)}")
        if bool(merged.get("cron")) == bool(merged.get("interval_seconds")):
            raise ScheduleError(f"{where}: [{name}] needs exactly one of cron, interval_seconds")
        entry = Entry(source=name, **merged)
        try:
            entry.trigger()
        except ValueError as exc:
            raise ScheduleError(f"{where}: [{name}] {exc}") from None
        entries.append(entry)
    return entries
