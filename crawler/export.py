"""Items to JSON lines for the loader: Scrapy's `jsonlines` feed format, cheaper per item.

Scrapy's JsonLinesItemExporter walks every field of every item through itemadapter (field
metadata, serializer look-ups): for our items, plain dataclasses with no field serializers,
that walk changes nothing and cost a timm crawl (25,000 items) over half its time. This
exporter writes the same bytes from the dataclass's own `__dict__` (fields in declaration
order, as the adapter yields them); any other kind of item takes the base class's way.
"""
from __future__ import annotations

from scrapy.exporters import JsonLinesItemExporter


class ItemLines(JsonLinesItemExporter):
    """`FEED_EXPORTERS = {"jsonlines": "crawler.export.ItemLines"}` (crawler/settings.py)."""

    def export_item(self, item) -> None:
        if not hasattr(item, "__dataclass_fields__") or self.fields_to_export is not None:
            return super().export_item(item)
        self.file.write((self.encoder.encode(item.__dict__) + "\n").encode(self.encoding))
