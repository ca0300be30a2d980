"""The schedule file: one entry per source, read safely (tomllib), turned into APScheduler triggers."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from importlib import resources
from pathlib import Path

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from crawler.sources import load_sources
from rules.files import RulesError, read_toml


@dataclass
class Entry:
    source: str
    cron: str | None = None
    interval_seconds: float | None = None
    jitter: int | None = None
    timeout: float | None = None        # the run's budget; None: the source's (crawler/sources.toml)
    misfire_grace_time: int = 3600
    urls: list[str] = field(default_factory=list)

    def period(self, interval_override: float | None = None) -> float:
        """Seconds between two scheduled runs (a cron entry: the next two fire times from now)."""
        if interval_override or self.interval_seconds:
            return float(interval_override or self.interval_seconds)
        trigger = CronTrigger.from_crontab(self.cron, timezone="UTC")
        first = trigger.get_next_fire_time(None, datetime.now(timezone.utc))
        second = trigger.get_next_fire_time(first, first + timedelta(seconds=1))
        return (second - first).total_seconds()

    def trigger(self, interval_override: float | None = None):
        if interval_override:
            return IntervalTrigger(seconds=interval_override, timezone="UTC")
        if self.interval_seconds:
            return IntervalTrigger(seconds=self.interval_seconds, jitter=self.jitter, timezone="UTC")
        trigger = CronTrigger.from_crontab(self.cron, timezone="UTC")
        trigger.jitter = self.jitter  # from_crontab takes no jitter; the attribute is the trigger's own
        return trigger


class ScheduleError(ValueError):
    pass


def load_schedule(path: str | Path | None = None) -> list[Entry]:
    """Entries of the schedule file (the packaged one by default); ScheduleError says what is wrong."""
    where = Path(path) if path else Path(str(resources.files("schedules").joinpath("schedule.toml")))
    try:
        data = dict(read_toml(where))
    except RulesError as exc:
        raise ScheduleError(str(exc)) from None
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
