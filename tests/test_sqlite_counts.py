"""The SQLite store's count tables and its fast read paths answer exactly what the plain SQL answers.

``hour_counts`` and ``region_hour_counts`` are kept by triggers; after every kind of write
they must equal a recount of the articles. The optimised search, timeseries and region
counts are compared with the plain queries of schema version 1 (``optimised = False``) on
the same file, and a file written before the count tables existed migrates on open.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from index import Filters, ScoreUpdate
from index import sqlite as sqlite_store
from index.sqlite import SCHEMA_VERSION, SqliteStore
from pantau.article import Sentiment, Topic
from tests.corpus import BASE, corpus, make

OLD_FILE = Path(__file__).parent / "data" / "store" / "pantau-v1.db"


def recount(path: Path) -> tuple[Counter[tuple[int, str]], Counter[tuple[str, int, str]]]:
    """Counts by UTC hour x sentiment, and by region x hour x sentiment, computed from the articles in Python."""
    con = sqlite3.connect(path)
    hours: Counter[tuple[int, str]] = Counter()
    regions: Counter[tuple[str, int, str]] = Counter()
    rows = con.execute("SELECT rowid, published_at, sentiment FROM articles").fetchall()
    codes: dict[int, list[str]] = {}
    for code, article in con.execute("SELECT code, article FROM article_regions"):
        codes.setdefault(article, []).append(code)
    for rowid, published, sentiment in rows:
        key = (published // 3600 * 3600, sentiment or "unscored")
        hours[key] += 1
        for code in codes.get(rowid, []):
            regions[(code, *key)] += 1
    con.close()
    return hours, regions


def kept(path: Path) -> tuple[Counter[tuple[int, str]], Counter[tuple[str, int, str]]]:
    con = sqlite3.connect(path)
    hours = Counter({(h, s): n for h, s, n in con.execute("SELECT hour, sentiment, n FROM hour_counts WHERE n != 0")})
    regions = Counter({(r, h, s): n for r, h, s, n in
                       con.execute("SELECT region, hour, sentiment, n FROM region_hour_counts WHERE n != 0")})
    negative = con.execute("SELECT (SELECT COUNT(*) FROM hour_counts WHERE n < 0) "
                           "+ (SELECT COUNT(*) FROM region_hour_counts WHERE n < 0)").fetchone()[0]
    con.close()
    assert negative == 0
    return hours, regions


def same_answers(store: SqliteStore) -> None:
    """Every read that has a fast path answers as the plain SQL does."""
    windows = [Filters(), Filters(since=BASE + timedelta(minutes=30), until=BASE + timedelta(hours=50, minutes=10)),
               Filters(since=BASE + timedelta(hours=26, minutes=5), until=BASE + timedelta(hours=26, minutes=55)),
               Filters(regions=("64",)), Filters(regions=("64.72",), sentiment=("negative", "unscored")),
               Filters(regions=("64.72", "64.71")), Filters(topics=("infrastruktur",)),
               Filters(regions=("64.72", "64", "64.71"), since=BASE + timedelta(hours=3, minutes=1)),
               Filters(regions=("64.72", "64.72"), sentiment=("negative",)),
               Filters(sources=("antara-kaltim",), since=BASE + timedelta(hours=2)),
               Filters(regions=("64",), since=BASE + timedelta(hours=1), until=BASE + timedelta(hours=27))]
    queries = ["", "banjir", "samarinda", "banjir -bpbd", "cabai OR tol", '"ratusan rumah"', "tidak-ada", "-banjir"]
    answers: list[list[object]] = [[], []]
    for i, optimised in enumerate((False, True)):
        store.optimised = optimised
        out = answers[i]
        for f in windows:
            for tz in ("UTC", "Asia/Makassar", "Asia/Kolkata"):
                for interval in ("hour", "day", "week", "month"):
                    out.append(store.timeseries(f, interval=interval, tz=tz))
            out.append(store.region_counts(f))
            out.append(store.count(f))
            for q in queries:
                for sort in ("relevance", "newest", "oldest"):
                    for page, size in ((1, 20), (1, 2), (2, 2), (3, 3), (9, 5)):
                        r = store.search(q, f, sort=sort, page=page, size=size)
                        out.append((q, f, sort, page, r.total,
                                    [(h.article.id, h.score, h.highlights) for h in r.hits]))
    store.optimised = True
    for plain, fast in zip(*answers, strict=True):
        assert fast == plain


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    s = SqliteStore(f"sqlite:///{tmp_path / 'pantau.db'}")
    s.upsert(corpus())
    return s


def test_counts_follow_upserts_rescoring_and_deletes(store: SqliteStore) -> None:
    assert kept(store.path) == recount(store.path)
    assert sum(kept(store.path)[0].values()) == 8
    store.upsert(corpus())  # idempotent
    assert kept(store.path) == recount(store.path) and sum(kept(store.path)[0].values()) == 8
    moved = corpus()[0].replace(published_at=BASE + timedelta(hours=40, minutes=30), regions=("64.74", "64.02"),
                                sentiment=Sentiment(label="positive", score=0.6, probs={"positive": 0.6}))
    store.upsert([moved, make(9, "Longsor di Bontang", "Tanah longsor.", regions=("64.74",), hours=-3)])
    assert kept(store.path) == recount(store.path)
    pending = store.pending()[0]
    store.set_scores([ScoreUpdate(id=pending.id, sentiment=Sentiment(label="neutral", score=0.5,
                                                                     probs={"neutral": 0.5}),
                                  topics=(Topic(label="pariwisata", score=0.9),)),
                      ScoreUpdate(id=corpus()[1].id, sentiment=None, failed_reason="text too short")])
    assert kept(store.path) == recount(store.path)
    with sqlite3.connect(store.path) as con:
        con.execute("DELETE FROM articles WHERE id IN (?, ?)", (corpus()[2].id, moved.id))
    hours, regions = kept(store.path)
    assert (hours, regions) == recount(store.path)
    assert sum(hours.values()) == 7 and not [k for k in regions if k[0] == "64.71"]  # only article 3 was there
    same_answers(store)


@pytest.mark.parametrize("workers", [1, 3])
@pytest.mark.parametrize("slack", [1, 3, sqlite_store.TIE_SLACK])
def test_fast_paths_answer_as_the_plain_sql(store: SqliteStore, monkeypatch: pytest.MonkeyPatch, slack: int,
                                            workers: int) -> None:
    # Identical texts score identically: ties that cross page boundaries are ordered newest first, then by id,
    # whether the tie ends within the rows ranked past the page (slack) or runs beyond them, and whether one
    # statement ranks every match or three connections rank a third of the rowid range each.
    monkeypatch.setattr(sqlite_store, "TIE_SLACK", slack)
    monkeypatch.setattr(sqlite_store, "PARALLEL_MIN_MATCHES", 0)
    store.search_workers = workers
    twins = [make(100 + i, "Banjir di Samarinda", "Banjir merendam Samarinda.", regions=("64.72",),
                  sentiment="negative", hours=i % 3) for i in range(7)]
    store.upsert(twins)
    same_answers(store)
    page = store.search("banjir", sort="relevance", size=3, page=2).hits
    plain_order = [h.article.id for h in page]
    store.optimised = False
    assert [h.article.id for h in store.search("banjir", sort="relevance", size=3, page=2).hits] == plain_order


def test_timeseries_in_a_half_hour_zone_and_edges(store: SqliteStore) -> None:
    """Asia/Kolkata (+05:30) cannot be summed from UTC hours; a window's partial hours come from the rows."""
    store.upsert([make(60, "Banjir susulan Samarinda", "Air naik lagi.", regions=("64.72",), hours=1.75,
                       sentiment="negative")])
    window = Filters(since=BASE + timedelta(hours=1, minutes=30), until=BASE + timedelta(hours=5, minutes=30))
    got = store.timeseries(window, interval="hour", tz="UTC")
    assert [(b.start, b.total) for b in got] == [(BASE + timedelta(hours=1), 1), (BASE + timedelta(hours=3), 1),
                                                 (BASE + timedelta(hours=5), 1)]
    kolkata = store.timeseries(interval="hour", tz="Asia/Kolkata")
    assert kolkata[0].start == datetime(2025, 7, 1, 0, 30, tzinfo=UTC) and kolkata[0].total == 1
    same_answers(store)


def test_an_old_file_migrates_on_open(tmp_path: Path) -> None:
    path = tmp_path / "pantau.db"
    shutil.copy(OLD_FILE, path)
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == 0
        assert not con.execute("SELECT name FROM sqlite_master WHERE name = 'hour_counts'").fetchall()
    store = SqliteStore(f"sqlite:///{path}")
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert store.count() == 8
    assert kept(path) == recount(path) and sum(kept(path)[0].values()) == 8
    assert store.region_counts()["64"]["total"] == 7
    store.upsert([corpus()[0].replace(published_at=BASE + timedelta(days=2))])  # the migrated triggers keep counts
    assert kept(path) == recount(path)
    same_answers(store)
    store.close()
    again = SqliteStore(f"sqlite:///{path}")  # a second open finds the current version and rebuilds nothing
    assert kept(path) == recount(path)
    again.close()
