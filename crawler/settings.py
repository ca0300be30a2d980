"""Scrapy settings for sota-tracker: polite by default.

Loaded as the module `crawler.settings` (no scrapy.cfg needed), so the
installed package works from any working directory.
"""

BOT_NAME = "sota-tracker"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = "sota-tracker/0.1 (+https://github.com/sota-tracker/sota-tracker; ImageNet SOTA research crawler)"
ROBOTSTXT_OBEY = True

CONCURRENT_REQUESTS = 4
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
DOWNLOAD_TIMEOUT = 60
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024   # a leaderboard page is well under this; bigger is an error
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024

AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# Scrapy's defaults less CannotResolveHostError: a host with no DNS answer (offline, a
# typo) will not appear in seconds, so fail fast and let the next scheduled run retry.
RETRY_EXCEPTIONS = [
    "scrapy.exceptions.DownloadConnectionRefusedError",
    "scrapy.exceptions.DownloadFailedError",
    "scrapy.exceptions.DownloadTimeoutError",
    "scrapy.exceptions.ResponseDataLossError",
    "twisted.internet.error.ConnectionDone",
    "twisted.internet.error.ConnectError",
    "twisted.internet.error.ConnectionLost",
    OSError,
    "scrapy.core.downloader.handlers.http11.TunnelError",
]

HTTPCACHE_ENABLED = False
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"

RETRY_BACKOFF_BASE = 1.0     # seconds; doubled per retry when no Retry-After is sent
RETRY_BACKOFF_MAX = 30.0
RETRY_AFTER_MAX = 120.0      # a longer Retry-After fails the run; the next schedule retries

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    # Closest to the network: the replay rewrite must see the request last and
    # the response first; the archive records what came off the wire.
    "crawler.middlewares.ReplayMiddleware": 990,
    "crawler.middlewares.ArchiveMiddleware": 980,
}
ITEM_PIPELINES = {
    "crawler.pipelines.ValidatePipeline": 100,
}

# Set per run by crawler.run: where items, the WARC archive and the summary go,
# and the loopback replay server's base URL (None in production).
SOTA_OUT_DIR = None
REPLAY_BASE_URL = None

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
