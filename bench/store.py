"""Benchmark the SQLite store at realistic scale: upsert docs/s, search and timeseries p50/p95.

Naive and optimised paths run side by side on the same data:
- upsert: one transaction per article (naive) vs Pantau's batched ``BEGIN IMMEDIATE`` upserts;
- search: ``LIKE '%word%'`` scans over the table (naive) vs FTS5 with bm25 (Pantau);
- timeseries: per-row Python bucketing (naive) vs Pantau's SQL aggregation.

Usage: python bench/store.py [--n 100000]   (prints figures; asserts nothing about time)
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synth import QUERIES, articles
from index import Filters
from index.sqlite import SqliteStore


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return p50 * 1000, p95 * 1000


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def naive_upsert(path: Path, docs: list) -> float:  # type: ignore[type-arg]
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("CREATE TABLE IF NOT EXISTS articles (id TEXT PRIMARY KEY, doc TEXT, title TEXT, body TEXT, "
                "published_at INTEGER, sentiment TEXT)")
    t = time.perf_counter()
    for a in docs:
        con.execute("BEGIN")
        con.execute("INSERT OR REPLACE INTO articles VALUES (?,?,?,?,?,?)",
                    (a.id, json.dumps(a.to_dict()), a.title, a.body, int(a.published_at.timestamp()),
                     a.sentiment.label if a.sentiment else None))
        con.execute("COMMIT")
    elapsed = time.perf_counter() - t
    con.close()
    return len(docs) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000, help="articles to index (default 100000)")
    parser.add_argument("--naive-n", type=int, default=5_000, help="articles for the naive per-row upsert")
    parser.add_argument("--repeat", type=int, default=3, help="passes over the query set")
    args = parser.parse_args()

    print(f"generating {args.n} synthetic articles ...", flush=True)
    docs = list(articles(args.n))
    words_t = statistics.mean(len(a.title.split()) for a in docs[:1000])
    words_b = statistics.mean(len(a.body.split()) for a in docs[:1000])
    print(f"  mean title {words_t:.1f} words, mean body {words_b:.0f} words")

    with tempfile.TemporaryDirectory() as tmp:
        naive_rate = naive_upsert(Path(tmp) / "naive.db", docs[: args.naive_n])
        store = SqliteStore(f"sqlite:///{tmp}/pantau.db")
        t = time.perf_counter()
        result = store.upsert(docs)
        upsert_s = time.perf_counter() - t
        assert result.indexed == len(docs) and store.count() == len(docs)
        size_mb = sum(p.stat().st_size for p in Path(tmp).glob("pantau.db*")) / 1e6

        print(f"\nSQLite store, {len(docs)} articles ({size_mb:.0f} MB on disk)")
        print(f"{'measure':<42}{'naive':>16}{'pantau':>16}")
        print(f"{'upsert docs/s':<42}{naive_rate:>16.0f}{len(docs) / upsert_s:>16.0f}")
        print(f"{'  (naive: one commit per article, first ' + str(args.naive_n) + ')':<42}")

        con = sqlite3.connect(f"{tmp}/pantau.db")

        def naive_search(q: str) -> None:
            words = [w.strip('"') for w in q.split() if not w.startswith("-") and w != "OR"]
            clause = " AND ".join("(title LIKE ? OR body LIKE ?)" for _ in words)
            params = [p for w in words for p in (f"%{w}%", f"%{w}%")]
            con.execute(f"SELECT COUNT(*) FROM articles WHERE {clause}", params).fetchone()
            con.execute(f"SELECT doc FROM articles WHERE {clause} ORDER BY published_at DESC LIMIT 20",
                        params).fetchall()

        def each(fn: Callable[[str], object], queries: list[str], passes: int) -> list[float]:
            out = []
            for _ in range(passes):
                for q in queries:
                    t = time.perf_counter()
                    fn(q)
                    out.append(time.perf_counter() - t)
            return out

        filt = Filters(regions=("64.72",), since=datetime(2025, 6, 10, tzinfo=UTC),
                       until=datetime(2025, 6, 20, tzinfo=UTC))
        naive_lat = each(naive_search, QUERIES[:5], 1)
        fts_lat = each(store.search, QUERIES, args.repeat)
        fts_f = each(lambda q: store.search(q, filt), QUERIES, args.repeat)
        n50, n95 = percentiles(naive_lat)
        f50, f95 = percentiles(fts_lat)
        g50, g95 = percentiles(fts_f)
        print(f"{'search p50 / p95 ms (top 20 + exact total)':<42}{f'{n50:.0f} / {n95:.0f}':>16}"
              f"{f'{f50:.1f} / {f95:.1f}':>16}")
        print(f"{'  + region and 10-day filter':<42}{'':>16}{f'{g50:.1f} / {g95:.1f}':>16}")
        print(f"{'  (naive: LIKE scan, first 5 queries once)':<42}")

        def naive_timeseries() -> None:
            buckets: Counter[tuple[str, str]] = Counter()
            for ts, label in con.execute("SELECT published_at, sentiment FROM articles"):
                day = (datetime.fromtimestamp(ts, UTC) + timedelta(hours=8)).date().isoformat()
                buckets[(day, label or "unscored")] += 1

        naive_ts = timed(naive_timeseries, 3)
        pantau_ts = timed(lambda: store.timeseries(interval="day", tz="Asia/Makassar"), 10)
        region_ts = timed(lambda: store.timeseries(Filters(regions=("64.72",)), interval="day",
                                                   tz="Asia/Makassar"), 10)
        t50, t95 = percentiles(naive_ts)
        p50, p95 = percentiles(pantau_ts)
        r50, r95 = percentiles(region_ts)
        print(f"{'timeseries by day, WITA, p50 / p95 ms':<42}{f'{t50:.0f} / {t95:.0f}':>16}"
              f"{f'{p50:.0f} / {p95:.0f}':>16}")
        print(f"{'  one region (64.72)':<42}{'':>16}{f'{r50:.0f} / {r95:.0f}':>16}")
        con.close()
        store.close()


if __name__ == "__main__":
    main()
