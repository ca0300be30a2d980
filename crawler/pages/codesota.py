"""CodeSOTA's registry API (`/api/sota/<task>?tier=sota`): a task's dated SOTA pick and runners-up.

The response names the task's winning `benchmark`; `pick` and each of
`runners_up` carry `model_id` and `score` (runners-up may carry little else:
a missing field is unknown, and a runner-up without its own benchmark or
metric is read as ranked on the response's benchmark and the pick's metric).
Only ImageNet benchmarks (the registry's `datasets` table) give results;
their metric ids map through `metrics` (unknown → reject). `snapshot_id`
and `as_of` are kept in each result's evidence. A response that is not an
object with `task` and a `pick` object fails with a one-line reason; one that
is well-formed but about another benchmark yields nothing, and the run then
says why it produced no results.
"""
from __future__ import annotations

import json

from crawler.pages.base import Page, PageError, SourcePages
from ingest.items import ResultItem
from ingest.normalize import date_only, parse_number

ENTRY_KEEP = ("snapshot_id", "as_of", "task", "task_full_id", "benchmark", "benchmark_version", "tier")


class CodeSotaPages(SourcePages):
    def __init__(self, source: str, conf: dict):
        super().__init__(source, conf)
        self.produced = 0
        self.skipped: list[str] = []

    def parse(self, page: Page):
        """A task's SOTA response → one result per ImageNet entry (pick and runners-up)."""
        data = page.json()
        error = shape_error(data)
        if error:
            raise PageError(error)
        context = {k: data.get(k) for k in ENTRY_KEEP}
        task = data.get("task_full_id") or data["task"]
        pick = data["pick"]
        entries = [("pick", pick)] + [(f"runner_up_{i + 1}", e) for i, e in enumerate(data.get("runners_up") or [])]
        for rank, entry in entries:
            evidence = json.dumps({**context, "rank": rank, "entry": entry}, ensure_ascii=False, sort_keys=True)
            locator = f"{rank} (model_id {entry.get('model_id')})" if isinstance(entry, dict) else rank
            yield from self.record(page, evidence, locator,
                                   self.entry_items(page, data, pick, task, rank, entry, evidence))

    def entry_items(self, page: Page, data: dict, pick: dict, task: str, rank: str, entry, evidence: str):
        if not isinstance(entry, dict) or not entry.get("model_id"):
            yield self.reject(page, evidence, f"{rank} without a model_id")
            return
        benchmark = benchmark_id(entry) or benchmark_id(pick) or str(data.get("benchmark") or "")
        dataset = self.conf["datasets"].get(benchmark.strip().lower())
        if dataset is None:
            self.skipped.append(f"{task} {rank} is on benchmark {benchmark or '(none)'!r}")
            return
        metric_name = metric_id(entry, benchmark) or metric_id(pick, benchmark)
        metric = self.conf["metrics"].get((metric_name or "").strip().lower())
        if metric is None:
            yield self.reject(page, evidence, f"unknown metric {metric_name!r} on {benchmark}")
            return
        higher = entry.get("higher_is_better", pick.get("higher_is_better"))
        if higher is False and metric.endswith("_acc"):
            yield self.reject(page, evidence, f"{metric_name} marked lower-is-better")
            return
        raw = entry.get("score")
        try:
            value = parse_number(raw)
        except ValueError as exc:
            yield self.reject(page, evidence, f"score: {exc}")
            return
        published = date_only(entry.get("result_date")) or (
            date_only(data.get("as_of")) if rank == "pick" else None)
        key = f"codesota|{task}|{benchmark}|{metric}|{entry['model_id']}"
        if not self.first_time(key):
            yield self.reject(page, evidence, f"{entry['model_id']} listed twice")
            return
        self.produced += 1
        yield ResultItem(
            source=self.source, key=key,
            model=str(entry.get("model_name") or entry["model_id"]).strip(), dataset=dataset,
            metric=metric, value=value, raw_value=str(raw), source_url=page.url,
            fetched_at=page.fetched_at, evidence=evidence, kind="reported", published=published,
            locator=f"{rank} (model_id {entry['model_id']})",
        )

    def finish(self) -> list[str]:
        if not self.produced and self.skipped and not self.errors:
            self.errors.append("no ImageNet results: " + "; ".join(self.skipped[:3])
                               + (f" (+{len(self.skipped) - 3} more)" if len(self.skipped) > 3 else ""))
        return self.errors


def shape_error(data) -> str | None:
    """Why `data` is not a documented `/api/sota/<task>` response (None when it is)."""
    if not isinstance(data, dict):
        return f"response is a JSON {type(data).__name__}, not an object"
    if "task" not in data:
        return f"no 'task' in the response (keys: {', '.join(sorted(data)[:8])})"
    if not isinstance(data.get("pick"), dict):
        return f"'pick' is {type(data.get('pick')).__name__}, not an object"
    if not isinstance(data.get("runners_up", []), (list, type(None))):
        return f"'runners_up' is a {type(data['runners_up']).__name__}, not a list"
    return None


def benchmark_id(entry) -> str | None:
    bench = entry.get("benchmark") if isinstance(entry, dict) else None
    if isinstance(bench, dict):
        return str(bench.get("id") or "") or None
    return str(bench) if bench else None


def metric_id(entry: dict, benchmark: str) -> str | None:
    """`metric_id`, else `score_metric` ("<benchmark>_<metric>") without its benchmark prefix."""
    if entry.get("metric_id"):
        return str(entry["metric_id"])
    score_metric = str(entry.get("score_metric") or "")
    for prefix in (f"{benchmark}_", f"{benchmark.replace('-', '_')}_"):
        if prefix != "_" and score_metric.startswith(prefix):
            return score_metric[len(prefix):]
    return None
