"""The Store contract that both backends implement and one test suite checks.

Semantics every backend must share (``tests/test_store_contract.py`` pins them):

* ``upsert`` is idempotent by ``Article.id``: indexing the same article twice leaves one
  document, and ``indexed + len(rejected) == input`` always holds.
* Region filters are hierarchical: filtering on ``64`` (Kalimantan Timur) also matches
  articles tagged ``64.72`` (Samarinda). Counts per region follow the same rule.
* Date filters are on ``published_at``: ``since`` inclusive, ``until`` exclusive.
* Search text is user input. It is never parsed as query syntax beyond the documented
  subset: words (all must match), ``"quoted phrases"``, ``-exclusion`` and ``OR``. Any
  other character is literal; no query string makes a backend raise.
* Highlight fragments are HTML-escaped text in which matches are wrapped in
  ``<mark>``…``</mark>``, so the dashboard can show them without trusting scraped HTML.
* Time buckets are aligned in the caller's timezone (Kaltim reads in WITA) and split by
  sentiment label, with ``unscored`` for articles the model has not seen yet.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pantau.article import Article, Feedback, Sentiment, Topic

SORTS = ("relevance", "newest", "oldest")
INTERVALS = ("hour", "day", "week", "month")
SENTIMENT_BUCKETS = ("positive", "neutral", "negative", "unscored")
FACET_FIELDS = ("regions", "sentiment", "topics", "source", "source_type")


class StoreError(RuntimeError):
    """The store cannot be reached or refused an operation as a whole (not a per-document rejection)."""


@dataclass(kw_only=True, frozen=True)
class Filters:
    """Restrictions shared by search, timeseries, facets, counts and top stories."""

    regions: tuple[str, ...] = ()
    sentiment: tuple[str, ...] = ()  # positive | neutral | negative | unscored
    topics: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None


@dataclass(kw_only=True, frozen=True)
class Rejection:
    id: str
    reason: str


@dataclass(kw_only=True)
class UpsertResult:
    indexed: int = 0
    rejected: list[Rejection] = field(default_factory=list)

    def merge(self, other: UpsertResult) -> None:
        self.indexed += other.indexed
        self.rejected.extend(other.rejected)


@dataclass(kw_only=True, frozen=True)
class Hit:
    article: Article
    score: float
    highlights: dict[str, list[str]]


@dataclass(kw_only=True, frozen=True)
class SearchResult:
    total: int
    hits: list[Hit]
    page: int
    size: int


@dataclass(kw_only=True, frozen=True)
class Bucket:
    start: datetime
    counts: dict[str, int]  # keys: SENTIMENT_BUCKETS

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(kw_only=True, frozen=True)
class Story:
    """A group of syndicated copies of one story (same ``cluster_id``)."""

    cluster_id: str
    count: int
    negative: int
    lead: Article  # the earliest-published copy
    sources: list[str]


@dataclass(kw_only=True, frozen=True)
class ScoreUpdate:
    id: str
    sentiment: Sentiment | None
    topics: tuple[Topic, ...] = ()
    nlp_version: str = ""
    failed_reason: str = ""  # non-empty marks the article nlp_status="failed"


@dataclass(kw_only=True, frozen=True)
class CrawlRun:
    """Per-source statistics of one crawl, kept for ``pantau status`` and the Sumber page."""

    source: str
    started_at: datetime
    finished_at: datetime
    fetched: int = 0
    new: int = 0
    updated: int = 0  # stored articles re-fetched because their feed or sitemap said they changed
    duplicate: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    blocked: int = 0

    def to_dict(self) -> dict[str, Any]:
        from pantau.article import iso

        return {
            "source": self.source,
            "started_at": iso(self.started_at),
            "finished_at": iso(self.finished_at),
            "fetched": self.fetched,
            "new": self.new,
            "updated": self.updated,
            "duplicate": self.duplicate,
            "dropped": dict(self.dropped),
            "errors": dict(self.errors),
            "blocked": self.blocked,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CrawlRun:
        from pantau.article import parse_datetime

        return cls(
            source=str(d["source"]),
            started_at=parse_datetime(d["started_at"], "started_at"),
            finished_at=parse_datetime(d["finished_at"], "finished_at"),
            fetched=int(d.get("fetched", 0)),
            new=int(d.get("new", 0)),
            updated=int(d.get("updated", 0)),
            duplicate=int(d.get("duplicate", 0)),
            dropped={str(k): int(v) for k, v in (d.get("dropped") or {}).items()},
            errors={str(k): int(v) for k, v in (d.get("errors") or {}).items()},
            blocked=int(d.get("blocked", 0)),
        )


class Store(abc.ABC):
    """Where articles live between the crawler, the scorer, alerts and the dashboard."""

    url: str

    # -- writes -----------------------------------------------------------------
    @abc.abstractmethod
    def upsert(self, articles: Iterable[Article]) -> UpsertResult:
        """Index articles by id (replace if present); per-document failures are rejected, not raised."""

    @abc.abstractmethod
    def set_scores(self, updates: Iterable[ScoreUpdate]) -> int:
        """Write NLP results; returns how many articles were updated (unknown ids are skipped)."""

    @abc.abstractmethod
    def add_feedback(self, article_id: str, feedback: Feedback) -> bool:
        """Append a human relabel; returns False when the article does not exist."""

    @abc.abstractmethod
    def record_crawl(self, run: CrawlRun) -> None:
        """Store one source's crawl statistics."""

    # -- reads ------------------------------------------------------------------
    @abc.abstractmethod
    def get(self, ids: Sequence[str]) -> dict[str, Article]:
        """Fetch articles by id; missing ids are absent from the result."""

    @abc.abstractmethod
    def pending(self, limit: int = 100) -> list[Article]:
        """Articles with ``nlp_status == "pending"``, oldest crawled first."""

    @abc.abstractmethod
    def count(self, filters: Filters | None = None) -> int:
        """Exact number of articles matching the filters."""

    @abc.abstractmethod
    def status_counts(self) -> dict[str, int]:
        """Article counts by ``nlp_status`` (all three keys present)."""

    @abc.abstractmethod
    def last_crawls(self) -> dict[str, CrawlRun]:
        """The most recent crawl run of each source."""

    @abc.abstractmethod
    def search(
        self,
        query: str,
        filters: Filters | None = None,
        *,
        sort: str = "relevance",
        page: int = 1,
        size: int = 20,
    ) -> SearchResult:
        """Full-text search; an empty query matches every article that passes the filters."""

    @abc.abstractmethod
    def timeseries(
        self, filters: Filters | None = None, *, interval: str = "day", tz: str = "UTC"
    ) -> list[Bucket]:
        """Article volume per interval, split by sentiment; empty buckets are omitted."""

    @abc.abstractmethod
    def region_counts(self, filters: Filters | None = None) -> dict[str, dict[str, int]]:
        """Per region code (hierarchical), counts split by sentiment bucket plus ``total``."""

    @abc.abstractmethod
    def facets(
        self, query: str = "", filters: Filters | None = None, fields: Sequence[str] = FACET_FIELDS, size: int = 20
    ) -> dict[str, dict[str, int]]:
        """Value counts of each field over the matching articles."""

    @abc.abstractmethod
    def top_stories(self, filters: Filters | None = None, *, limit: int = 10) -> list[Story]:
        """Clusters ranked by negative copies, then total copies, then recency."""

    def refresh(self) -> None:  # noqa: B027 - optional hook
        """Make every acknowledged write visible to searches (a no-op where writes are visible at once)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(url: str) -> Store:
    """Open the backend named by ``url`` (``sqlite:///path`` or ``http(s)://host:port[/prefix]``)."""
    if url.startswith("sqlite://"):
        from index.sqlite import SqliteStore

        return SqliteStore(url)
    if url.startswith(("http://", "https://")):
        from urllib.parse import urlsplit, urlunsplit

        from index.elastic import ElasticStore

        # An optional path names the index prefix, so offices (or test runs) can share one cluster:
        # http://127.0.0.1:9200/pantau-kaltim → indices pantau-kaltim-articles-*.
        parts = urlsplit(url)
        prefix = parts.path.strip("/") or "pantau"
        return ElasticStore(urlunsplit((parts.scheme, parts.netloc, "", "", "")), prefix=prefix)
    raise StoreError(f"unsupported store URL {url!r}: expected sqlite:///path.db or http://host:port")
