"""Stage 8: tag the article with the Kemendagri codes of the regions it is about, with evidence."""

from __future__ import annotations

import json

from scrapy.crawler import Crawler

from crawlers.items import PageItem
from crawlers.pipelines import Stage
from pantau import regions


class RegionPipeline(Stage):
    stage = "regions"

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        watch_terms = json.loads(crawler.settings.get("PANTAU_WATCH_TERMS", "{}") or "{}")
        self.tagger = regions.tagger(watch_terms or None)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RegionPipeline:
        return cls(crawler)

    def handle(self, item: PageItem) -> PageItem:
        matches = self.tagger.tag(item.text, title=item.title)
        item.regions = regions.article_codes(matches)  # a kecamatan's code too, where one was named
        item.region_evidence = tuple(e for m in matches for e in m.evidence)
        assert self.stats is not None
        self.stats.inc_value("pantau/tagged" if matches else "pantau/untagged")
        return item
