"""Config-driven listing spider: index pages, an article ``link_pattern`` and a pagination depth.

The source URL either contains ``{n}`` (page number, 1..``max_pages``) or is the first index page,
from which "next" links (``rel=next`` or a "Selanjutnya"/"Berikutnya"/"Next" anchor) are followed
until ``max_pages`` pages were read. No per-site Python: a new outlet is a new ``[[sources]]`` table.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from scrapy import Request
from scrapy.http import Response, TextResponse

from crawlers.items import FeedEntry, ParseIssue
from crawlers.spiders.base import NewsSpider

_NEXT_TEXT = re.compile(r"^\s*(selanjutnya|berikutnya|next|lanjut|»|›|>)\s*$", re.I)


class ListingSpider(NewsSpider):
    name = "listing"

    def start_requests_for_source(self) -> Iterator[Request]:
        if "{n}" in self.url:
            for n in range(1, self.max_pages + 1):
                yield Request(
                    self.url.replace("{n}", str(n)),
                    callback=self.parse_listing,
                    meta={"pantau_page": n, "pantau_numbered": True},
                )
        else:
            yield Request(self.url, callback=self.parse_listing, meta={"pantau_page": 1})

    def parse_listing(self, response: Response) -> Iterator[Any]:
        if not isinstance(response, TextResponse):
            yield ParseIssue(source=self.source_name, url=response.url, reason="listing_not_html")
            return
        pattern = re.compile(self.link_pattern) if self.link_pattern else None
        seen: set[str] = set()
        for a in response.xpath("//a[@href]"):
            url = response.urljoin(a.attrib["href"].strip())
            if url in seen or not url.startswith(("http://", "https://")):
                continue
            if pattern is not None and pattern.search(url):
                seen.add(url)
                title = " ".join(" ".join(a.xpath(".//text()").getall()).split())
                yield self.article_request(FeedEntry(url=url, title=title))
        page = int(response.meta.get("pantau_page", 1))
        if response.meta.get("pantau_numbered") or page >= self.max_pages:
            return
        for a in response.xpath("//a[@href]"):
            text = " ".join(a.xpath(".//text()").getall())
            rel = (a.attrib.get("rel") or "").lower()
            cls = (a.attrib.get("class") or "").lower()
            if rel == "next" or _NEXT_TEXT.match(text) or "next" in cls.split():
                yield Request(
                    response.urljoin(a.attrib["href"]), callback=self.parse_listing, meta={"pantau_page": page + 1}
                )
                break
