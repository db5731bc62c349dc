"""Stage 5: keep Indonesian articles; count and drop the rest as ``lang_<code>``.

A public post too short to tell is kept as Indonesian (counted as ``post_lang_assumed``)."""

from __future__ import annotations

from scrapy.crawler import Crawler

from crawlers import language
from crawlers.items import PageItem
from crawlers.pipelines import Stage, drop


class LanguagePipeline(Stage):
    stage = "language"

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LanguagePipeline:
        return cls(crawler)

    def handle(self, item: PageItem) -> PageItem:
        item.lang = language.detect(f"{item.title}\n{item.text}")
        if item.post is not None and item.lang == "und":
            # Most posts are too short for the function-word test; one from a watched channel,
            # hashtag or account is kept unless it is clearly in another language.
            item.lang = "id"
            assert self.stats is not None
            self.stats.inc_value("pantau/post_lang_assumed")
        if item.lang != "id":
            drop(self.stats, "dropped", f"lang_{item.lang}", item.url)
        return item
