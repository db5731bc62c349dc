"""State shared by all sources crawled in one process: one store handle, one dedupe index.

``pantau crawl`` runs one Scrapy crawler per source, concurrently, in one process. The same story
often arrives through two sources in one crawl (the outlet's feed and a search feed), so the
exact-duplicate sets and the near-duplicate index must be shared between those crawlers, and so
must the store connection.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from crawlers.dedupe import ClusterIndex, signature
from index.store import Filters, Store, StoreError, open_store

log = logging.getLogger(__name__)


@dataclass
class RunState:
    store: Store
    owners: dict[str, tuple[str, str]] = field(default_factory=dict)  # article id -> (source, source_type)
    seen_hashes: dict[str, str] = field(default_factory=dict)  # content hash -> article id
    clusters: ClusterIndex | None = None

    def claim(self, article_id: str, source: str, source_type: str) -> bool:
        """Whether this source may write the article in this crawl.

        The first source to reach an article owns it, except that a publisher's own source (its
        feed, sitemap or listing) takes an article over from an aggregator or search feed, so the
        story is attributed to the outlet whichever crawler happened to be faster.
        """
        holder = self.owners.get(article_id)
        if holder is None or (holder[1] == "aggregator" and source_type != "aggregator" and holder[0] != source):
            self.owners[article_id] = (source, source_type)
            return True
        return False

    def owner(self, article_id: str) -> str:
        return self.owners.get(article_id, ("", ""))[0]

    def cluster_index(self, threshold: float, window_days: int, max_docs: int) -> ClusterIndex:
        """The near-duplicate index, seeded once from the store's articles of the last ``window_days``."""
        if self.clusters is None:
            index = ClusterIndex(threshold=threshold)
            since = datetime.now(UTC) - timedelta(days=window_days)
            page, loaded = 1, 0
            while loaded < max_docs:
                try:
                    result = self.store.search("", Filters(since=since), sort="oldest", page=page, size=200)
                except StoreError as exc:  # store down: cluster within this crawl only
                    log.warning("near-dup index not seeded from the store: %s", exc)
                    break
                if not result.hits:
                    break
                for hit in result.hits:
                    a = hit.article
                    text = f"{a.title}\n{a.body}"
                    if a.cluster_id:  # keep the cluster the article was stored with
                        index.add(a.id, signature(text), a.cluster_id)
                    else:
                        index.assign(a.id, text)
                    loaded += 1
                page += 1
            log.info("near-dup index seeded docs=%d window_days=%d", loaded, window_days)
            self.clusters = index
        return self.clusters


_lock = threading.Lock()
_states: dict[str, RunState] = {}


def get(store_url: str) -> RunState:
    with _lock:
        if store_url not in _states:
            _states[store_url] = RunState(store=open_store(store_url))
        return _states[store_url]


def close_all() -> None:
    with _lock:
        for state in _states.values():
            state.store.close()
        _states.clear()
