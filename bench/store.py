"""Benchmark both stores at realistic scale: upsert docs/s, search and timeseries p50/p95.

SQLite and Elasticsearch index the same synthetic articles in one run, and a final table
puts them side by side. Within each backend, naive and optimised paths run on the same
data (Elasticsearch's are described in ``bench/store_es.py``). For SQLite:
- upsert: one transaction per article (naive) vs Pantau's batched ``BEGIN IMMEDIATE`` upserts;
- search: ``LIKE '%word%'`` scans over the table (naive), then the plain SQL of schema
  version 1 (one FTS5 statement that ranks, counts through a join and snippets every match),
  then Pantau (count and bm25 on the FTS index alone, rowid sets for filters, snippets and
  rows for the shown page only, and a broad query's bm25 split over rowid ranges on one
  connection per core), also shown ranking on one connection;
- timeseries: per-row Python bucketing (naive), the plain SQL aggregation over the articles,
  then Pantau's sums over the hourly count tables.
The plain and Pantau paths run on the same file (``SqliteStore.optimised``), and the bench
checks that they return the same totals, hits, scores, highlights and buckets.

Usage: python bench/store.py [--n 100000] [--backends sqlite,es]
(prints figures; asserts nothing about time; ES comes from $PANTAU_ES_URL or scripts/elasticsearch)
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synth import QUERIES, articles
from bench.timing import each, percentiles, timed
from index import Filters
from index.sqlite import SqliteStore
from pantau.article import Article


def naive_upsert(path: Path, docs: list[Article]) -> float:
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


def identical(store: SqliteStore, filt: Filters) -> bool:
    """Whether the plain and the optimised paths answer every benchmark query the same."""
    def run() -> list[object]:
        out: list[object] = []
        for q in QUERIES:
            for f in (None, filt):
                for sort in ("relevance", "newest"):
                    r = store.search(q, f, sort=sort, page=2)
                    out.append((r.total, [(h.article.id, h.score, h.highlights) for h in r.hits]))
        for f in (None, filt, Filters(regions=("64",), sentiment=("negative",))):
            out.append(store.timeseries(f, interval="day", tz="Asia/Makassar"))
            out.append(store.timeseries(f, interval="hour", tz="Asia/Makassar"))
            out.append(store.region_counts(f))
        return out

    store.optimised = False
    plain = run()
    store.optimised = True
    return run() == plain


def bench_sqlite(docs: list[Article], *, naive_n: int, repeat: int) -> dict[str, float]:
    """Index ``docs`` into a throwaway SQLite store, print the table and return the figures."""
    figures: dict[str, float] = {}

    with tempfile.TemporaryDirectory() as tmp:
        naive_rate = naive_upsert(Path(tmp) / "naive.db", docs[: naive_n])
        store = SqliteStore(f"sqlite:///{tmp}/pantau.db")
        t = time.perf_counter()
        result = store.upsert(docs)
        upsert_s = time.perf_counter() - t
        assert result.indexed == len(docs) and store.count() == len(docs)
        size_mb = sum(p.stat().st_size for p in Path(tmp).glob("pantau.db*")) / 1e6

        print(f"\nSQLite store, {len(docs)} articles ({size_mb:.0f} MB on disk)")
        print(f"{'measure':<42}{'naive':>16}{'plain SQL':>16}{'pantau':>16}")
        print(f"{'upsert docs/s':<42}{naive_rate:>16.0f}{'':>16}{len(docs) / upsert_s:>16.0f}")
        print(f"{'  (naive: one commit per article, first ' + str(naive_n) + ')':<42}")

        con = sqlite3.connect(f"{tmp}/pantau.db")

        def naive_search(q: str) -> None:
            words = [w.strip('"') for w in q.split() if not w.startswith("-") and w != "OR"]
            clause = " AND ".join("(title LIKE ? OR body LIKE ?)" for _ in words)
            params = [p for w in words for p in (f"%{w}%", f"%{w}%")]
            con.execute(f"SELECT COUNT(*) FROM articles WHERE {clause}", params).fetchone()
            con.execute(f"SELECT doc FROM articles WHERE {clause} ORDER BY published_at DESC LIMIT 20",
                        params).fetchall()

        filt = Filters(regions=("64.72",), since=datetime(2025, 6, 10, tzinfo=UTC),
                       until=datetime(2025, 6, 20, tzinfo=UTC))
        naive_lat = each(naive_search, QUERIES[:5], 1)
        same = identical(store, filt)
        store.optimised = False
        plain_lat = each(store.search, QUERIES, repeat)
        plain_f = each(lambda q: store.search(q, filt), QUERIES, repeat)
        store.optimised = True
        workers = store.search_workers
        store.search_workers = 1
        one_lat = each(store.search, QUERIES, repeat)
        store.search_workers = workers
        fts_lat = each(store.search, QUERIES, repeat)
        fts_f = each(lambda q: store.search(q, filt), QUERIES, repeat)
        o50, o95 = percentiles(one_lat)
        n50, n95 = percentiles(naive_lat)
        p50, p95 = percentiles(plain_lat)
        q50, q95 = percentiles(plain_f)
        f50, f95 = percentiles(fts_lat)
        g50, g95 = percentiles(fts_f)
        print(f"{'search p50 / p95 ms (top 20 + exact total)':<42}{f'{n50:.0f} / {n95:.0f}':>16}"
              f"{f'{p50:.1f} / {p95:.1f}':>16}{f'{f50:.1f} / {f95:.1f}':>16}")
        print(f"{'  + region and 10-day filter':<42}{'':>16}{f'{q50:.1f} / {q95:.1f}':>16}"
              f"{f'{g50:.1f} / {g95:.1f}':>16}")
        print(f"{'  pantau ranking on one connection':<42}{'':>16}{'':>16}{f'{o50:.1f} / {o95:.1f}':>16}")
        print(f"{f'  (pantau ranks on {workers} connections, one per core)':<42}")
        print(f"{'  (naive: LIKE scan, first 5 queries once)':<42}")

        def naive_timeseries() -> None:
            buckets: Counter[tuple[str, str]] = Counter()
            for ts, label in con.execute("SELECT published_at, sentiment FROM articles"):
                day = (datetime.fromtimestamp(ts, UTC) + timedelta(hours=8)).date().isoformat()
                buckets[(day, label or "unscored")] += 1

        def all_days() -> object:
            return store.timeseries(interval="day", tz="Asia/Makassar")

        def one_region() -> object:
            return store.timeseries(Filters(regions=("64.72",)), interval="day", tz="Asia/Makassar")

        naive_ts = timed(naive_timeseries, 3)
        store.optimised = False
        plain_ts, plain_region = timed(all_days, 10), timed(one_region, 10)
        store.optimised = True
        pantau_ts, region_ts = timed(all_days, 10), timed(one_region, 10)
        t50, t95 = percentiles(naive_ts)
        l50, l95 = percentiles(plain_ts)
        m50, m95 = percentiles(plain_region)
        p50, p95 = percentiles(pantau_ts)
        r50, r95 = percentiles(region_ts)
        figures.update(bulk_docs_s=len(docs) / upsert_s, search_p50_ms=f50, search_p95_ms=f95,
                       search_filtered_p50_ms=g50, search_filtered_p95_ms=g95, timeseries_p50_ms=p50,
                       timeseries_p95_ms=p95, timeseries_region_p50_ms=r50, timeseries_region_p95_ms=r95)
        print(f"{'timeseries by day, WITA, p50 / p95 ms':<42}{f'{t50:.0f} / {t95:.0f}':>16}"
              f"{f'{l50:.0f} / {l95:.0f}':>16}{f'{p50:.1f} / {p95:.1f}':>16}")
        print(f"{'  one region (64.72)':<42}{'':>16}{f'{m50:.0f} / {m95:.0f}':>16}{f'{r50:.1f} / {r95:.1f}':>16}")
        print(f"plain SQL and pantau return identical results: {'yes' if same else 'NO'}")
        con.close()
        store.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000, help="articles to index (default 100000)")
    parser.add_argument("--naive-n", type=int, default=5_000, help="articles for the naive per-row upsert")
    parser.add_argument("--repeat", type=int, default=3, help="passes over the query set")
    parser.add_argument("--backends", default="sqlite,es", help="comma-separated: sqlite, es")
    args = parser.parse_args()
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]

    print(f"generating {args.n} synthetic articles ...", flush=True)
    docs = list(articles(args.n))
    words_t = statistics.mean(len(a.title.split()) for a in docs[:1000])
    words_b = statistics.mean(len(a.body.split()) for a in docs[:1000])
    print(f"  mean title {words_t:.1f} words, mean body {words_b:.0f} words")

    results: dict[str, dict[str, float]] = {}
    if "sqlite" in backends:
        results["SQLite"] = bench_sqlite(docs, naive_n=min(args.naive_n, args.n), repeat=args.repeat)
    if "es" in backends:
        from bench.store_es import bench_es

        results["Elasticsearch"] = bench_es(len(docs), docs, naive_n=min(2_000, args.n), repeat=args.repeat)
    if len(results) > 1:
        names = list(results)
        print(f"\nside by side, {len(docs)} articles")
        print(f"{'measure':<42}" + "".join(f"{n:>16}" for n in names))
        rows = [
            ("bulk upsert docs/s", "bulk_docs_s", "{:.0f}"),
            ("search p50 ms", "search_p50_ms", "{:.1f}"),
            ("search p95 ms", "search_p95_ms", "{:.1f}"),
            ("search + filters p50 ms", "search_filtered_p50_ms", "{:.1f}"),
            ("search + filters p95 ms", "search_filtered_p95_ms", "{:.1f}"),
            ("timeseries by day p50 ms", "timeseries_p50_ms", "{:.1f}"),
            ("timeseries by day p95 ms", "timeseries_p95_ms", "{:.1f}"),
            ("timeseries one region p50 ms", "timeseries_region_p50_ms", "{:.1f}"),
            ("timeseries one region p95 ms", "timeseries_region_p95_ms", "{:.1f}"),
        ]
        for label, key, fmt in rows:
            print(f"{label:<42}" + "".join(f"{fmt.format(results[n][key]):>16}" for n in names))


if __name__ == "__main__":
    main()
