"""The Elasticsearch store: monthly indices behind a read alias, for provinces and beyond.

A province's or a nation's coverage (10^5–10^6 articles a day) outgrows one SQLite file;
this backend keeps the same :class:`~index.store.Store` contract on an Elasticsearch
cluster. Articles go to ``<prefix>-articles-v<N>-<yyyy>.<mm>`` by ``published_at`` and are
read through the alias ``<prefix>-articles`` (names in :mod:`index.es_templates`).

Writes are idempotent: ``_id`` is the article id, every write is a plain ``index`` of the
whole document (conditional on ``_seq_no`` when it rewrites a stored one). An article
whose ``published_at`` moved to another month has its old copy deleted once the new one
is in, so it is never counted twice and a refused update never loses the stored one.
Old copies are found by search plus this process's own writes of the last two minutes;
two processes moving the same article between months within one refresh interval could
still leave two copies, until the next upsert of that article removes one.

Failures are sorted: a document the server refuses (mapping, parse, 429 after the
retries) becomes a :class:`Rejection` with the server's reason, while a server that
cannot be reached raises :class:`StoreError` (:class:`ElasticUnavailable`) and leaves the
remaining input for the caller to retry; what was written stays written.

Reads are near-real-time like any Elasticsearch search: a write becomes searchable within
``refresh_interval`` (1 s). Construct with ``refresh=True`` (tests, one-shot CLI loads) to
make every write wait until it is searchable, or call :meth:`ElasticStore.refresh`.
Records (alert state, the email outbox) are the exception: they live in one small index
``<prefix>-records`` and every write of them refreshes, because exactly-once mail needs
to read its own writes and their volume is a few documents a minute.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from elastic_transport import TransportError
from elasticsearch import ApiError, BadRequestError, Elasticsearch, NotFoundError
from elasticsearch.helpers import streaming_bulk

from index import es_query, es_templates
from index.es_templates import Names
from index.store import (
    FACET_FIELDS,
    INTERVALS,
    SENTIMENT_BUCKETS,
    SORTS,
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
    check_record_ids,
    check_record_kind,
    check_record_status,
    encode_records,
)
from pantau.article import Article, Feedback, iso
from pantau.regions import gazetteer

log = logging.getLogger(__name__)

DERIVED_FIELDS = ("region_tree", "cluster_key", "indexed_at", "engagement_score")
FACET_SOURCE = {
    "regions": "regions",
    "sentiment": "sentiment.label",
    "topics": "topics.label",
    "source": "source",
    "source_type": "source_type",
    "platform": "platform",
}
MAX_WINDOW = 10_000  # index.max_result_window in the template
CONFLICT_ROUNDS = 5
RECENT_S = 120.0  # far longer than refresh_interval, even on a loaded cluster
MAX_ID_BYTES = 512  # Elasticsearch refuses a longer _id
IDS_PER_TERMS = 1000  # ids per terms filter when get_records is asked for many


def record_doc_id(kind: str, record_id: str) -> str:
    """The ``_id`` of a record: ``<kind>|<id>``, or ``<kind>#<sha256 of id>`` when that is too long.

    Kinds never contain ``|`` or ``#``, so the two forms cannot collide; the real id is
    kept in the ``id`` field, which is what reads return and sort on.
    """
    doc_id = f"{kind}|{record_id}"
    if len(doc_id.encode("utf-8")) <= MAX_ID_BYTES:
        return doc_id
    return f"{kind}#{hashlib.sha256(record_id.encode('utf-8')).hexdigest()}"


class ElasticUnavailable(StoreError):
    """The cluster could not be reached or failed a whole request; ``partial`` says what got in."""

    def __init__(self, message: str, partial: UpsertResult | None = None) -> None:
        super().__init__(message)
        self.partial = partial or UpsertResult()


# Most engaging first (``Engagement.score``, a derived whole number: the same order as SQLite's
# column), news (no score) last; indices of mapping version 1 have no such field (unmapped_type).
ENGAGEMENT_SORT: dict[str, Any] = {"engagement_score": {"order": "desc", "missing": "_last", "unmapped_type": "long"}}


def to_document(article: Article, indexed_at: datetime | None = None) -> dict[str, Any]:
    """The stored form: ``Article.to_dict()`` plus fields derived for filtering and grouping."""
    doc = article.to_dict()
    # Left out when empty, so a news article also fits indices of mapping version 1 (before public posts).
    for name in ("platform", "engagement", "reply_to", "quote_of"):
        if not doc[name]:
            del doc[name]
    gaz = gazetteer()
    doc["region_tree"] = sorted({anc for code in article.regions for anc in gaz.ancestors(code)})
    score = article.engagement.score() if article.engagement else None
    if score is not None:  # posts only, so news still fits indices of mapping version 1
        doc["engagement_score"] = score
    doc["cluster_key"] = article.cluster_id or article.id
    doc["indexed_at"] = iso(indexed_at or datetime.now(UTC))
    return doc


def from_document(source: dict[str, Any]) -> Article:
    return Article.from_dict({k: v for k, v in source.items() if k not in DERIVED_FIELDS})


def _short(text: str, limit: int = 240) -> str:
    """One line of a server message, without the echo of the document Jackson appends."""
    text = " ".join(re.sub(r"\s+at \[Source:.*", "", str(text), flags=re.S).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _reason(info: dict[str, Any]) -> str:
    """One line from a bulk item's error: status, error type, the server's reason and its cause."""
    error = info.get("error")
    status = info.get("status", "?")
    if not isinstance(error, dict):
        return f"elasticsearch {status} {_short(str(error))}"
    text = f"elasticsearch {status} {error.get('type', 'error')}: {_short(error.get('reason', ''))}"
    cause = error.get("caused_by")
    while isinstance(cause, dict) and cause.get("reason"):
        text += f" (caused by {cause.get('type', '')}: {_short(cause['reason'])})"
        cause = cause.get("caused_by")
    return text


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def _batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class ElasticStore(Store):
    def __init__(
        self,
        url: str,
        *,
        prefix: str = "pantau",
        refresh: bool = False,
        chunk_size: int = 500,
        max_retries: int = 5,
        initial_backoff: float = 1.0,
        max_backoff: float = 30.0,
        request_timeout: float = 60.0,
        templates_dir: Path | None = None,
        client: Elasticsearch | None = None,
    ) -> None:
        self.url = url
        self.where = _redact(url)  # for messages and logs: a URL may carry user:password
        self.names = Names(prefix)
        self.refresh_writes = refresh
        self.chunk_size = chunk_size
        self.max_retries = max_retries
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.templates_dir = templates_dir
        self.client = client or Elasticsearch(
            url, request_timeout=request_timeout, max_retries=3, retry_on_timeout=True
        )
        self._templates_ready: set[int] = set()
        self._indices_ready: set[str] = set()
        self._crawls_ready = False
        self._records_ready = False
        # Where this process wrote each id lately, per mapping version: search cannot see a
        # write until the next refresh, and a month move must still find the old copy.
        self._recent: dict[int, OrderedDict[str, tuple[str, float]]] = defaultdict(OrderedDict)
        self._recent_lock = threading.Lock()  # the dashboard and crawler pipelines write from threads

    # -- plumbing ------------------------------------------------------------------------------------
    def _call(self, what: str, fn: Callable[..., Any], **kwargs: Any) -> Any:
        """Run one request; an unreachable or failing cluster becomes a StoreError naming it."""
        try:
            return fn(**kwargs)
        except TransportError as exc:
            raise ElasticUnavailable(f"Elasticsearch at {self.where} unreachable during {what}: {exc}") from exc
        except ApiError as exc:
            if exc.status_code >= 500 or exc.status_code == 429:
                raise ElasticUnavailable(f"Elasticsearch at {self.where} failed {what}: {exc}") from exc
            raise StoreError(f"Elasticsearch refused {what}: {exc}") from exc

    def _search(self, *, index: str | None = None, **kwargs: Any) -> dict[str, Any]:
        target = index or self.names.read_alias
        body = self._call("search", self.client.search, index=target, ignore_unavailable=True,
                          allow_no_indices=True, **kwargs).body
        assert isinstance(body, dict)
        return body

    def alias_indices(self) -> list[str]:
        """The monthly indices the read alias points at now."""
        try:
            resp = self._call("get alias", self.client.indices.get_alias, name=self.names.read_alias)
        except StoreError as exc:
            if isinstance(exc.__cause__, NotFoundError):
                return []
            raise
        return sorted(resp.body)

    def write_version(self) -> int:
        """The mapping version writes go to: the one the alias serves, else the newest template."""
        versions = [v for v, _ in filter(None, map(self.names.parse, self.alias_indices()))]
        return max(versions) if versions else es_templates.latest("articles", self.templates_dir)

    def _ensure_template(self, version: int) -> None:
        if version in self._templates_ready:
            return
        name = self.names.template(version)
        exists = self._call("check template", self.client.indices.exists_index_template, name=name)
        if not exists:
            body = es_templates.articles_template(
                self.names, version, with_alias=True, directory=self.templates_dir
            )
            try:
                self.client.indices.put_index_template(name=name, create=True, **body)
                log.info("template created name=%s version=%d", name, version)
            except BadRequestError as exc:  # another writer created it first
                if "already exists" not in str(exc):
                    raise StoreError(f"Elasticsearch refused template {name}: {exc}") from exc
            except TransportError as exc:
                raise ElasticUnavailable(f"Elasticsearch at {self.where} unreachable: {exc}") from exc
        self._templates_ready.add(version)

    def _ensure_index(self, index: str) -> None:
        """Create a monthly index explicitly (the template adds mapping and alias)."""
        if index in self._indices_ready:
            return
        try:
            self.client.indices.create(index=index)
            log.info("index created name=%s", index)
        except BadRequestError as exc:
            if exc.error != "resource_already_exists_exception":
                raise StoreError(f"Elasticsearch refused to create {index}: {exc}") from exc
        except TransportError as exc:
            raise ElasticUnavailable(f"Elasticsearch at {self.where} unreachable: {exc}") from exc
        self._indices_ready.add(index)

    def _create_small_index(self, index: str, body: dict[str, Any]) -> None:
        """Create one of the single-index side stores (crawls, records); another writer may have won."""
        try:
            self.client.indices.create(index=index, settings=body["settings"], mappings=body["mappings"])
            log.info("index created name=%s", index)
        except BadRequestError as exc:
            if exc.error != "resource_already_exists_exception":
                raise StoreError(f"Elasticsearch refused to create {index}: {exc}") from exc
        except TransportError as exc:
            raise ElasticUnavailable(f"Elasticsearch at {self.where} unreachable: {exc}") from exc

    def _ensure_crawls(self) -> None:
        if self._crawls_ready:
            return
        self._create_small_index(self.names.crawls, es_templates.crawls_index(self.templates_dir))
        self._crawls_ready = True

    def _ensure_records(self) -> None:
        if self._records_ready:
            return
        self._create_small_index(self.names.records, es_templates.records_index(self.templates_dir))
        self._records_ready = True

    def refresh(self) -> None:
        """Make every write so far visible to search, e.g. at the end of ``pantau index load``."""
        self._call("refresh", self.client.indices.refresh,
                   index=f"{self.names.read_alias},{self.names.crawls},{self.names.records}",
                   ignore_unavailable=True, allow_no_indices=True)

    def drop(self) -> None:
        """Delete every index and template of this prefix (test isolation, ``pantau`` resets)."""
        # Only names this prefix owns exactly: prefix "pantau" must not touch "pantau-test-…" indices.
        side = (self.names.crawls, self.names.records)
        indices = self._call("list indices", self.client.indices.get,
                             index=f"{self.names.prefix}-articles-v*,{','.join(side)}",
                             expand_wildcards="all", allow_no_indices=True, ignore_unavailable=True).body
        names = sorted(n for n in indices if self.names.parse(n) is not None or n in side)
        for start in range(0, len(names), 50):
            chunk = ",".join(names[start : start + 50])
            self._call("delete indices", self.client.indices.delete, index=chunk)
        try:
            templates = self.client.indices.get_index_template(name=f"{self.names.prefix}-articles-v*")
        except NotFoundError:
            templates = None
        except TransportError as exc:
            raise ElasticUnavailable(f"Elasticsearch at {self.where} unreachable: {exc}") from exc
        own = re.compile(rf"{re.escape(self.names.prefix)}-articles-v\d+")
        for t in templates.body.get("index_templates", []) if templates is not None else []:
            if own.fullmatch(t["name"]):
                self._call("delete template", self.client.indices.delete_index_template, name=t["name"])
        self._templates_ready.clear()
        self._indices_ready.clear()
        self._crawls_ready = False
        self._records_ready = False

    def close(self) -> None:
        self.client.close()

    # -- locating stored copies ---------------------------------------------------------------------
    def _locate(
        self, ids: Sequence[str], *, source: bool = False, index: str | None = None
    ) -> dict[str, list[dict[str, Any]]]:
        """Every stored copy of each id (normally one): the search hits, near-real-time."""
        found: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for chunk in _batched(list(dict.fromkeys(ids)), 1000):
            body = self._search(
                index=index,
                query={"ids": {"values": chunk}},
                size=min(MAX_WINDOW, 2 * len(chunk)),
                source=source,
                seq_no_primary_term=True,
                track_total_hits=False,
            )
            for hit in body["hits"]["hits"]:
                found[hit["_id"]].append(hit)
        return found

    def _realtime(self, ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        """Real-time GET of ids in every aliased index, for writes not yet refreshed into search."""
        indices = self.alias_indices()
        if not ids or not indices:
            return {}
        found: dict[str, list[dict[str, Any]]] = defaultdict(list)
        docs = [{"_index": index, "_id": doc_id} for doc_id in ids for index in indices]
        for chunk in _batched(docs, 2000):
            resp = self._call("mget", self.client.mget, docs=chunk, realtime=True).body
            for doc in resp["docs"]:
                if doc.get("found"):
                    found[doc["_id"]].append(doc)
        return found

    def _copies(self, ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        """Stored copies with source, ``_seq_no`` and ``_primary_term``; unrefreshed writes included."""
        found = self._locate(ids, source=True)
        missing = [i for i in dict.fromkeys(ids) if i not in found]
        if missing:
            found.update(self._realtime(missing))
        return found

    # -- writes -------------------------------------------------------------------------------------
    def _bulk(
        self, actions: list[dict[str, Any]], *, refresh: bool = False
    ) -> Iterator[tuple[bool, str, dict[str, Any]]]:
        """Send actions through ``streaming_bulk`` (429s retried with backoff); yield (ok, op, item).

        ``refresh`` waits for searchability even on a store built without ``refresh=True``.
        """
        extra: dict[str, Any] = {"refresh": True} if refresh or self.refresh_writes else {}
        try:
            for ok, item in streaming_bulk(
                self.client,
                actions,
                chunk_size=max(1, len(actions)),
                max_retries=self.max_retries,
                initial_backoff=self.initial_backoff,
                max_backoff=self.max_backoff,
                raise_on_error=False,
                raise_on_exception=False,
                **extra,
            ):
                op, info = next(iter(item.items()))
                status = info.get("status")
                if "exception" in info and (not isinstance(status, int) or status >= 500):
                    raise ElasticUnavailable(f"Elasticsearch at {self.where} failed a bulk request: {info['error']}")
                yield ok, op, info
        except TransportError as exc:
            raise ElasticUnavailable(f"Elasticsearch at {self.where} unreachable during bulk: {exc}") from exc

    def upsert(self, articles: Iterable[Article]) -> UpsertResult:
        version = self.write_version()
        self._ensure_template(version)
        result = UpsertResult()
        try:
            for batch in _batched(articles, self.chunk_size):
                result.merge(self._upsert_batch(batch, version))
        except ElasticUnavailable as exc:
            exc.partial.merge(result)
            log.error("upsert stopped indexed=%d rejected=%d: %s", result.indexed, len(result.rejected), exc)
            raise
        log.info("upsert indexed=%d rejected=%d", result.indexed, len(result.rejected))
        return result

    def index_documents(self, docs: Iterable[tuple[str, str, dict[str, Any]]]) -> UpsertResult:
        """Index prepared ``(id, index, document)`` triples as they are; the raw path under ``upsert``.

        Used by ``reindex`` and by tests that must reach the server with a document the
        Article record would not produce. Performs no month moves.
        """
        result = UpsertResult()
        for batch in _batched(docs, self.chunk_size):
            for index in {index for _, index, _ in batch}:
                self._ensure_index(index)
            actions = [{"_op_type": "index", "_index": index, "_id": doc_id, "_source": doc}
                       for doc_id, index, doc in batch]
            for ok, _op, info in self._bulk(actions):
                if ok:
                    result.indexed += 1
                else:
                    result.rejected.append(Rejection(id=str(info.get("_id")), reason=_reason(info)))
        return result

    def _recently_placed(self, version: int, ids: Iterable[str]) -> dict[str, str]:
        with self._recent_lock:
            recent = self._recent[version]
            horizon = time.monotonic() - RECENT_S
            while recent and next(iter(recent.values()))[1] < horizon:
                recent.popitem(last=False)
            return {doc_id: recent[doc_id][0] for doc_id in ids if doc_id in recent}

    def _remember(self, version: int, placed: dict[str, str]) -> None:
        now = time.monotonic()
        with self._recent_lock:
            recent = self._recent[version]
            for doc_id, index in placed.items():
                recent[doc_id] = (index, now)
                recent.move_to_end(doc_id)

    def _upsert_batch(self, batch: list[Any], version: int, lookup: str | None = None) -> UpsertResult:
        """Index one batch into ``version``'s monthly indices, deleting copies left in other months.

        ``lookup`` is where existing copies are searched (the read alias; ``reindex``
        passes the new version's indices). Copies written by this process in the last
        ``RECENT_S`` seconds are known without search, which only sees refreshed writes.
        """
        result = UpsertResult()
        now = datetime.now(UTC)
        latest: dict[str, tuple[str, dict[str, Any]]] = {}
        count_of: dict[str, int] = defaultdict(int)  # inputs that share an id in this batch
        for article in batch:
            if not isinstance(article, Article):
                result.rejected.append(Rejection(id=str(getattr(article, "id", "?")),
                                                 reason=f"not an Article: {type(article).__name__}"))
                continue
            index = self.names.monthly(version, article.published_at)
            latest[article.id] = (index, to_document(article, now))  # the last copy in the input wins
            count_of[article.id] += 1
        if not latest:
            return result
        for index in {index for index, _ in latest.values()}:
            self._ensure_index(index)
        located = self._locate(list(latest), index=lookup)
        recent = self._recently_placed(version, latest)
        actions: list[dict[str, Any]] = []
        stale_copies: list[tuple[str, str]] = []
        for doc_id, (index, doc) in latest.items():
            stale = {hit["_index"] for hit in located.get(doc_id, [])}
            if doc_id in recent:
                stale.add(recent[doc_id])
            stale.discard(index)
            stale_copies += [(doc_id, old) for old in sorted(stale)]
            actions.append({"_op_type": "index", "_index": index, "_id": doc_id, "_source": doc})
        failed: dict[str, str] = {}
        for ok, _op, info in self._bulk(actions):
            if not ok:
                failed.setdefault(str(info.get("_id")), _reason(info))
        # Old months are cleared only once the new copy is in: a refused update keeps the old one.
        deletes = [{"_op_type": "delete", "_index": old, "_id": doc_id}
                   for doc_id, old in stale_copies if doc_id not in failed]
        for ok, _op, info in self._bulk(deletes) if deletes else ():
            if not ok and info.get("status") != 404:
                doc_id = str(info.get("_id"))
                failed.setdefault(doc_id, f"indexed in {latest[doc_id][0]} but the old copy in "
                                          f"{info.get('_index')} could not be deleted: {_reason(info)}")
        for doc_id, n in count_of.items():
            if doc_id in failed:
                result.rejected.extend(Rejection(id=doc_id, reason=failed[doc_id]) for _ in range(n))
            else:
                result.indexed += n
        self._remember(version, {doc_id: latest[doc_id][0] for doc_id in count_of if doc_id not in failed})
        if failed:
            log.warning("upsert batch rejected=%d first=%s", len(failed), next(iter(failed.values())))
        if deletes:
            log.info("upsert batch moved=%d articles to another month", len(deletes))
        return result

    def _rewrite(self, changes: dict[str, Callable[[dict[str, Any]], dict[str, Any]]]) -> set[str]:
        """Apply ``changes[id](source)`` to stored documents with optimistic concurrency.

        Each stored copy is re-indexed whole, conditional on the ``_seq_no`` it was read at;
        a copy that changed in between (409) is read again and retried. Returns the ids
        that were written.
        """
        written: set[str] = set()
        todo = list(changes)
        for _round in range(CONFLICT_ROUNDS):
            if not todo:
                break
            copies = self._copies(todo) if _round == 0 else self._realtime(todo)
            now = iso(datetime.now(UTC))
            actions = []
            for doc_id in todo:
                for copy in copies.get(doc_id, []):
                    source = changes[doc_id](dict(copy["_source"]))
                    source["indexed_at"] = now
                    actions.append({
                        "_op_type": "index", "_index": copy["_index"], "_id": doc_id, "_source": source,
                        "if_seq_no": copy["_seq_no"], "if_primary_term": copy["_primary_term"],
                    })
            conflicts: list[str] = []
            for ok, _op, info in self._bulk(actions):
                doc_id = str(info.get("_id"))
                if ok:
                    written.add(doc_id)
                elif info.get("status") == 409:
                    conflicts.append(doc_id)
                else:
                    log.warning("rewrite failed id=%s %s", doc_id, _reason(info))
            todo = list(dict.fromkeys(conflicts))
        if todo:
            log.warning("rewrite gave up ids=%d after %d conflict rounds", len(todo), CONFLICT_ROUNDS)
        return written

    def set_scores(self, updates: Iterable[ScoreUpdate]) -> int:
        updated = 0
        for batch in _batched(updates, self.chunk_size):
            last: dict[str, ScoreUpdate] = {}
            for u in batch:
                last[u.id] = u

            def apply(u: ScoreUpdate) -> Callable[[dict[str, Any]], dict[str, Any]]:
                def change(source: dict[str, Any]) -> dict[str, Any]:
                    source["sentiment"] = u.sentiment.to_dict() if u.sentiment else None
                    source["topics"] = [t.to_dict() for t in u.topics]
                    source["nlp_status"] = "failed" if u.failed_reason else "scored"
                    source["nlp_version"] = u.nlp_version
                    return source

                return change

            written = self._rewrite({doc_id: apply(u) for doc_id, u in last.items()})
            updated += sum(1 for u in batch if u.id in written)
        log.info("set_scores updated=%d", updated)
        return updated

    def add_feedback(self, article_id: str, feedback: Feedback) -> bool:
        def change(source: dict[str, Any]) -> dict[str, Any]:
            source["feedback"] = [*(source.get("feedback") or []), feedback.to_dict()]
            return source

        return article_id in self._rewrite({article_id: change})

    def record_crawl(self, run: CrawlRun) -> None:
        self._ensure_crawls()
        doc_id = f"{run.source}|{iso(run.finished_at)}"
        self._call("record crawl", self.client.index, index=self.names.crawls, id=doc_id, document=run.to_dict(),
                   refresh=True if self.refresh_writes else None)

    def put_records(
        self, kind: str, records: Mapping[str, Mapping[str, Any]], *, create_only: bool = False
    ) -> list[str]:
        """Bulk ``index`` (or ``create``: a 409 means "already there", skipped), always refreshed."""
        encoded = encode_records(kind, records)
        if not encoded:
            return []
        self._ensure_records()
        now = iso(datetime.now(UTC))
        by_doc_id: dict[str, str] = {}
        written: set[str] = set()
        skipped = 0
        failures: list[str] = []
        overloaded = False  # a 429 after the retries or a 5xx: the cluster, not the record, failed
        for batch in _batched(encoded, self.chunk_size):
            actions = []
            for record in batch:
                doc_id = record_doc_id(kind, record.id)
                by_doc_id[doc_id] = record.id
                source: dict[str, Any] = {"kind": kind, "id": record.id, "updated_at": now,
                                          "doc": json.loads(record.doc)}
                if record.status is not None:
                    source["status"] = record.status
                actions.append({"_op_type": "create" if create_only else "index", "_index": self.names.records,
                                "_id": doc_id, "_source": source})
            for ok, _op, info in self._bulk(actions, refresh=True):
                record_id = by_doc_id.get(str(info.get("_id")), str(info.get("_id")))
                if ok:
                    written.add(record_id)
                elif create_only and info.get("status") == 409:
                    skipped += 1
                else:
                    status = info.get("status")
                    overloaded |= not isinstance(status, int) or status == 429 or status >= 500
                    failures.append(f"{record_id}: {_reason(info)}")
        log.info("put_records kind=%s written=%d skipped=%d failed=%d create_only=%s",
                 kind, len(written), skipped, len(failures), create_only)
        if failures:
            error = ElasticUnavailable if overloaded else StoreError
            raise error(f"Elasticsearch at {self.where} refused {len(failures)} of {len(encoded)} {kind} records "
                        f"({len(written)} written); first: {failures[0]}")
        return [record.id for record in encoded if record.id in written]

    def get_records(
        self, kind: str, *, status: str | None = None, ids: Sequence[str] | None = None
    ) -> dict[str, dict[str, Any]]:
        """Term filters on the records index, paged by id with ``search_after`` (no 10 000 cap)."""
        check_record_kind(kind)
        base: list[dict[str, Any]] = [{"term": {"kind": kind}}]
        if status is not None:
            base.append({"term": {"status": check_record_status(status)}})
        if ids is None:
            groups: list[list[dict[str, Any]]] = [base]
        else:
            wanted = check_record_ids(ids)
            groups = [[*base, {"terms": {"id": chunk}}] for chunk in _batched(wanted, IDS_PER_TERMS)]
        self._ensure_records()
        found: dict[str, dict[str, Any]] = {}
        for filters in groups:
            after: list[Any] | None = None
            while True:
                extra: dict[str, Any] = {"search_after": after} if after is not None else {}
                body = self._call("get records", self.client.search, index=self.names.records,
                                  query={"bool": {"filter": filters}}, sort=[{"id": "asc"}], size=MAX_WINDOW,
                                  track_total_hits=False, **extra).body
                hits = body["hits"]["hits"]
                for hit in hits:
                    found[str(hit["_source"]["id"])] = hit["_source"]["doc"]
                if len(hits) < MAX_WINDOW:
                    break
                after = hits[-1]["sort"]
        # Keyword sort is UTF-8 byte order, which is code point order, as Python's; chunks merge here.
        return {record_id: found[record_id] for record_id in sorted(found)}

    # -- reads --------------------------------------------------------------------------------------
    def get(self, ids: Sequence[str]) -> dict[str, Article]:
        copies = self._copies(list(ids))
        return {doc_id: from_document(hits[0]["_source"]) for doc_id, hits in copies.items() if hits}

    def iter_articles(self, filters: Filters | None = None, page_size: int = 1000) -> Iterator[Article]:
        """Every stored copy of the matching articles in id order, paged with ``search_after``.

        For exports and checks. Sorting on ``(id, _index)`` keeps two copies of one id (which
        must not exist) distinct, so a check over this iterator would see them.
        """
        after: list[Any] | None = None
        while True:
            extra: dict[str, Any] = {"search_after": after} if after is not None else {}
            body = self._search(query=es_query.filters_query(filters), size=page_size,
                                sort=[{"id": "asc"}, {"_index": "asc"}], track_total_hits=False, **extra)
            hits = body["hits"]["hits"]
            for hit in hits:
                yield from_document(hit["_source"])
            if len(hits) < page_size:
                return
            after = hits[-1]["sort"]

    def pending(self, limit: int = 100) -> list[Article]:
        body = self._search(
            query={"term": {"nlp_status": "pending"}},
            sort=[{"crawled_at": "asc"}, {"id": "asc"}],
            size=max(0, min(limit, MAX_WINDOW)),
            track_total_hits=False,
        )
        return [from_document(hit["_source"]) for hit in body["hits"]["hits"]]

    def count(self, filters: Filters | None = None) -> int:
        resp = self._call("count", self.client.count, index=self.names.read_alias,
                          query=es_query.filters_query(filters), ignore_unavailable=True, allow_no_indices=True)
        return int(resp.body["count"])

    def status_counts(self) -> dict[str, int]:
        body = self._search(size=0, aggs={"s": {"terms": {"field": "nlp_status", "size": 10}}})
        counts = {"pending": 0, "scored": 0, "failed": 0}
        for b in body.get("aggregations", {}).get("s", {}).get("buckets", []):
            counts[b["key"]] = b["doc_count"]
        return counts

    def last_crawls(self) -> dict[str, CrawlRun]:
        self._ensure_crawls()
        body = self._call("last crawls", self.client.search, index=self.names.crawls, size=MAX_WINDOW,
                          collapse={"field": "source"}, sort=[{"finished_at": "desc"}]).body
        runs = [CrawlRun.from_dict(hit["_source"]) for hit in body["hits"]["hits"]]
        return {r.source: r for r in sorted(runs, key=lambda r: r.source)}

    def search(
        self,
        query: str,
        filters: Filters | None = None,
        *,
        sort: str = "relevance",
        page: int = 1,
        size: int = 20,
    ) -> SearchResult:
        if sort not in SORTS:
            raise ValueError(f"sort must be one of {SORTS}, not {sort!r}")
        page, size = max(1, page), max(1, min(size, 1000))
        offset = (page - 1) * size
        if offset + size > MAX_WINDOW:
            raise StoreError(
                f"page {page} of {size} reaches past the first {MAX_WINDOW} results; narrow the filters "
                "or use iter_articles() for exports"
            )
        es_q, positive = es_query.build_query(query, filters)
        if positive and sort == "relevance":
            order: list[Any] = [{"_score": "desc"}, {"published_at": "desc"}, {"id": "asc"}]
        elif sort == "oldest":
            order = [{"published_at": "asc"}, {"id": "asc"}]
        elif sort == "engagement":
            order = [ENGAGEMENT_SORT, {"published_at": "desc"}, {"id": "asc"}]
        else:
            order = [{"published_at": "desc"}, {"id": "asc"}]
        extra: dict[str, Any] = {}
        if positive:
            extra["highlight"] = {
                "encoder": "html",
                "pre_tags": ["<mark>"],
                "post_tags": ["</mark>"],
                "fields": {
                    "title": {"number_of_fragments": 0},
                    "body": {"fragment_size": 160, "number_of_fragments": 1},
                },
            }
            extra["track_scores"] = True
        body = self._search(query=es_q, sort=order, from_=offset, size=size, track_total_hits=True, **extra)
        hits = []
        for hit in body["hits"]["hits"]:
            highlight = hit.get("highlight", {})
            highlights = {name: list(highlight[name]) for name in ("title", "body") if highlight.get(name)}
            score = float(hit["_score"]) if positive and hit.get("_score") is not None else 0.0
            hits.append(Hit(article=from_document(hit["_source"]), score=score, highlights=highlights))
        return SearchResult(total=int(body["hits"]["total"]["value"]), hits=hits, page=page, size=size)

    @staticmethod
    def _sentiment_terms() -> dict[str, Any]:
        return {"terms": {"field": "sentiment.label", "missing": es_query.UNSCORED, "size": 10}}

    @staticmethod
    def _split(buckets: list[dict[str, Any]]) -> dict[str, int]:
        counts = dict.fromkeys(SENTIMENT_BUCKETS, 0)
        for b in buckets:
            counts[b["key"]] = counts.get(b["key"], 0) + int(b["doc_count"])
        return counts

    def timeseries(
        self, filters: Filters | None = None, *, interval: str = "day", tz: str = "UTC"
    ) -> list[Bucket]:
        if interval not in INTERVALS:
            raise ValueError(f"interval must be one of {INTERVALS}, not {interval!r}")
        ZoneInfo(tz)  # an unknown zone fails here, as on SQLite, not as a server error
        body = self._search(
            query=es_query.filters_query(filters),
            size=0,
            aggs={
                "t": {
                    "date_histogram": {"field": "published_at", "calendar_interval": interval, "time_zone": tz,
                                       "min_doc_count": 1},
                    "aggs": {"s": self._sentiment_terms()},
                }
            },
        )
        out = []
        for b in body.get("aggregations", {}).get("t", {}).get("buckets", []):
            start = datetime.fromtimestamp(b["key"] / 1000, UTC)
            out.append(Bucket(start=start, counts=self._split(b["s"]["buckets"])))
        return out

    def region_counts(self, filters: Filters | None = None) -> dict[str, dict[str, int]]:
        f = filters or Filters()
        body = self._search(
            query=es_query.filters_query(filters),
            size=0,
            aggs={"r": {"terms": {"field": "region_tree", "size": 65_000}, "aggs": {"s": self._sentiment_terms()}}},
        )
        out: dict[str, dict[str, int]] = {}
        for b in body.get("aggregations", {}).get("r", {}).get("buckets", []):
            code = str(b["key"])
            if f.regions and not any(code == r or code.startswith(r + ".") for r in f.regions):
                continue
            counts = self._split(b["s"]["buckets"])
            out[code] = {**counts, "total": sum(counts.values())}
        return out

    def facets(
        self, query: str = "", filters: Filters | None = None, fields: Sequence[str] = FACET_FIELDS, size: int = 20
    ) -> dict[str, dict[str, int]]:
        aggs: dict[str, Any] = {}
        for name in fields:
            if name not in FACET_FIELDS:
                raise ValueError(f"facet field must be one of {FACET_FIELDS}, not {name!r}")
            terms: dict[str, Any] = {"field": FACET_SOURCE[name], "size": max(1, size),
                                     "shard_size": max(10 * size, 1000)}
            if name == "sentiment":
                terms["missing"] = es_query.UNSCORED
            aggs[name] = {"terms": terms}
        es_q, _ = es_query.build_query(query, filters)
        body = self._search(query=es_q, size=0, aggs=aggs) if aggs else {}
        result = body.get("aggregations", {})
        return {name: {str(b["key"]): int(b["doc_count"]) for b in result.get(name, {}).get("buckets", [])}
                for name in fields}

    def _indices_for(self, filters: Filters | None) -> list[str] | None:
        """The aliased monthly indices a date window can touch; None when there is no window."""
        f = filters or Filters()
        if f.since is None and f.until is None:
            return None
        out = []
        for index in self.alias_indices():
            parsed = self.names.parse(index)
            if parsed is None:
                out.append(index)
                continue
            year, month = (int(part) for part in parsed[1].split("."))
            start = datetime(year, month, 1, tzinfo=UTC)
            end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
            if (f.until is None or start < f.until) and (f.since is None or end > f.since):
                out.append(index)
        return out

    def _rank_clusters(self, base: dict[str, Any], filters: Filters | None, limit: int) -> list[tuple[int, int, str]]:
        """``(negative, copies, key)`` of the top clusters, exactly.

        On one shard (a date window inside one month: the morning dashboard's case) an
        ordered ``terms`` aggregation is exact and cheap. Across shards its ordering by a
        sub-aggregation can miss a cluster split between months, so every cluster is
        counted with ``composite`` paging and ranked here.
        """
        order = [{"neg": "desc"}, {"_count": "desc"}, {"latest": "desc"}, {"_key": "asc"}]
        sub = {"neg": {"filter": {"term": {"sentiment.label": "negative"}}},
               "latest": {"max": {"field": "published_at"}}}
        indices = self._indices_for(filters)
        if indices is not None and len(indices) <= 1:
            if not indices:
                return []
            body = self._search(index=indices[0], query=base, size=0, aggs={
                "c": {"terms": {"field": "cluster_key", "size": max(1, limit), "order": order}, "aggs": sub}})
            if body["_shards"]["total"] == 1:
                return [(int(b["neg"]["doc_count"]), int(b["doc_count"]), str(b["key"]))
                        for b in body["aggregations"]["c"]["buckets"]][: max(0, limit)]
        clusters: list[tuple[int, int, int, str]] = []
        after: dict[str, Any] | None = None
        while True:
            composite: dict[str, Any] = {"size": 5000, "sources": [{"k": {"terms": {"field": "cluster_key"}}}]}
            if after:
                composite["after"] = after
            body = self._search(index=",".join(indices) if indices else None, query=base, size=0,
                                aggs={"c": {"composite": composite, "aggs": sub}})
            agg = body.get("aggregations", {}).get("c", {})
            for b in agg.get("buckets", []):
                clusters.append((int(b["neg"]["doc_count"]), int(b["doc_count"]),
                                 int(b["latest"]["value"] or 0), str(b["key"]["k"])))
            after = agg.get("after_key")
            if not after or len(agg.get("buckets", [])) < 5000:
                break
        clusters.sort(key=lambda c: (-c[0], -c[1], -c[2], c[3]))
        return [(neg, n, key) for neg, n, _latest, key in clusters[: max(0, limit)]]

    def top_stories(self, filters: Filters | None = None, *, limit: int = 10) -> list[Story]:
        """Rank clusters by negative copies, copies, recency; then fetch the copies of the top ones."""
        base = es_query.filters_query(filters)
        top = self._rank_clusters(base, filters, limit)
        if not top:
            return []
        searches: list[dict[str, Any]] = []
        for _neg, _n, key in top:
            searches.append({"index": self.names.read_alias, "ignore_unavailable": True})
            searches.append({
                "query": {"bool": {"filter": [base, {"term": {"cluster_key": key}}]}},
                "collapse": {"field": "source"},
                "sort": [{"published_at": "asc"}, {"id": "asc"}],
                "size": 1000,
                "track_total_hits": False,
            })
        responses = self._call("top stories", self.client.msearch, searches=searches).body["responses"]
        stories = []
        for (neg, n, key), resp in zip(top, responses, strict=True):
            if "error" in resp:
                raise StoreError(f"Elasticsearch refused the copies of story {key}: {resp['error']}")
            hits = resp["hits"]["hits"]
            if not hits:
                continue
            stories.append(Story(cluster_id=key, count=n, negative=neg, lead=from_document(hits[0]["_source"]),
                                 sources=[str(h["_source"]["source"]) for h in hits]))
        return stories
