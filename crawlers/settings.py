"""Scrapy settings for Pantau's crawlers: polite by default, bounded everywhere.

These are the project layer (defaults < project < spider < command line). ``pantau crawl``
overrides the ``PANTAU_*`` values and the user agent from ``pantau.toml``; tests override the
timeouts and delays the same way, never by editing code.
"""

from __future__ import annotations

BOT_NAME = "pantau"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

# -- politeness -------------------------------------------------------------------------------------
USER_AGENT = "Pantau/0.1 (media monitoring for Indonesian regional governments; +https://github.com/pantau-id/pantau)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
PANTAU_SHARED_DOMAIN_LIMIT = True  # the per-domain limit counts every source's requests together
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

# -- robustness ---------------------------------------------------------------------------------------
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 8_000_000  # bytes; HttpCompressionMiddleware applies it after decompression too
DOWNLOAD_WARNSIZE = 4_000_000
REDIRECT_MAX_TIMES = 5
METAREFRESH_MAXDELAY = 0
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_GIVE_UP_LOG_LEVEL = "WARNING"  # a give-up is expected and counted in the CrawlRun, not a crash

# Retry-After is honoured up to this many seconds (longer waits are capped and counted).
PANTAU_RETRY_AFTER_MAX = 120.0
# Per-domain backoff after 403/429/5xx: the domain's delay doubles from BASE up to MAX seconds.
PANTAU_BACKOFF_BASE = 2.0
PANTAU_BACKOFF_MAX = 300.0
# Private, loopback and link-local destinations are refused unless allowed here (pantau.toml
# [crawl] allow_private_addresses) or listed as exempt networks (CIDR strings).
PANTAU_ALLOW_PRIVATE_ADDRESSES = False
PANTAU_PRIVATE_EXEMPT_NETWORKS: list[str] = []
# When set (CIDR strings), only hosts that are addresses in these networks are requested at all:
# the offline demo and the test suite keep every crawl on 127.0.0.1 with it.
PANTAU_ONLY_NETWORKS: list[str] = []
# The same check again where the connection resolves the name, so DNS rebinding cannot slip past it.
TWISTED_DNS_RESOLVER = "crawlers.middlewares.ssrf.GuardedResolver"

# -- what Pantau keeps ------------------------------------------------------------------------------------
PANTAU_STORE_URL = ""  # required: sqlite:///path.db or http://host:9200
PANTAU_SOURCE = ""  # JSON of one [[sources]] table; each crawler crawls one source
PANTAU_SINCE = ""  # ISO date: feed entries older than this are not fetched
PANTAU_DEFAULT_TZ = "WIB"  # zone for dates printed without one (national outlets print WIB)
PANTAU_MIN_BODY_CHARS = 200
PANTAU_STORE_BATCH = 50
PANTAU_NEAR_DUP_THRESHOLD = 0.5
PANTAU_NEAR_DUP_WINDOW_DAYS = 3
PANTAU_NEAR_DUP_MAX_DOCS = 20_000
PANTAU_WATCH_TERMS = "{}"  # JSON {code: [terms]} from [regions] watch_terms
PANTAU_SEARCH_REGIONS: list[str] = []  # region codes a search source queries when it names none
PANTAU_CONDITIONAL_GET = True  # If-None-Match / If-Modified-Since on feeds and sitemaps (crawlers.freshness)
# X, Meta Graph or YouTube Data API token of this crawler's source (set by crawlers.run, never in a file)
PANTAU_API_TOKEN = ""
PANTAU_RESULT_FILE = ""  # where the crawl's per-source CrawlRun JSON lines are appended

DOWNLOADER_MIDDLEWARES = {
    "crawlers.middlewares.ssrf.PrivateAddressGuard": 40,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawlers.middlewares.backoff.BackoffRetryMiddleware": 550,
    "crawlers.middlewares.token.ApiToken": 590,  # after retry on the way out, before it on the way back
    "crawlers.freshness.ConditionalGet": 560,
    "crawlers.middlewares.domainlimit.SharedDomainLimit": 1000,
}
SPIDER_MIDDLEWARES = {
    "crawlers.middlewares.accounting.ErrbackMiddleware": 50,
    "crawlers.middlewares.incremental.KnownArticleFilter": 60,
}
ITEM_PIPELINES = {
    "crawlers.pipelines.accounting.AccountingPipeline": 100,
    "crawlers.pipelines.extract.ExtractPipeline": 200,
    "crawlers.pipelines.dates.DatePipeline": 300,
    "crawlers.pipelines.canonical.CanonicalPipeline": 400,
    "crawlers.pipelines.language.LanguagePipeline": 500,
    "crawlers.pipelines.dedupe.ExactDedupePipeline": 600,
    "crawlers.pipelines.dedupe.NearDuplicatePipeline": 700,
    "crawlers.pipelines.regions.RegionPipeline": 800,
    "crawlers.pipelines.store.StorePipeline": 900,
}
EXTENSIONS = {
    "crawlers.stats.CrawlStatsExtension": 500,
}

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
