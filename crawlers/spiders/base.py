"""What every Pantau spider shares: reading its source from settings and yielding article pages.

A spider is configured by one ``[[sources]]`` table (passed as JSON in ``PANTAU_SOURCE`` or the
``source`` spider argument). It turns feed, sitemap or listing entries into article requests and
each fetched article page into a :class:`crawlers.items.PageItem`. Everything else — extraction,
dates, dedupe, tagging, writing — happens in the item pipelines.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from crawlers import stats
from crawlers.items import FeedEntry, PageItem


class NewsSpider(Spider):
    source_name: str
    source_type: str
    url: str
    link_pattern: str
    max_pages: int
    regions: list[str]

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider: NewsSpider = super().from_crawler(crawler, *args, **kwargs)
        raw = kwargs.get("source") or crawler.settings.get("PANTAU_SOURCE", "")
        config: dict[str, Any] = json.loads(raw) if isinstance(raw, str) and raw else dict(raw or {})
        if not config.get("url"):
            raise ValueError(f"spider {cls.name!r} needs a source with a url (PANTAU_SOURCE or -a source=JSON)")
        spider.source_name = str(config.get("name") or cls.name)
        spider.source_type = str(config.get("source_type") or "news")
        spider.url = str(config["url"])
        spider.link_pattern = str(config.get("link_pattern") or "")
        spider.max_pages = int(config.get("max_pages") or 3)
        spider.regions = [str(c) for c in config.get("regions") or []]
        return spider

    async def start(self) -> AsyncIterator[Any]:
        for request in self.start_requests_for_source():
            yield request

    def start_requests_for_source(self) -> Iterator[Request]:
        raise NotImplementedError

    def failed(self, failure: Failure) -> None:
        """Errback of every request: hand the final failure to the stats extension to be counted."""
        self.crawler.signals.send_catch_log(signal=stats.request_failed, failure=failure, spider=self)

    def article_request(self, entry: FeedEntry) -> Request:
        return Request(
            entry.url,
            callback=self.parse_article,
            meta={
                "pantau_article": True,
                "pantau_entry": dataclasses.asdict(entry),
                "pantau_published": entry.published,
                "pantau_updated": entry.updated,
            },
        )

    def parse_article(self, response: Response) -> Iterator[Any]:
        entry = FeedEntry(**response.meta["pantau_entry"]) if response.meta.get("pantau_entry") else None
        assert response.request is not None
        head = response.body[:4096].lower()
        if (b"<html amp" in head or "<html ⚡".encode() in head) and hasattr(response, "xpath"):
            canonical = response.xpath("//link[@rel='canonical']/@href").get()
            if canonical:
                target = response.urljoin(canonical.strip())
                if target != response.url:
                    # An AMP copy: read the canonical page instead (the AMP URL stays out of the store).
                    meta = {k: v for k, v in response.meta.items() if k.startswith("pantau_")}
                    yield response.request.replace(url=target, meta={**meta, "pantau_from_amp": response.url})
                    return
        first = (response.meta.get("redirect_urls") or [response.request.url])[0]
        yield PageItem(
            source=self.source_name,
            source_type=self.source_type,
            url=response.meta.get("pantau_from_amp") or first,
            response_url=response.url,
            status=response.status,
            body=response.body,
            content_type=(response.headers.get(b"Content-Type") or b"").decode("latin-1"),
            feed=entry,
            fetch_seconds=float(response.meta.get("download_latency", 0.0)),
        )
