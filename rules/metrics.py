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


def params_millions_below() -> float:
    """A parameter count written as a bare number below this is in millions ([params])."""
    return float(load("metrics")["params"]["millions_below"])


def params_relative_tolerance() -> float:
    """Parameter counts closer than this fraction of the larger one agree ([params])."""
    return float(load("metrics")["params"]["relative_tolerance"])


def implausible_margin(metric: str) -> float:
    """How far (in the metric's unit) a result may beat its protocol's frontier before it is
    flagged `implausible`: the metric's own `implausible_margin`, else [implausible] margin."""
    conf = _metrics().get(metric) or {}
    return float(conf.get("implausible_margin", load("metrics")["implausible"]["margin"]))


def metric_table() -> list[dict]:
    """Rows for the database's rules table."""
    return [{"metric": m, "label": c.get("label"), "unit": c.get("unit"),
             "higher_is_better": int(bool(c["higher_is_better"])),
             "leaderboard": int(bool(c.get("leaderboard"))),
             "implausible_margin": implausible_margin(m)} for m, c in _metrics().items()]
