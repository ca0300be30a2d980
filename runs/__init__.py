"""Runs: one crawl (a child process fetching and parsing, bounded in time, then one load
transaction in this process) or one reprocess (the archive derived again, then the same load).
Above crawler and ingest, below the daemon and the CLI."""
