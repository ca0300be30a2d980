"""Item pipeline: validate, and turn what fails validation into a reject.

Nothing here writes to the database: the validated items go to the run's
JSON-lines feed, which ingest/ loads.
"""
from __future__ import annotations

from crawler.items import RejectItem, ResultItem
from rules.metrics import check_value as check_metric_value

REQUIRED = ("source", "key", "model", "dataset", "metric", "source_url", "fetched_at", "kind")


class ValidatePipeline:
    def process_item(self, item, spider=None):
        if not isinstance(item, ResultItem):
            return item
        try:
            for name in REQUIRED:
                if not getattr(item, name):
                    raise ValueError(f"missing {name}")
            if item.value is None:
                raise ValueError(f"no {item.metric} value")
            check_metric_value(item.metric, item.value)
            if item.kind not in ("measured", "reported"):
                raise ValueError(f"unknown kind {item.kind!r}")
        except ValueError as exc:
            return RejectItem(source=item.source, url=item.source_url,
                              raw=item.evidence, reason=str(exc))
        return item
