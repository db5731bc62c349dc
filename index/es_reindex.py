"""Move the Elasticsearch article indices to a new mapping version without a search outage.

``pantau index reindex --version N`` calls :func:`reindex`. A mapping change (a new
analyzer, a new keyword subfield) cannot be applied to existing indices, so every
article is copied into ``<prefix>-articles-v<N>-<yyyy>.<mm>`` indices built from
``index/templates/articles-v<N>.json``, and then the read alias ``<prefix>-articles``
moves from the old indices to the new ones in one ``update_aliases`` call: a search
sees either all old or all new indices, never both and never none.

The copy goes through Python (scroll, then the store's own bulk path) rather than the
``_reindex`` API: the integ-test-zip server used in development has no ``reindex``
module, and the derived fields are recomputed from the Article record on the way.

Writers should pause while this runs. Writes that happen anyway land in the old
indices; two catch-up passes copy every document whose ``indexed_at`` is newer than the
start, one before and one after the swap (writers switch to the new version on their
next ``upsert`` call, because the write version is read from the alias).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from elastic_transport import TransportError
from elasticsearch import ApiError
from elasticsearch.helpers import ScanError, scan

from index import es_templates
from index.elastic import ElasticStore, ElasticUnavailable, from_document
from index.store import Rejection, StoreError, UpsertResult
from pantau.article import Article, iso

log = logging.getLogger(__name__)

CATCH_UP_SLACK = timedelta(seconds=5)  # clock skew between Pantau hosts and the cluster


@dataclass
class ReindexReport:
    old_version: int | None
    new_version: int
    copied: int = 0
    caught_up: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    old_indices: list[str] = field(default_factory=list)
    new_indices: list[str] = field(default_factory=list)
    deleted_old: bool = False
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "old_version": self.old_version,
            "new_version": self.new_version,
            "copied": self.copied,
            "caught_up": self.caught_up,
            "rejected": len(self.rejected),
            "rejections": [{"id": r.id, "reason": r.reason} for r in self.rejected],
            "old_indices": self.old_indices,
            "new_indices": self.new_indices,
            "deleted_old": self.deleted_old,
            "seconds": round(self.seconds, 1),
        }


def _articles(store: ElasticStore, indices: list[str], since: datetime | None) -> Iterator[Article]:
    if not indices:
        return
    query: dict[str, Any] = {"match_all": {}}
    if since is not None:
        query = {"range": {"indexed_at": {"gte": iso(since)}}}
    try:
        for hit in scan(store.client, index=",".join(indices), query={"query": query}, size=1000,
                        scroll="5m", preserve_order=False):
            yield from_document(hit["_source"])
    except (ScanError, ApiError, TransportError) as exc:
        raise ElasticUnavailable(f"reading {len(indices)} old indices failed: {exc}") from exc


def _copy(store: ElasticStore, articles: Iterator[Article], version: int) -> UpsertResult:
    result = UpsertResult()
    lookup = store.names.pattern(version)
    batch: list[Article] = []
    for article in articles:
        batch.append(article)
        if len(batch) >= store.chunk_size:
            result.merge(store._upsert_batch(batch, version, lookup=lookup))
            batch = []
    if batch:
        result.merge(store._upsert_batch(batch, version, lookup=lookup))
    return result


def _refresh(store: ElasticStore, index: str) -> None:
    store._call("refresh", store.client.indices.refresh, index=index, allow_no_indices=True,
                ignore_unavailable=True)


def _new_indices(store: ElasticStore, version: int) -> list[str]:
    resp = store._call("list indices", store.client.indices.get, index=store.names.pattern(version),
                       allow_no_indices=True, ignore_unavailable=True)
    return sorted(name for name in resp.body if (store.names.parse(name) or (None, ""))[0] == version)


def reindex(store: ElasticStore, new_version: int, *, delete_old: bool = False) -> ReindexReport:
    """Copy all articles into mapping ``new_version`` and swap the read alias atomically."""
    t0 = time.monotonic()
    names = store.names
    es_templates.load("articles", new_version, store.templates_dir)  # fail early on a missing file
    old_indices = store.alias_indices()
    old_versions = sorted({v for v, _ in filter(None, map(names.parse, old_indices))})
    old_version = old_versions[-1] if old_versions else None
    if old_version == new_version and len(old_versions) == 1:
        raise StoreError(f"the read alias {names.read_alias} already serves mapping version {new_version}")
    report = ReindexReport(old_version=old_version, new_version=new_version, old_indices=old_indices)
    started = datetime.now(UTC)

    # 1. The new version's template without the alias: half-built indices stay invisible.
    body = es_templates.articles_template(names, new_version, with_alias=False, directory=store.templates_dir)
    store._call("put template", store.client.indices.put_index_template, name=names.template(new_version), **body)
    log.info("reindex start old_version=%s new_version=%d old_indices=%d", old_version, new_version,
             len(old_indices))

    # 2. Full copy, then a catch-up of what writers changed meanwhile.
    copied = _copy(store, _articles(store, old_indices, None), new_version)
    report.copied, report.rejected = copied.indexed, list(copied.rejected)
    _refresh(store, names.pattern(new_version))
    current = store.alias_indices()
    caught = _copy(store, _articles(store, current, started - CATCH_UP_SLACK), new_version)
    _refresh(store, names.pattern(new_version))

    # 3. One atomic alias swap, then new months of the new version join the alias by template.
    new_indices = _new_indices(store, new_version)
    actions: list[dict[str, Any]] = [{"remove": {"index": i, "alias": names.read_alias}} for i in current]
    actions += [{"add": {"index": i, "alias": names.read_alias}} for i in new_indices]
    if actions:
        store._call("swap alias", store.client.indices.update_aliases, actions=actions)
    body = es_templates.articles_template(names, new_version, with_alias=True, directory=store.templates_dir)
    store._call("put template", store.client.indices.put_index_template, name=names.template(new_version), **body)
    for version in old_versions:
        if version != new_version:
            # A writer still on the old version must not add a new month back into the alias.
            old_body = es_templates.articles_template(names, version, with_alias=False,
                                                      directory=store.templates_dir)
            store._call("put template", store.client.indices.put_index_template, name=names.template(version),
                        **old_body)
    store._templates_ready.add(new_version)
    log.info("reindex swapped alias=%s removed=%d added=%d", names.read_alias, len(current), len(new_indices))

    # 4. Writes that reached the old indices between the catch-up and the swap.
    _refresh(store, ",".join(current) if current else names.pattern(new_version))
    late = _copy(store, _articles(store, current, started - CATCH_UP_SLACK), new_version)
    report.caught_up = caught.indexed + late.indexed
    report.rejected += caught.rejected + late.rejected
    if store.refresh_writes:
        _refresh(store, names.pattern(new_version))
    report.new_indices = _new_indices(store, new_version)

    if delete_old and current:
        for start in range(0, len(current), 50):
            chunk = ",".join(current[start : start + 50])
            store._call("delete old indices", store.client.indices.delete, index=chunk)
        report.deleted_old = True
    report.seconds = time.monotonic() - t0
    log.info("reindex done copied=%d caught_up=%d rejected=%d seconds=%.1f", report.copied, report.caught_up,
             len(report.rejected), report.seconds)
    return report
