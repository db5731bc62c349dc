"""First stage: count every fetched article page, and turn parse issues into counted errors."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler

from crawlers import stats
from crawlers.items import PageItem, ParseIssue
from crawlers.pipelines import drop


class AccountingPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AccountingPipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ParseIssue):
            drop(self.stats, "errors", item.reason, f"{item.url} {item.detail[:200]}")
        if isinstance(item, PageItem):
            assert self.stats is not None
            stats.inc(self.stats, "fetched")
            stats.add_seconds(self.stats, "fetch", item.fetch_seconds)
        return item
