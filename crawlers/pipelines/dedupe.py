"""Stages 6 and 7: exact duplicates are counted and not rewritten; near-duplicates share a cluster.

Exact: the same article id (canonical URL) twice in one crawl, an id the store already holds with
the same content hash, or the same content hash under another URL in this crawl, is a
``duplicate``. A stored id whose content changed is re-written (``updated``), and so is one stored
from an aggregator when the outlet's own source reaches it (the outlet keeps the attribution).

Near: syndicated copies (a regional portal republishing wire text) keep their own id but get the
``cluster_id`` of the first copy seen, so the dashboard groups them as one story.
"""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from crawlers import runstate, stats
from crawlers.items import PageItem
from crawlers.pipelines import Stage
from index.store import StoreError

log = logging.getLogger(__name__)


class ExactDedupePipeline(Stage):
    stage = "dedupe_exact"

    def __init__(self, crawler: Crawler, store_url: str) -> None:
        self.stats = crawler.stats
        self.state = runstate.get(store_url)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExactDedupePipeline:
        url = crawler.settings.get("PANTAU_STORE_URL", "")
        if not url:
            raise NotConfigured("PANTAU_STORE_URL is not set")
        return cls(crawler, url)

    def _duplicate(self, why: str) -> DropItem:
        assert self.stats is not None
        stats.inc(self.stats, "duplicate")
        self.stats.inc_value(f"pantau/duplicate_by/{why}")
        return DropItem(f"duplicate: {why}", log_level="DEBUG")

    def handle(self, item: PageItem) -> PageItem:
        if not self.state.claim(item.article_id, item.source, item.source_type):
            raise self._duplicate("same_url_this_crawl")
        other = self.state.seen_hashes.get(item.content_hash)
        if other is not None and other != item.article_id:
            raise self._duplicate("same_text_other_url")
        try:
            stored = self.state.store.get([item.article_id]).get(item.article_id)
        except StoreError as exc:  # store down: treat as new; the store pipeline keeps it for later
            log.warning("store unavailable for dedupe id=%s: %s", item.article_id, exc)
            stored = None
        self.state.seen_hashes.setdefault(item.content_hash, item.article_id)
        if stored is not None:
            takes_over = stored.source_type == "aggregator" and item.source_type != "aggregator"
            if stored.content_hash == item.content_hash and not takes_over:
                raise self._duplicate("unchanged_in_store")
            item.is_update = True
            item.cluster_id = stored.cluster_id
        return item


class NearDuplicatePipeline(Stage):
    stage = "dedupe_near"

    def __init__(self, crawler: Crawler, store_url: str) -> None:
        s = crawler.settings
        self.stats = crawler.stats
        self.state = runstate.get(store_url)
        self.threshold = s.getfloat("PANTAU_NEAR_DUP_THRESHOLD")
        self.window_days = s.getint("PANTAU_NEAR_DUP_WINDOW_DAYS")
        self.max_docs = s.getint("PANTAU_NEAR_DUP_MAX_DOCS")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NearDuplicatePipeline:
        url = crawler.settings.get("PANTAU_STORE_URL", "")
        if not url:
            raise NotConfigured("PANTAU_STORE_URL is not set")
        return cls(crawler, url)

    def handle(self, item: PageItem) -> PageItem:
        index = self.state.cluster_index(self.threshold, self.window_days, self.max_docs)
        cluster, similarity = index.assign(item.article_id, f"{item.title}\n{item.text}")
        if not item.cluster_id:
            item.cluster_id = cluster
        if cluster != item.article_id:
            assert self.stats is not None
            self.stats.inc_value("pantau/near_duplicates")
            item.notes.append(f"near-duplicate similarity={similarity:.2f}")
        return item
