"""Search-feed spider: one aggregator or site-search RSS query per watched region.

The query for a region is built from the gazetteer: its name (which every "Kabupaten/Kota X"
form contains) and its common abbreviations (Kukar, Kutim, PPU, Mahulu), each quoted and joined
with OR, so a Google-News-style search feed returns what is written about the region under any of
its names. The source URL is a template with ``{query}``; regions come from the source's ``regions``
or, when it names none, from ``[regions] watch``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote_plus

from scrapy import Request
from scrapy.http import Response

from crawlers import feeds, freshness
from crawlers.items import ParseIssue
from crawlers.spiders.base import NewsSpider
from pantau import regions

_QUERY_KINDS = ("name", "abbrev")


def region_query(code: str) -> str:
    """``"Kutai Kartanegara" OR "Kukar"`` for a region code: its name and abbreviations."""
    gaz = regions.gazetteer()
    region = gaz.by_code[code]
    terms: list[str] = [region.name]
    for alias in regions.build_aliases(gaz):
        if alias.code == code and alias.kind in _QUERY_KINDS and not alias.rule:
            terms.append(alias.text)
    unique: list[str] = []
    for t in terms:
        # "Kota Samarinda" adds nothing once "Samarinda" is in the query: search matches substrings.
        if t and not any(u.lower() in t.lower() for u in unique):
            unique.append(t)
    return " OR ".join(f'"{t}"' for t in unique)


class SearchSpider(NewsSpider):
    name = "search"

    def start_requests_for_source(self) -> Iterator[Request]:
        codes = self.regions or self.crawler.settings.getlist("PANTAU_SEARCH_REGIONS")
        for code in codes:
            url = self.url.replace("{query}", quote_plus(region_query(code)))
            yield Request(url, callback=self.parse_results, meta=freshness.feed_meta({"pantau_region": code}))

    def parse_results(self, response: Response) -> Iterator[Any]:
        if freshness.not_modified(response, self.crawler):
            return
        try:
            parsed = feeds.parse(response.body, response.url)
        except feeds.FeedError as exc:
            yield ParseIssue(
                source=self.source_name, url=response.url, reason="search_feed_unreadable", detail=str(exc)
            )
            return
        if parsed.broken:
            yield ParseIssue(source=self.source_name, url=response.url, reason="feed_broken_xml", detail=parsed.broken)
        for entry in parsed.entries:
            yield self.article_request(entry)
