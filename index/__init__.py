"""Storage of articles behind one contract: SQLite FTS5 (embedded default) or Elasticsearch.

``open_store(url)`` picks the backend from the URL scheme: ``sqlite:///path.db`` or
``http(s)://host:port``.
"""

from index.store import (
    Bucket,
    CrawlRun,
    Filters,
    Hit,
    Rejection,
    ScoreUpdate,
    SearchResult,
    Store,
    StoreError,
    Story,
    UpsertResult,
    open_store,
)

__all__ = [
    "Bucket",
    "CrawlRun",
    "Filters",
    "Hit",
    "Rejection",
    "ScoreUpdate",
    "SearchResult",
    "Store",
    "StoreError",
    "Story",
    "UpsertResult",
    "open_store",
]
