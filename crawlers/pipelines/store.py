"""Stage 9: write articles to the store in batches, idempotently (the id is the canonical URL's hash).

Each batch's ``indexed + rejected`` equals its size; rejected articles are counted as dropped
``store_rejected`` with the store's reason. A store that cannot be reached is a transient failure:
the batch is retried (``PANTAU_STORE_RETRIES`` times) and then counted as ``errors/store_unavailable``
per article, and the articles themselves go to ``<state>/unsaved/<source>.jsonl``: the next crawl writes
them first, so an outage loses nothing even when the URLs are already marked as seen.
"""

from __future__ import annotations

import json
import logging
import re
import time
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawlers import runstate, stats
from crawlers.items import PageItem
from crawlers.pipelines import Stage
from index.store import StoreError
from pantau import urls
from pantau.article import Article, InvalidArticle

log = logging.getLogger(__name__)


def linked_id(url: str, own_id: str) -> str:
    """The article id a reply or quote links to: the same hash of the canonical URL the other post is (or
    will be) stored under. An address that cannot be canonicalised, or the post itself, links nothing."""
    if not url:
        return ""
    try:
        linked = urls.article_id(urls.canonicalize(url))
    except urls.InvalidURL:
        log.info("unlinkable post address url=%r", url)
        return ""
    return "" if linked == own_id else linked


class StorePipeline(Stage):
    stage = "store"

    def __init__(self, crawler: Crawler, store_url: str) -> None:
        self.stats = crawler.stats
        self.state = runstate.get(store_url)
        self.batch_size = crawler.settings.getint("PANTAU_STORE_BATCH")
        self.retries = crawler.settings.getint("PANTAU_STORE_RETRIES", 3)
        self.pending: list[tuple[Article, bool]] = []
        state_dir = crawler.settings.get("PANTAU_STATE_DIR", "")
        source = json.loads(crawler.settings.get("PANTAU_SOURCE", "{}") or "{}").get("name", "")
        self.unsaved: Path | None = None
        if state_dir and source:
            self.unsaved = Path(state_dir) / "unsaved" / (re.sub(r"[^A-Za-z0-9_.-]+", "_", source) + ".jsonl")

    def open_spider(self) -> None:
        """Write what an earlier crawl could not (the store was down), before anything new."""
        if self.unsaved is None or not self.unsaved.exists():
            return
        lines = self.unsaved.read_text(encoding="utf-8").splitlines()
        articles = [Article.from_dict(json.loads(line)) for line in lines if line.strip()]
        try:
            result = self.state.store.upsert(articles)
        except StoreError as exc:
            log.warning("store still unavailable; %d unsaved articles kept: %s", len(articles), exc)
            return
        assert self.stats is not None
        stats.inc(self.stats, "new", count=result.indexed)
        for rejection in result.rejected:
            stats.inc(self.stats, "dropped", "store_rejected")
            log.warning("store rejected id=%s reason=%s", rejection.id, rejection.reason)
        self.unsaved.unlink()
        log.info("replayed unsaved articles indexed=%d rejected=%d", result.indexed, len(result.rejected))

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
                platform=item.post.platform if item.post else "",
                engagement=item.post.engagement if item.post else None,
                reply_to=linked_id(item.post.reply_to_url, item.article_id) if item.post else "",
                quote_of=linked_id(item.post.quote_of_url, item.article_id) if item.post else "",
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
            if self.unsaved is not None:
                self.unsaved.parent.mkdir(parents=True, exist_ok=True)
                with self.unsaved.open("a", encoding="utf-8") as fh:
                    for article, _ in batch:
                        fh.write(json.dumps(article.to_dict(), ensure_ascii=False) + "\n")
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
