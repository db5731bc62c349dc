"""SQLite-specific guarantees: concurrent readers beside a writer, and hostile search text."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index import Filters
from index.fts_query import parse
from index.sqlite import SqliteStore
from tests.corpus import BASE, corpus, make


@pytest.mark.slow
def test_eight_readers_and_one_writer_for_30_seconds(tmp_path: Path) -> None:
    store = SqliteStore(f"sqlite:///{tmp_path / 'busy.db'}")
    store.upsert(corpus())
    stop = time.monotonic() + 30
    errors: list[BaseException] = []
    reads = [0] * 8
    writes = [0]

    def reader(slot: int) -> None:
        try:
            while time.monotonic() < stop:
                store.search("banjir samarinda", Filters(regions=("64",)))
                store.timeseries(tz="Asia/Makassar")
                store.region_counts()
                store.count()
                reads[slot] += 1
        except BaseException as exc:
            errors.append(exc)

    def writer() -> None:
        n = 1000
        try:
            while time.monotonic() < stop:
                batch = [make(n + i, f"Berita {n + i} Samarinda", "Banjir di Samarinda " * 50,
                              regions=("64.72",), hours=i % 48) for i in range(50)]
                store.upsert(batch)
                store.pending(limit=20)
                n += 50
                writes[0] += len(batch)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(8)] + [threading.Thread(target=writer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store.close()
    assert not errors, errors[:3]
    assert not any(isinstance(e, sqlite3.OperationalError) and "locked" in str(e) for e in errors)
    assert all(r > 0 for r in reads), reads
    assert writes[0] >= 50
    reopened = SqliteStore(f"sqlite:///{tmp_path / 'busy.db'}")
    assert reopened.count() == 8 + writes[0]
    print(f"8 readers: {sum(reads)} read rounds; writer: {writes[0]} articles in 30 s, no lock errors")


@pytest.fixture(scope="module")
def fuzz_store(tmp_path_factory: pytest.TempPathFactory) -> SqliteStore:
    store = SqliteStore(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}")
    store.upsert(corpus())
    return store


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(max_size=60))
def test_any_text_is_a_valid_query(fuzz_store: SqliteStore, query: str) -> None:
    result = fuzz_store.search(query)
    assert result.total >= len(result.hits)
    fuzz_store.facets(query, fields=("source",))


SYNTAX = st.sampled_from(['"', "(", ")", "*", "^", ":", "-", "+", "NOT", "AND", "OR", "NEAR", "{", "}", "'",
                          "banjir", "samarinda", " ", "\\", "\x00", "%", "_"])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(SYNTAX, max_size=12))
def test_fts_syntax_soup_never_raises(fuzz_store: SqliteStore, parts: list[str]) -> None:
    query = "".join(parts)
    result = fuzz_store.search(query, Filters(since=BASE - timedelta(days=1)))
    assert result.total >= 0


def test_parse_keeps_words_and_drops_syntax() -> None:
    assert parse('"banjir bandang" -jakarta OR').positive == '"banjir bandang"'
    assert parse('"NOT (').positive == '"NOT"'
    assert parse("").positive == "" and parse("").negative == ""
