"""Sitemap spider: sitemap indexes, urlsets with ``lastmod`` and the Google News ``news:`` namespace."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from scrapy import Request
from scrapy.http import Response
from scrapy.utils.gz import gunzip

from crawlers import feeds, freshness
from crawlers.items import ParseIssue
from crawlers.spiders.base import NewsSpider


class SitemapSpider(NewsSpider):
    name = "sitemap"

    def start_requests_for_source(self) -> Iterator[Request]:
        yield Request(self.url, callback=self.parse_sitemap, meta=freshness.feed_meta())

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        if freshness.not_modified(response, self.crawler):
            # An unchanged index may still list children that changed: ask each of them (conditionally).
            for url in freshness.children(self.crawler, response.url):
                yield Request(url, callback=self.parse_sitemap, meta=freshness.feed_meta())
            return
        body = response.body
        if body[:2] == b"\x1f\x8b":
            try:
                body = gunzip(body, max_size=self.crawler.settings.getint("DOWNLOAD_MAXSIZE"))
            except (OSError, ValueError) as exc:
                yield ParseIssue(source=self.source_name, url=response.url, reason="sitemap_gzip", detail=str(exc))
                return
        try:
            parsed = feeds.parse(body, response.url)
        except feeds.FeedError as exc:
            yield ParseIssue(source=self.source_name, url=response.url, reason="sitemap_unreadable", detail=str(exc))
            return
        if parsed.broken:
            yield ParseIssue(
                source=self.source_name, url=response.url, reason="sitemap_broken_xml", detail=parsed.broken
            )
        if parsed.sitemaps:
            freshness.remember_children(self.crawler, response.url, [c.url for c in parsed.sitemaps])
        for child in parsed.sitemaps:
            yield Request(
                child.url,
                callback=self.parse_sitemap,
                meta=freshness.feed_meta({"pantau_sitemap": dataclasses.asdict(child)}),
            )
        for entry in parsed.entries:
            yield self.article_request(entry)
