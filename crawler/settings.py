"""Scrapy settings for sota-tracker: polite by default (crawler/policy.py).

Loaded as the module `crawler.settings` (no scrapy.cfg needed), so the
installed package works from any working directory.
"""

from crawler import policy

BOT_NAME = "sota-tracker"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Every value of the HTTP policy comes from crawler/policy.py (defined once).
USER_AGENT = policy.USER_AGENT
ROBOTSTXT_OBEY = policy.OBEY_ROBOTS

CONCURRENT_REQUESTS = 4
CONCURRENT_REQUESTS_PER_DOMAIN = policy.CONCURRENCY_PER_HOST
DOWNLOAD_DELAY = policy.DELAY
DOWNLOAD_TIMEOUT = policy.READ_TIMEOUT
DOWNLOAD_MAXSIZE = policy.MAX_BYTES
DOWNLOAD_WARNSIZE = policy.WARN_BYTES

AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = policy.DELAY
AUTOTHROTTLE_MAX_DELAY = policy.BACKOFF_MAX
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

RETRY_ENABLED = True
RETRY_TIMES = policy.RETRIES
RETRY_HTTP_CODES = list(policy.RETRY_STATUSES)
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

# Scrapy components we never use, left out of its *_BASE settings by crawler.run.crawl_settings
# so that they are not even imported (Scrapy imports every listed class, a disabled one
# included, to normalise the list): the remote-control server (aiohttp's web server) and the
# cookies middleware (tldextract) cost each crawl child a tenth of its start-up.
UNUSED_COMPONENTS = {
    "EXTENSIONS_BASE": ("scrapy.extensions.remote_control.RemoteControl",),
    "DOWNLOADER_MIDDLEWARES_BASE": ("scrapy.downloadermiddlewares.cookies.CookiesMiddleware",),
}

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.CachedRobotsTxtMiddleware": 100,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    # Closest to the network: the replay rewrite must see the request last and
    # the response first; the archive records what came off the wire.
    "crawler.middlewares.ReplayMiddleware": 990,
    # Host floors (arXiv's 3 s) across processes: before the replay rewrite, after retries.
    "crawler.middlewares.PacingMiddleware": 970,
    "crawler.middlewares.ArchiveMiddleware": 980,
}

# Set per run by crawler.run: where items, the WARC archive and the summary go,
# and the loopback replay server's base URL (None in production).
SOTA_OUT_DIR = None
REPLAY_BASE_URL = None
ROBOTS_CACHE_DIR = None      # <archive root>/robots: robots.txt copies shared across runs
PACE_DIR = None              # <archive root>/pace: per-domain clocks of the policy's host floors

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
# The same JSON lines as Scrapy's own exporter writes, without its per-field walk (crawler/export.py).
FEED_EXPORTERS = {"jsonlines": "crawler.export.ItemLines"}
