"""Pantau's item pipelines, in order: accounting → extract → dates → canonical → language →
exact dedupe → near-duplicate clusters → region tags → batched store writes.

Each stage either enriches the :class:`crawlers.items.PageItem` or drops it with a counted reason.
"""

from __future__ import annotations

from time import perf_counter
from typing import Any, NoReturn

from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from crawlers import stats
from crawlers.items import PageItem


def drop(collector: StatsCollector | None, kind: str, reason: str, detail: str = "") -> NoReturn:
    """Count the item under ``pantau/<kind>/<reason>`` and stop it."""
    assert collector is not None
    stats.inc(collector, kind, reason)
    raise DropItem(f"{kind}/{reason}: {detail}" if detail else f"{kind}/{reason}", log_level="DEBUG")


class Stage:
    """A pipeline stage over article pages; the time each stage spends is summed in the stats
    (``pantau/seconds/<stage>``) so ``bench/crawl.py`` and the logs can show where a crawl's time goes."""

    stage = "stage"
    stats: StatsCollector | None

    def handle(self, item: PageItem) -> PageItem:
        raise NotImplementedError

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, PageItem):
            return item
        start = perf_counter()
        try:
            return self.handle(item)
        finally:
            if self.stats is not None:
                stats.add_seconds(self.stats, self.stage, perf_counter() - start)
