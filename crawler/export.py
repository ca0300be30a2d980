"""A page's items to JSON lines for the loader: Scrapy's `jsonlines` feed format, at a cost
per page rather than per item.

The spider yields all the items one response gave as one `PageItems` (crawler/spiders/
source.py): Scrapy's per-item machinery (an asyncio task, the spider middlewares, the
item-scraped signals) runs once per page, not 12,000 times for a timm results file. This
exporter writes each of them as its own line, the same bytes as Scrapy's
JsonLinesItemExporter: from the dataclass's own `__dict__` (fields in declaration order, as
itemadapter yields them; our items have no field serializers), without the exporter's
per-field adapter walk. Any other kind of item takes the base class's way.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from scrapy.exporters import JsonLinesItemExporter


@dataclass
class PageItems:
    """The items (ingest.items dataclasses) one response gave, in the order it gave them."""

    items: list = field(default_factory=list)


class ItemLines(JsonLinesItemExporter):
    """`FEED_EXPORTERS = {"jsonlines": "crawler.export.ItemLines"}` (crawler/settings.py)."""

    def export_item(self, item) -> None:
        if isinstance(item, PageItems):
            for one in item.items:
                self.export_item(one)
            return
        if not hasattr(item, "__dataclass_fields__") or self.fields_to_export is not None:
            return super().export_item(item)
        self.file.write((self.encoder.encode(item.__dict__) + "\n").encode(self.encoding))
