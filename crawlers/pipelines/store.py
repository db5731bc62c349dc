"""Stage 9: write articles to the store in batches, idempotently (the id is the canonical URL's hash).

Each batch's ``indexed + rejected`` equals its size; rejected articles are counted as dropped
``store_rejected`` with the store's reason. A store that cannot be reached is a transient failure:
the batch is retried (``PANTAU_STORE_RETRIES`` times) and then counted as ``errors/store_unavailable``
per article.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from time import perf_counter

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawlers import runstate, stats
from crawlers.items import PageItem
from crawlers.pipelines import Stage
from index.store import StoreError
from pantau.article import Article, InvalidArticle

log = logging.getLogger(__name__)


class StorePipeline(Stage):
    stage = "store"

    def __init__(self, crawler: Crawler, store_url: str) -> None:
        self.stats = crawler.stats
        self.state = runstate.get(store_url)
        self.batch_size = crawler.settings.getint("PANTAU_STORE_BATCH")
        self.retries = crawler.settings.getint("PANTAU_STORE_RETRIES", 3)
        self.pending: list[tuple[Article, bool]] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        url = crawler.settings.get("PANTAU_STORE_URL", "")
        if not url:
            raise NotConfigured("PANTAU_STORE_URL is not set")
        return cls(crawler, url)

    def handle(self, item: PageItem) -> PageItem:
        assert item.published_at is not None
        assert self.stats is not None
        try:
            article = Article.create(
                url=item.url,
                canonical_url=item.canonical_url,
                id=item.article_id,
                title=item.title,
                body=item.text,
                source=item.source,
                source_type=item.source_type,
                published_at=item.published_at,
                crawled_at=datetime.now(UTC),
                lang=item.lang,
                authors=item.authors,
                regions=item.regions,
                region_evidence=item.region_evidence,
                content_hash=item.content_hash,
                cluster_id=item.cluster_id,
            )
        except InvalidArticle as exc:
            stats.inc(self.stats, "dropped", "invalid_article")
            log.warning("invalid article url=%s problem=%s", item.url, exc)
            return item
        self.pending.append((article, item.is_update))
        if len(self.pending) >= self.batch_size:
            self.flush()
        return item

    def flush(self) -> None:
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        assert self.stats is not None
        # Another source took the article over while it waited here (see RunState.claim).
        superseded = [a for a, _ in batch if self.state.owner(a.id) not in ("", a.source)]
        if superseded:
            stats.inc(self.stats, "duplicate", count=len(superseded))
            self.stats.inc_value("pantau/duplicate_by/taken_over_by_publisher", len(superseded))
            batch = [(a, u) for a, u in batch if self.state.owner(a.id) in ("", a.source)]
            if not batch:
                return
        for attempt in range(self.retries + 1):
            try:
                result = self.state.store.upsert([a for a, _ in batch])
                break
            except StoreError as exc:
                log.warning("store write failed attempt=%d batch=%d error=%s", attempt + 1, len(batch), exc)
                time.sleep(min(2.0, 0.2 * 2**attempt))
        else:
            stats.inc(self.stats, "errors", "store_unavailable", len(batch))
            return
        rejected = {r.id: r.reason for r in result.rejected}
        for article, is_update in batch:
            if article.id in rejected:
                stats.inc(self.stats, "dropped", "store_rejected")
                log.warning("store rejected id=%s reason=%s", article.id, rejected[article.id])
            else:
                stats.inc(self.stats, "updated" if is_update else "new")
        log.info("store batch indexed=%d rejected=%d", result.indexed, len(result.rejected))

    def close_spider(self) -> None:
        start = perf_counter()
        self.flush()
        assert self.stats is not None
        stats.add_seconds(self.stats, self.stage, perf_counter() - start)
