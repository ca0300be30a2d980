"""Metric ids: meaning, direction, unit and whether they rank (rules/metrics.toml)."""
from __future__ import annotations

from rules.files import load


def _metrics() -> dict:
    return load("metrics")["metrics"]


def names() -> list[str]:
    return list(_metrics())


def leaderboard_metrics() -> list[str]:
    """Metrics whose values can hold a record (not gains, drops or bounds)."""
    return [m for m, c in _metrics().items() if c.get("leaderboard")]


def higher_is_better(metric: str) -> bool:
    """Unknown metrics count as higher-is-better unless their id ends in _err."""
    conf = _metrics().get(metric)
    return bool(conf["higher_is_better"]) if conf else not metric.endswith("_err")


def is_percent(metric: str) -> bool:
    conf = _metrics().get(metric)
    return bool(conf and conf.get("unit") == "%")


def check_value(metric: str, value: float) -> float:
    """Percent metrics lie in 0..100 (a fraction is never silently rescaled here)."""
    return value_check(metric)(value)


def value_check(metric: str):
    """The check `check_value` applies to `metric`, as a function of the value (for loops that
    check many values of one metric: the rules are read once)."""
    bounded = is_percent(metric) and not metric.endswith(("_delta", "_drop"))

    def check(value: float) -> float:
        if bounded and not 0.0 <= value <= 100.0:
            raise ValueError(f"{metric} {value} outside 0..100")
        return value
    return check


def metric_table() -> list[dict]:
    """Rows for the database's rules table."""
    return [{"metric": m, "label": c.get("label"), "unit": c.get("unit"),
             "higher_is_better": int(bool(c["higher_is_better"])),
             "leaderboard": int(bool(c.get("leaderboard")))} for m, c in _metrics().items()]
