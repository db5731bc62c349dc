"""Skip article links the store already holds, unless the feed or sitemap says they changed.

A morning crawl reads the same feeds as yesterday's; most links in them are already stored.
The spider marks article requests with ``meta["pantau_article"]`` and passes the feed's dates
(``pantau_published``, ``pantau_updated``); this middleware looks the links up in the store in one
batch per feed page and lets through only new links and links whose feed date is newer than the
stored copy's crawl time. ``--since`` drops entries the feed dates before that day.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response

from crawlers import dates, runstate, stats
from index.store import StoreError
from pantau import urls

log = logging.getLogger(__name__)
_BATCH = 200


class KnownArticleFilter:
    def __init__(self, crawler: Crawler, store_url: str, since: datetime | None) -> None:
        self.crawler = crawler
        self.store_url = store_url
        self.since = since

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> KnownArticleFilter:
        store_url = crawler.settings.get("PANTAU_STORE_URL", "")
        if not store_url:
            raise NotConfigured("PANTAU_STORE_URL is not set")
        since_text = crawler.settings.get("PANTAU_SINCE", "")
        since = dates.parse_machine(since_text) if since_text else None
        return cls(crawler, store_url, since)

    def _filter(self, batch: list[Any]) -> list[Any]:
        articles: dict[str, Request] = {}
        for obj in batch:
            if isinstance(obj, Request) and obj.meta.get("pantau_article"):
                try:
                    articles[obj.url] = obj
                except urls.InvalidURL:
                    continue
        ids: dict[str, str] = {}
        for url in articles:
            try:
                ids[url] = urls.article_id(urls.canonicalize(url))
            except urls.InvalidURL:
                continue
        try:
            known = runstate.get(self.store_url).store.get(list(set(ids.values()))) if ids else {}
        except StoreError as exc:
            # The store is down: fetch as if nothing were stored; the store pipeline keeps what it cannot write.
            log.warning("store unavailable for the incremental check, fetching all %d links: %s", len(ids), exc)
            known = {}
        now = datetime.now(UTC)
        out: list[Any] = []
        assert self.crawler.stats is not None
        for obj in batch:
            if not (isinstance(obj, Request) and obj.meta.get("pantau_article")):
                out.append(obj)
                continue
            published = _feed_date(obj.meta.get("pantau_published", ""), now)
            if self.since and published and published < self.since:
                stats.inc(self.crawler.stats, "skipped", "older_than_since")
                continue
            stored = known.get(ids.get(obj.url, ""))
            if stored is not None:
                changed = _feed_date(obj.meta.get("pantau_updated", ""), now) or None
                if changed is None or changed <= stored.crawled_at:
                    stats.inc(self.crawler.stats, "skipped", "already_stored")
                    continue
                stats.inc(self.crawler.stats, "refetch_changed")
            out.append(obj)
        return out

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterable[Any]:
        batch: list[Any] = []
        for obj in result:
            batch.append(obj)
            if len(batch) >= _BATCH:
                yield from self._filter(batch)
                batch = []
        yield from self._filter(batch)

    async def process_spider_output_async(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        batch: list[Any] = []
        async for obj in result:
            batch.append(obj)
            if len(batch) >= _BATCH:
                for o in self._filter(batch):
                    yield o
                batch = []
        for o in self._filter(batch):
            yield o


def _feed_date(text: str, now: datetime) -> datetime | None:
    return dates.parse(text, now=now) if text else None
