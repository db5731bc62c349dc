"""Per-source crawl statistics: the counted reason for every page that did not become an article.

Every outcome lands in the crawler's stats under ``pantau/<kind>/<reason>``: ``errors`` (transient
or permanent failures: timeouts, 5xx after retries, 404, dropped connections, oversize bodies,
broken feeds), ``blocked`` (robots.txt, the private-address guard, 403), ``dropped`` (fetched but
not kept: no body, not Indonesian, binary), ``skipped`` (not fetched because the store already has
it), plus the totals ``fetched``, ``new``, ``updated`` and ``duplicate``. When the spider closes, the
totals become one :class:`index.store.CrawlRun` that is written to the store for ``pantau status``
and the Sumber page, and appended as a JSON line to ``PANTAU_RESULT_FILE`` for the caller.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Request
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.statscollectors import StatsCollector
from twisted.internet import error as txerror
from twisted.python.failure import Failure

from crawlers import runstate
from index.store import CrawlRun, StoreError

log = logging.getLogger(__name__)

PREFIX = "pantau/"
KINDS = ("errors", "blocked", "dropped", "skipped")
request_failed = object()  # signal: a request failed for good (sent by spiders' errback)


class Blocked(IgnoreRequest):
    """A request Pantau refused to send (private address); counted under ``blocked``."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


class Skipped(IgnoreRequest):
    """A request not needed (article already stored and unchanged); counted under ``skipped``."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


def inc(stats: StatsCollector, kind: str, reason: str = "", count: int = 1) -> None:
    key = f"{PREFIX}{kind}/{reason}" if reason else f"{PREFIX}{kind}"
    stats.inc_value(key, count)


def add_seconds(stats: StatsCollector, stage: str, seconds: float) -> None:
    """Sum time spent per stage under ``pantau/seconds/<stage>`` (float values)."""
    key = f"{PREFIX}seconds/{stage}"
    stats.set_value(key, float(stats.get_value(key, 0.0)) + seconds)


def classify(failure: Failure) -> tuple[str, str]:
    """Map a request's final failure to (kind, reason)."""
    exc = failure.value
    if isinstance(exc, HttpError):
        status = exc.response.status
        if status in (401, 403, 451):
            return "blocked", f"http_{status}"
        return "errors", f"http_{status}"
    if isinstance(exc, Blocked):
        return "blocked", exc.reason
    if isinstance(exc, Skipped):
        return "skipped", exc.reason
    if isinstance(exc, IgnoreRequest):
        text = str(exc).lower()
        if "robots.txt" in text:
            return "blocked", "robots_txt"
        if "max redirections" in text or "redirect" in text:
            return "errors", "redirect_loop"
        if "download_maxsize" in text or "max size" in text:
            return "errors", "too_large"
        return "errors", "ignored"
    if isinstance(exc, DownloadTimeoutError | txerror.TimeoutError | txerror.TCPTimedOutError):
        return "errors", "timeout"
    if isinstance(exc, DownloadCancelledError):
        return "errors", "too_large"
    if isinstance(exc, ResponseDataLossError | txerror.ConnectionLost | txerror.ConnectionDone):
        return "errors", "connection_dropped"
    if isinstance(exc, DownloadConnectionRefusedError | txerror.ConnectionRefusedError):
        return "errors", "connection_refused"
    if isinstance(exc, CannotResolveHostError | txerror.DNSLookupError):
        return ("blocked", "private_address") if _refused_at_connect(failure) else ("errors", "dns")
    if isinstance(exc, DownloadFailedError):
        return "errors", "download_failed"
    return "errors", type(exc).__name__.lower()


def _refused_at_connect(failure: Failure) -> bool:
    """A DNS failure that is the connection-time guard's refusal (Twisted reports it as "no results")."""
    from crawlers.middlewares.ssrf import refused_hosts

    request = getattr(failure, "request", None)
    host = urlsplit(request.url).hostname if isinstance(request, Request) else None
    return bool(host) and host in refused_hosts()


def crawl_run(source: str, stats: dict[str, Any], started: datetime, finished: datetime) -> CrawlRun:
    by_kind: dict[str, dict[str, int]] = {k: {} for k in KINDS}
    for key, value in stats.items():
        if not key.startswith(PREFIX):
            continue
        parts = key[len(PREFIX) :].split("/", 1)
        if len(parts) == 2 and parts[0] in by_kind:
            by_kind[parts[0]][parts[1]] = int(value)
    dropped = dict(by_kind["dropped"])
    # Articles not fetched because they are already stored show up as dropped "skipped_*" reasons,
    # so a source's page shows why its fetch count is lower than its feed size.
    for reason, n in by_kind["skipped"].items():
        dropped[f"skipped_{reason}"] = n
    return CrawlRun(
        source=source,
        started_at=started,
        finished_at=finished,
        fetched=int(stats.get(f"{PREFIX}fetched", 0)),
        new=int(stats.get(f"{PREFIX}new", 0)),
        updated=int(stats.get(f"{PREFIX}updated", 0)),
        duplicate=int(stats.get(f"{PREFIX}duplicate", 0)),
        dropped=dropped,
        errors=by_kind["errors"],
        blocked=sum(by_kind["blocked"].values()),
    )


class CrawlStatsExtension:
    """Counts final request failures and writes the source's CrawlRun when the spider closes."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.store_url = crawler.settings.get("PANTAU_STORE_URL", "")
        self.result_file = crawler.settings.get("PANTAU_RESULT_FILE", "")
        self.started = datetime.now(UTC)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlStatsExtension:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(ext.spider_error, signal=signals.spider_error)
        crawler.signals.connect(ext.failed, signal=request_failed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        self.started = datetime.now(UTC)

    def failed(self, failure: Failure, spider: Spider) -> None:
        kind, reason = classify(failure)
        assert self.stats is not None
        inc(self.stats, kind, reason)
        request = getattr(failure, "request", None)
        url = request.url if isinstance(request, Request) else "?"
        log.log(
            logging.DEBUG if kind == "skipped" else logging.INFO,
            "request %s kind=%s reason=%s url=%s",
            "skipped" if kind == "skipped" else "failed",
            kind,
            reason,
            url,
        )

    def request_dropped(self, request: Request, spider: Spider) -> None:
        assert self.stats is not None
        if request.meta.get("redirect_urls"):
            # A redirect back to a URL already requested: the scheduler's duplicate filter ends the loop.
            inc(self.stats, "errors", "redirect_loop")
        else:
            inc(self.stats, "duplicate_requests")

    def spider_error(self, failure: Failure, response: Any, spider: Spider) -> None:
        assert self.stats is not None
        inc(self.stats, "errors", f"callback_{type(failure.value).__name__.lower()}")

    def spider_closed(self, spider: Spider, reason: str) -> None:
        assert self.stats is not None
        source = str(getattr(spider, "source_name", spider.name))
        run = crawl_run(source, self.stats.get_stats(), self.started, datetime.now(UTC))
        if self.store_url:
            try:
                runstate.get(self.store_url).store.record_crawl(run)
            except StoreError as exc:
                log.warning("could not record crawl stats source=%s: %s", source, exc)
        if self.result_file:
            with open(self.result_file, "a", encoding="utf-8") as fh:
                fh.write(
                    json.dumps(
                        {
                            **run.to_dict(),
                            "finish_reason": reason,
                            "skipped": sum(v for k, v in run.dropped.items() if k.startswith("skipped_")),
                            "seconds": {
                                k[len(PREFIX) + 8 :]: round(float(v), 4)
                                for k, v in self.stats.get_stats().items()
                                if k.startswith(f"{PREFIX}seconds/")
                            },
                        }
                    )
                    + "\n"
                )
        log.info(
            "crawl source=%s reason=%s fetched=%d new=%d duplicate=%d dropped=%d errors=%d blocked=%d",
            source,
            reason,
            run.fetched,
            run.new,
            run.duplicate,
            sum(run.dropped.values()),
            sum(run.errors.values()),
            run.blocked,
        )
