"""The Store contract that both backends implement and one test suite checks.

Semantics every backend must share (``tests/test_store_contract.py`` pins them):

* ``upsert`` is idempotent by ``Article.id``: indexing the same article twice leaves one
  document, and ``indexed + len(rejected) == input`` always holds.
* Region filters are hierarchical: filtering on ``64`` (Kalimantan Timur) also matches
  articles tagged ``64.72`` (Samarinda). Counts per region follow the same rule.
* ``source_types`` and ``platforms`` filter on the article's ``source_type`` and ``platform``;
  news articles have an empty platform, so a platform filter keeps public posts only.
* ``sort="engagement"`` ranks by ``Engagement.score`` (one formula, in hundredths, so both
  backends sort on the same whole number); articles without engagement sort after every
  post, and ties go newest first, then by id, whatever the query text.
* Date filters are on ``published_at``: ``since`` inclusive, ``until`` exclusive.
* Search text is user input. It is never parsed as query syntax beyond the documented
  subset: words (all must match), ``"quoted phrases"``, ``-exclusion`` and ``OR``. Any
  other character is literal; no query string makes a backend raise.
* Highlight fragments are HTML-escaped text in which matches are wrapped in
  ``<mark>``…``</mark>``, so the dashboard can show them without trusting scraped HTML.
* Time buckets are aligned in the caller's timezone (Kaltim reads in WITA) and split by
  sentiment label, with ``unscored`` for articles the model has not seen yet.
* Records (``put_records``/``get_records``) are small JSON documents that other packages
  keep beside the articles: alert state, the email outbox, digest markers. They are
  validated as a whole before anything is written, are readable as soon as the write
  returns, and ``create_only`` writes leave an existing id untouched, so a restarted
  process that re-queues the same mail finds it already there and never sends it twice.
"""

from __future__ import annotations

import abc
import contextlib
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pantau.article import Article, Feedback, Sentiment, Topic

# "engagement": public posts by ``Engagement.score`` (likes + 2 x reposts + replies + views / 100),
# highest first; articles without engagement (news) after every post; ties newest first, then by id.
SORTS = ("relevance", "newest", "oldest", "engagement")
INTERVALS = ("hour", "day", "week", "month")
SENTIMENT_BUCKETS = ("positive", "neutral", "negative", "unscored")
FACET_FIELDS = ("regions", "sentiment", "topics", "source", "source_type", "platform")
# A record kind becomes part of an Elasticsearch _id and a SQL key: short, lowercase, no separators.
RECORD_KIND = re.compile(r"[a-z][a-z0-9_]{0,30}")
# Ids and statuses are keys and exact-match filters, not payload; 512 keeps them far below
# Lucene's 32 KiB term limit on every backend.
MAX_RECORD_ID = 512
MAX_RECORD_STATUS = 512


class StoreError(RuntimeError):
    """The store cannot be reached or refused an operation as a whole (not a per-document rejection)."""


@dataclass(kw_only=True, frozen=True)
class Filters:
    """Restrictions shared by search, timeseries, facets, counts and top stories."""

    regions: tuple[str, ...] = ()
    sentiment: tuple[str, ...] = ()  # positive | neutral | negative | unscored
    topics: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    source_types: tuple[str, ...] = ()  # news | government | social | aggregator
    platforms: tuple[str, ...] = ()  # telegram | mastodon | youtube … (public posts)
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


@dataclass(kw_only=True, frozen=True)
class EncodedRecord:
    """One validated record of a ``put_records`` call, ready for a backend to write."""

    id: str
    status: str | None
    doc: str  # compact JSON of the whole document


def check_record_kind(kind: object) -> str:
    """``kind`` itself, or ValueError: kinds name tables of records, never user input."""
    if not isinstance(kind, str) or not RECORD_KIND.fullmatch(kind):
        raise ValueError(f"record kind must match {RECORD_KIND.pattern} (lowercase, at most 31 characters), "
                         f"not {kind!r}")
    return kind


def _check_text(value: object, what: str, limit: int, *, empty: bool = False) -> str:
    if not isinstance(value, str) or (not value and not empty) or len(value) > limit:
        shown = value[:40] + "…" if isinstance(value, str) and len(value) > 40 else value
        size = "a string" if empty else "a non-empty string"
        raise ValueError(f"{what} must be {size} of at most {limit} characters, not {shown!r}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate: no backend can store it
        raise ValueError(f"{what} {value[:40]!r} is not valid Unicode: {exc.reason}") from exc
    return value


def check_record_id(record_id: object) -> str:
    """``record_id`` itself, or ValueError when it is not a non-empty string of at most 512 characters."""
    return _check_text(record_id, "record id", MAX_RECORD_ID)


def check_record_ids(ids: Sequence[str]) -> list[str]:
    """Distinct ids of a ``get_records`` filter in input order; a bare string is refused, not split."""
    if isinstance(ids, str):
        raise ValueError(f"ids must be a sequence of ids, not the string {ids[:40]!r}")
    return list(dict.fromkeys(check_record_id(i) for i in ids))


def check_record_status(status: object) -> str:
    """A ``status`` value (stored or filtered on), or ValueError; it is an exact-match key, so it is capped."""
    return _check_text(status, "record status", MAX_RECORD_STATUS, empty=True)


def _plain(value: object, path: str) -> Any:
    """A plain JSON copy of ``value`` (dicts, lists, scalars), or ValueError naming the offending path.

    Stricter than ``json.dumps``, which would silently turn ``{1: …}`` into ``{"1": …}``
    and write NaN that Elasticsearch then refuses: what is stored must read back the same.
    """
    if value is None or isinstance(value, bool | int | str):
        if isinstance(value, str):
            _check_text(value, path, len(value), empty=True)
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{path} is {value}, which JSON cannot represent")
        return value
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{path} has a non-string key {key!r}")
            out[_check_text(key, f"{path} key", len(key), empty=True)] = _plain(item, f"{path}.{key}")
        return out
    if isinstance(value, list | tuple):
        return [_plain(item, f"{path}[{i}]") for i, item in enumerate(value)]
    raise ValueError(f"{path} is a {type(value).__name__}, which is not JSON-serialisable")


def encode_records(kind: str, records: Mapping[str, Mapping[str, Any]]) -> list[EncodedRecord]:
    """Validate a whole ``put_records`` call up front, so that a bad record means nothing is written.

    Documents come back from ``get_records`` as JSON decodes them (tuples become lists).
    """
    check_record_kind(kind)
    if not isinstance(records, Mapping):
        raise ValueError(f"records must be a mapping of id to document, not {type(records).__name__}")
    out = []
    for record_id, doc in records.items():
        check_record_id(record_id)
        where = f"record {kind}/{record_id[:40]}"
        if not isinstance(doc, Mapping):
            raise ValueError(f"{where} must be a mapping, not {type(doc).__name__}")
        try:
            plain = _plain(doc, where)
        except RecursionError as exc:  # a document that contains itself
            raise ValueError(f"{where} is nested too deeply (circular?) to be JSON") from exc
        status = None
        if "status" in plain:
            status = _check_text(plain["status"], f"{where} status", MAX_RECORD_STATUS, empty=True)
        text = json.dumps(plain, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        out.append(EncodedRecord(id=record_id, status=status, doc=text))
    return out


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

    @abc.abstractmethod
    def put_records(
        self, kind: str, records: Mapping[str, Mapping[str, Any]], *, create_only: bool = False
    ) -> list[str]:
        """Write small JSON documents of one ``kind`` by id, replacing a stored document whole.

        Alerts keep their state, email outbox and digest markers here so that they live
        wherever the articles live (no second database to back up) and survive restarts.
        With ``create_only=True`` an id that already exists is left untouched
        (insert-if-absent): that is what makes outbox writes idempotent, since a process
        that restarts and queues the same mail again cannot overwrite its "sent" status.

        Every record is validated before anything is written: ``kind`` must match
        ``[a-z][a-z0-9_]{0,30}``, ids are non-empty strings of at most 512 characters, a
        document is a JSON-serialisable mapping whose optional top-level ``"status"`` is a
        string of at most 512 characters; otherwise ValueError, and nothing of the call is
        stored. The backend keeps an ``updated_at`` (UTC now) beside each document, not in
        it. Returns the ids actually written, in input order; writes are visible to
        ``get_records`` as soon as this returns. SQLite writes a call atomically;
        Elasticsearch writes record by record, so a failure there can leave part of a
        call written (a retry with ``create_only`` is safe).
        """

    @abc.abstractmethod
    def get_records(
        self, kind: str, *, status: str | None = None, ids: Sequence[str] | None = None
    ) -> dict[str, dict[str, Any]]:
        """Documents of one ``kind`` by id, ordered by id (code point order).

        ``status`` keeps only documents whose top-level ``"status"`` equals it (the outbox
        asks for ``"pending"``); ``ids`` restricts the result to those ids, and unknown ids
        are absent. Arguments are checked as in ``put_records`` (ValueError).
        """

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

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads on this thread inside the block see the store as it was when the block began.

        A long walk over a result (the CSV export reads it page by page) uses it so that
        a write in the middle cannot move an article from one page to the next. Backends
        without cheap snapshots (Elasticsearch: each request reads the latest refresh)
        yield at once.
        """
        yield

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
