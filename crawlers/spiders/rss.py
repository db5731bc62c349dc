"""Generic RSS 2.0 / Atom / RDF feed spider: every entry is followed to its article page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy import Request
from scrapy.http import Response

from crawlers import feeds, freshness
from crawlers.items import ParseIssue
from crawlers.spiders.base import NewsSpider


class FeedSpider(NewsSpider):
    name = "rss"

    def start_requests_for_source(self) -> Iterator[Request]:
        yield Request(self.url, callback=self.parse_feed, meta=freshness.feed_meta())

    def parse_feed(self, response: Response) -> Iterator[Any]:
        if freshness.not_modified(response, self.crawler):
            return
        try:
            parsed = feeds.parse(response.body, response.url)
        except feeds.FeedError as exc:
            yield ParseIssue(source=self.source_name, url=response.url, reason="feed_unreadable", detail=str(exc))
            return
        if parsed.broken:
            yield ParseIssue(source=self.source_name, url=response.url, reason="feed_broken_xml", detail=parsed.broken)
        for entry in parsed.entries:
            yield self.article_request(entry)
