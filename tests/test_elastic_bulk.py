"""Bulk writes to Elasticsearch: every input is either indexed or rejected with a reason.

Malformed here means what the Article record accepts but the server refuses: NaN and
infinite scores (JSON has no such numbers), a URL past Lucene's 32,766-byte term limit,
and, through the raw document path, a field the strict mapping does not know. 429s are
the one fault a quiet single-node server will not produce on demand, so a small proxy on
127.0.0.1 in front of the real server marks chosen bulk items as rejected by a full write
queue, exactly as Elasticsearch reports it.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from index.elastic import ElasticStore
from pantau.article import Article, Sentiment, Topic
from tests.es_server import synthetic_articles

pytestmark = pytest.mark.es


def _malformed(article: Article, kind: int) -> Article:
    if kind == 0:
        return article.replace(sentiment=Sentiment(label="negative", score=float("nan")), nlp_status="scored")
    if kind == 1:
        return article.replace(topics=(Topic(label="bencana", score=float("-inf")),))
    return article.replace(canonical_url=article.canonical_url + "/" + "x" * 33_000)


def test_one_malformed_per_500_is_rejected_and_counted(es_store: ElasticStore) -> None:
    articles = synthetic_articles(5_000, seed=3, body_words=30)
    bad_ids = set()
    for i in range(499, 5_000, 500):
        articles[i] = _malformed(articles[i], kind=(i // 500) % 3)
        bad_ids.add(articles[i].id)
    result = es_store.upsert(articles)
    assert result.indexed + len(result.rejected) == 5_000
    assert result.indexed == 4_990
    assert {r.id for r in result.rejected} == bad_ids
    assert all(r.reason.startswith("elasticsearch 400 document_parsing_exception") for r in result.rejected)
    assert sum("Non-standard token" in r.reason for r in result.rejected) == 7
    assert sum("immense term" in r.reason for r in result.rejected) == 3
    assert es_store.count() == 4_990
    assert not es_store.get(sorted(bad_ids))


def test_unknown_fields_through_the_raw_document_path(es_store: ElasticStore) -> None:
    articles = synthetic_articles(5_000, seed=4, body_words=30)
    version = es_store.write_version()
    es_store.upsert(articles[:1])  # the template now exists; months are created on demand
    docs = []
    for i, article in enumerate(articles):
        doc = article.to_dict()
        if i % 500 == 250:
            doc["sentimen"] = "negatif"  # a field some other tool might add: the mapping is strict
        docs.append((article.id, es_store.names.monthly(version, article.published_at), doc))
    result = es_store.index_documents(docs)
    assert (result.indexed, len(result.rejected)) == (4_990, 10)
    assert {r.id for r in result.rejected} == {articles[i].id for i in range(250, 5_000, 500)}
    assert all("strict_dynamic_mapping_exception" in r.reason and "[sentimen]" in r.reason
               for r in result.rejected)
    es_store.refresh()
    assert es_store.count() == 4_990


# -- 429 from a full write queue ------------------------------------------------------------------
@dataclass
class Fault:
    """Which bulk items the proxy turns into 429s."""

    first_attempts: int = 0  # mark every item of the first N bulk requests
    always_ids: set[str] = field(default_factory=set)  # mark these ids on every attempt
    bulk_requests: int = 0
    marked: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


REJECTED = {
    "type": "es_rejected_execution_exception",
    "reason": "rejected execution of coordinating operation [write queue full] (injected by the test proxy)",
}


def _proxy(target: str, fault: Fault) -> tuple[ThreadingHTTPServer, str]:
    upstream = urlsplit(target)

    class Handler(BaseHTTPRequestHandler):
        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "accept-encoding")}
            conn = http.client.HTTPConnection(upstream.hostname or "127.0.0.1", upstream.port, timeout=60)
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            payload = resp.read()
            if self.path.split("?")[0].endswith("/_bulk") and resp.status == 200:
                payload = self._inject(payload)
            self.send_response(resp.status)
            for k, v in resp.getheaders():
                if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            conn.close()

        def _inject(self, payload: bytes) -> bytes:
            data = json.loads(payload)
            with fault.lock:
                fault.bulk_requests += 1
                mark_all = fault.bulk_requests <= fault.first_attempts
                for item in data["items"]:
                    info = next(iter(item.values()))
                    if mark_all or info["_id"] in fault.always_ids:
                        info.pop("result", None)
                        info["status"] = 429
                        info["error"] = dict(REJECTED)
                        data["errors"] = True
                        fault.marked += 1
            return json.dumps(data).encode()

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def faulty(es_store: ElasticStore) -> Iterator[tuple[ElasticStore, Fault]]:
    fault = Fault()
    server, url = _proxy(es_store.url, fault)
    store = ElasticStore(url, prefix=es_store.names.prefix, refresh=True, chunk_size=200, max_retries=3,
                         initial_backoff=0.01, max_backoff=0.05)
    yield store, fault
    store.close()
    server.shutdown()
    server.server_close()


def test_429_items_are_retried_with_backoff(faulty: tuple[ElasticStore, Fault]) -> None:
    store, fault = faulty
    fault.first_attempts = 2  # the first batch is refused twice, then accepted on the third try
    articles = synthetic_articles(600, seed=5, body_words=20)
    result = store.upsert(articles)
    assert (result.indexed, result.rejected) == (600, [])
    assert fault.marked == 400
    assert fault.bulk_requests == 3 + 2  # batch 1: three attempts; batches 2 and 3: one each
    assert store.count() == 600


def test_429_after_the_last_retry_becomes_a_counted_rejection(faulty: tuple[ElasticStore, Fault]) -> None:
    store, fault = faulty
    articles = synthetic_articles(300, seed=6, body_words=20)
    fault.always_ids = {articles[10].id, articles[250].id}
    result = store.upsert(articles)
    assert result.indexed + len(result.rejected) == 300
    assert {r.id for r in result.rejected} == fault.always_ids
    assert all(r.reason.startswith("elasticsearch 429 es_rejected_execution_exception") for r in result.rejected)
    assert fault.marked == 2 * (1 + 3)  # first try plus three retries each


def test_month_index_creation_is_idempotent_across_store_objects(es_store: ElasticStore) -> None:
    first = ElasticStore(es_store.url, prefix=es_store.names.prefix, refresh=True)
    article = synthetic_articles(1)[0].replace(published_at=datetime(2025, 12, 31, 23, 59, tzinfo=UTC))
    assert first.upsert([article]).indexed == 1
    assert es_store.upsert([article]).indexed == 1  # its own caches are cold: create must tolerate "exists"
    assert es_store.count() == 1
    first.close()
