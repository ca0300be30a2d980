"""The Scrapy project: one spider per source, yielding items for ingest/."""
