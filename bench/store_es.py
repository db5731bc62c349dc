"""Benchmark the Elasticsearch store at realistic scale: bulk docs/s, search and timeseries p50/p95.

The same synthetic corpus and queries as ``bench/store.py`` (SQLite), so the two tables
can be read side by side. Naive and optimised paths run on the same data:
- upsert: one ``index`` request per article (naive) vs Pantau's ``streaming_bulk`` batches,
  which also look up each id so an article whose month changed is not duplicated;
- timeseries: fetching every matching document and bucketing in Python (naive) vs a
  ``date_histogram`` aggregation in the cluster (Pantau).
Search has no naive column: there is no sensible "scan" to compare against in Elasticsearch.

Usage: python bench/store_es.py [--n 100000]   (PANTAU_ES_URL, or scripts/elasticsearch start)
Latencies are measured from this Python client, so they include HTTP and JSON decoding.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from elasticsearch.helpers import scan

from bench.synth import QUERIES, articles
from bench.timing import each, percentiles, timed
from index import Filters
from index.elastic import ElasticStore, to_document
from pantau.article import Article

REPO = Path(__file__).resolve().parents[1]


def es_url() -> str:
    url = os.environ.get("PANTAU_ES_URL")
    if url:
        return url.rstrip("/")
    proc = subprocess.run([str(REPO / "scripts" / "elasticsearch"), "start"], capture_output=True, text=True,
                          check=True)
    return proc.stdout.strip().splitlines()[-1]


def bench_es(
    n_docs: int, docs: Sequence[Article], *, url: str | None = None, naive_n: int = 2_000, repeat: int = 3
) -> dict[str, float]:
    """Index ``docs[:n_docs]`` into a throwaway prefix, print the table and return the figures."""
    url = url or es_url()
    docs = list(docs[:n_docs])
    run = f"pantau-bench-{os.getpid()}"
    store = ElasticStore(url, prefix=run)
    naive = ElasticStore(url, prefix=f"{run}-naive")
    raw = ElasticStore(url, prefix=f"{run}-raw")
    figures: dict[str, float] = {}
    try:
        # naive: one index request per article
        version = naive.write_version()
        naive.upsert(docs[:1])
        t = time.perf_counter()
        for a in docs[:naive_n]:
            naive.client.index(index=naive.names.monthly(version, a.published_at), id=a.id,
                               document=to_document(a))
        figures["naive_docs_s"] = naive_n / (time.perf_counter() - t)

        t = time.perf_counter()
        result = store.upsert(docs)
        upsert_s = time.perf_counter() - t
        t = time.perf_counter()
        store.refresh()
        refresh_s = time.perf_counter() - t
        assert result.indexed == len(docs) and not result.rejected, result.rejected[:3]
        assert store.count() == len(docs)
        figures["bulk_docs_s"] = len(docs) / upsert_s
        figures["refresh_s"] = refresh_s

        raw_n = min(len(docs), 20_000)
        raw.upsert(docs[:1])
        triples = [(a.id, raw.names.monthly(version, a.published_at), to_document(a)) for a in docs[:raw_n]]
        t = time.perf_counter()
        raw_result = raw.index_documents(triples)
        figures["bulk_no_lookup_docs_s"] = raw_n / (time.perf_counter() - t)
        assert raw_result.indexed == raw_n

        stats = store.client.indices.stats(index=store.names.read_alias, metric="store").body
        size_mb = stats["_all"]["primaries"]["store"]["size_in_bytes"] / 1e6

        print(f"\nElasticsearch store, {len(docs)} articles ({size_mb:.0f} MB primary store, "
              f"{len(store.alias_indices())} monthly indices)")
        print(f"{'measure':<42}{'naive':>16}{'pantau':>16}")
        print(f"{'upsert docs/s':<42}{figures['naive_docs_s']:>16.0f}{figures['bulk_docs_s']:>16.0f}")
        print(f"{'  (naive: one index request per article, first ' + str(naive_n) + ')':<42}")
        print(f"{'  bulk without month-move lookup (' + str(raw_n) + ')':<42}{'':>16}"
              f"{figures['bulk_no_lookup_docs_s']:>16.0f}")
        print(f"{'  refresh until searchable, s':<42}{'':>16}{refresh_s:>16.2f}")

        filt = Filters(regions=("64.72",), since=datetime(2025, 6, 10, tzinfo=UTC),
                       until=datetime(2025, 6, 20, tzinfo=UTC))
        each(store.search, QUERIES, 1)  # warm caches and global ordinals once
        s50, s95 = percentiles(each(store.search, QUERIES, repeat))
        g50, g95 = percentiles(each(lambda q: store.search(q, filt), QUERIES, repeat))
        figures.update(search_p50_ms=s50, search_p95_ms=s95, search_filtered_p50_ms=g50, search_filtered_p95_ms=g95)
        print(f"{'search p50 / p95 ms (top 20 + exact total)':<42}{'':>16}{f'{s50:.1f} / {s95:.1f}':>16}")
        print(f"{'  + region and 10-day filter':<42}{'':>16}{f'{g50:.1f} / {g95:.1f}':>16}")

        def naive_timeseries() -> None:
            buckets: Counter[tuple[str, str]] = Counter()
            for hit in scan(store.client, index=store.names.read_alias, size=5000,
                            query={"query": {"match_all": {}}, "_source": ["published_at", "sentiment.label"]}):
                src = hit["_source"]
                day = (datetime.fromisoformat(src["published_at"]) + timedelta(hours=8)).date().isoformat()
                buckets[(day, (src.get("sentiment") or {}).get("label") or "unscored")] += 1

        naive_ts = timed(naive_timeseries, 2)
        store.timeseries(interval="day", tz="Asia/Makassar")
        pantau_ts = timed(lambda: store.timeseries(interval="day", tz="Asia/Makassar"), 20)
        region_ts = timed(lambda: store.timeseries(Filters(regions=("64.72",)), interval="day",
                                                   tz="Asia/Makassar"), 20)
        t50, t95 = percentiles(naive_ts)
        p50, p95 = percentiles(pantau_ts)
        r50, r95 = percentiles(region_ts)
        figures.update(timeseries_naive_p50_ms=t50, timeseries_p50_ms=p50, timeseries_p95_ms=p95,
                       timeseries_region_p50_ms=r50, timeseries_region_p95_ms=r95)
        print(f"{'timeseries by day, WITA, p50 / p95 ms':<42}{f'{t50:.0f} / {t95:.0f}':>16}"
              f"{f'{p50:.1f} / {p95:.1f}':>16}")
        print(f"{'  one region (64.72)':<42}{'':>16}{f'{r50:.1f} / {r95:.1f}':>16}")
        print(f"{'  (naive: scroll every document, bucket in Python)':<42}")

        rc50, rc95 = percentiles(timed(lambda: store.region_counts(), 10))
        week = Filters(since=datetime(2025, 6, 10, tzinfo=UTC), until=datetime(2025, 6, 17, tzinfo=UTC))
        ts50, ts95 = percentiles(timed(lambda: store.top_stories(week), 10))
        fa50, fa95 = percentiles(timed(lambda: store.facets("banjir"), 10))
        figures.update(region_counts_p50_ms=rc50, top_stories_week_p50_ms=ts50, facets_p50_ms=fa50)
        print(f"{'region_counts p50 / p95 ms':<42}{'':>16}{f'{rc50:.1f} / {rc95:.1f}':>16}")
        print(f"{'top_stories, one week, p50 / p95 ms':<42}{'':>16}{f'{ts50:.1f} / {ts95:.1f}':>16}")
        print(f"{'facets for a query, p50 / p95 ms':<42}{'':>16}{f'{fa50:.1f} / {fa95:.1f}':>16}")
    finally:
        for s in (store, naive, raw):
            s.drop()
            s.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000, help="articles to index (default 100000)")
    parser.add_argument("--naive-n", type=int, default=2_000, help="articles for the naive per-request index")
    parser.add_argument("--repeat", type=int, default=3, help="passes over the query set")
    args = parser.parse_args()
    print(f"generating {args.n} synthetic articles ...", flush=True)
    docs = list(articles(args.n))
    words_t = statistics.mean(len(a.title.split()) for a in docs[:1000])
    words_b = statistics.mean(len(a.body.split()) for a in docs[:1000])
    print(f"  mean title {words_t:.1f} words, mean body {words_b:.0f} words", flush=True)
    bench_es(args.n, docs, naive_n=min(args.naive_n, args.n), repeat=args.repeat)


if __name__ == "__main__":
    main()
