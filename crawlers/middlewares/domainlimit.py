"""Hold the per-domain concurrency limit across every source crawled in this process.

Each ``[[sources]]`` table gets its own Scrapy crawler, and each crawler counts its own requests
per domain, so two sources on one outlet (its RSS feed and its sitemap, or a national outlet's
regional feeds) would send twice ``CONCURRENT_REQUESTS_PER_DOMAIN`` at once. This middleware
keeps one semaphore per host name for the whole crawl process: a request waits for its host's
semaphore before it is handed to the downloader and gives it back when its response (or
failure) comes back. It sits last before the download handler (highest order number), so
nothing can answer a request between the two. ``PANTAU_SHARED_DOMAIN_LIMIT = False`` turns it off.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import DeferredSemaphore

_SEMAPHORES: dict[str, DeferredSemaphore] = {}  # host -> semaphore, shared by every crawler in the process


def semaphore(host: str, limit: int) -> DeferredSemaphore:
    sem = _SEMAPHORES.get(host)
    if sem is None:
        sem = _SEMAPHORES[host] = DeferredSemaphore(limit)
    return sem


class SharedDomainLimit:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        # Requests holding a slot, by identity: a request restored from a resume queue or copied
        # for a retry or redirect is a new object and waits for a slot of its own.
        self.holding: dict[int, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedDomainLimit:
        if not crawler.settings.getbool("PANTAU_SHARED_DOMAIN_LIMIT", True):
            raise NotConfigured("shared per-domain limit switched off")
        limit = crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
        if limit <= 0:
            raise NotConfigured("no per-domain limit")
        return cls(limit)

    async def process_request(self, request: Request) -> None:
        host = (urlsplit(request.url).hostname or "").lower()
        if not host or id(request) in self.holding:
            return None
        await maybe_deferred_to_future(semaphore(host, self.limit).acquire())
        self.holding[id(request)] = host
        return None

    def _release(self, request: Request) -> None:
        host = self.holding.pop(id(request), None)
        if host:
            _SEMAPHORES[host].release()

    def process_response(self, request: Request, response: Response) -> Response:
        self._release(request)
        return response

    def process_exception(self, request: Request, exception: Exception) -> Any:
        self._release(request)
        return None
