"""Crawl throughput end to end (fetch → extract → dates → dedupe → tag → store) on the local news web.

Prints articles per second for a naive loop (one request at a time, one store write per article)
and for Pantau's crawler (Scrapy, 2 requests per domain, batched writes), side by side, with the
time split by stage. Stage times are summed over articles: ``fetch`` is summed download latency
(overlapping requests overlap), the others are CPU time in each pipeline stage.

Run: ``python bench/crawl.py --copies 10`` (≈ 700 articles; offline, 127.0.0.1 only).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from crawlers import decode, dedupe, extract, feeds, language  # noqa: E402
from crawlers.dates import WIB  # noqa: E402
from crawlers.items import PageItem  # noqa: E402
from crawlers.pipelines.canonical import canonical_for  # noqa: E402
from crawlers.pipelines.dates import choose  # noqa: E402
from index.store import open_store  # noqa: E402
from pantau import regions, urls  # noqa: E402
from pantau import settings as pantau_settings  # noqa: E402
from pantau.article import Article  # noqa: E402
from pantau.crawl import build_job  # noqa: E402
from tests.crawlserver import CrawlServer  # noqa: E402
from tests.crawlserver.harness import TEST_OVERRIDES  # noqa: E402
from tests.crawlserver.site import add_bulk  # noqa: E402

STAGES = ("fetch", "extract", "dates", "canonical", "language", "dedupe_exact", "dedupe_near", "regions", "store")


def naive(base: str, store_url: str) -> tuple[int, float, dict[str, float]]:
    """One request at a time, each article written on its own."""
    t: dict[str, float] = dict.fromkeys(STAGES, 0.0)
    store = open_store(store_url)
    tagger = regions.tagger()
    index = dedupe.ClusterIndex()
    start = time.perf_counter()
    feed = urllib.request.urlopen(base + "/bulk/rss.xml", timeout=30).read()
    n = 0
    for entry in feeds.parse(feed, base).entries:
        s = time.perf_counter()
        with urllib.request.urlopen(entry.url, timeout=30) as resp:
            body, ctype = resp.read(), resp.headers.get("Content-Type", "")
        t["fetch"] += time.perf_counter() - s
        s = time.perf_counter()
        html = decode.decode(body, ctype).text
        found = extract.extract(html, entry.url, now=datetime.now(UTC))
        t["extract"] += time.perf_counter() - s
        s = time.perf_counter()
        item = PageItem(
            source="bulk",
            source_type="news",
            url=entry.url,
            response_url=entry.url,
            status=200,
            body=body,
            content_type=ctype,
            feed=entry,
            extracted=found,
        )
        published, _ = choose(item, datetime.now(UTC), WIB)
        t["dates"] += time.perf_counter() - s
        s = time.perf_counter()
        canonical = canonical_for(found.canonical_link, entry.url)
        t["canonical"] += time.perf_counter() - s
        s = time.perf_counter()
        lang = language.detect(found.title + "\n" + found.body)
        t["language"] += time.perf_counter() - s
        s = time.perf_counter()
        aid = urls.article_id(canonical)
        exists = store.get([aid])
        t["dedupe_exact"] += time.perf_counter() - s
        s = time.perf_counter()
        cluster, _ = index.assign(aid, found.title + "\n" + found.body)
        t["dedupe_near"] += time.perf_counter() - s
        s = time.perf_counter()
        matches = tagger.tag(found.body, title=found.title)
        t["regions"] += time.perf_counter() - s
        s = time.perf_counter()
        if not exists and published is not None and lang == "id":
            store.upsert(
                [
                    Article.create(
                        url=entry.url,
                        canonical_url=canonical,
                        title=found.title,
                        body=found.body,
                        source="bulk",
                        published_at=published,
                        cluster_id=cluster,
                        regions=tuple(m.code for m in matches),
                        region_evidence=tuple(e for m in matches for e in m.evidence),
                    )
                ]
            )
            n += 1
        t["store"] += time.perf_counter() - s
    wall = time.perf_counter() - start
    store.close()
    return n, wall, t


def pantau(base: str, store_url: str, tmp: Path) -> tuple[int, float, dict[str, float]]:
    cfg = pantau_settings.from_mapping(
        {"sources": [{"name": "bulk", "type": "rss", "url": base + "/bulk/rss.xml"}]}, env={}
    )
    overrides = {**TEST_OVERRIDES, "AUTOTHROTTLE_ENABLED": False, "LOG_LEVEL": "WARNING", "DOWNLOAD_TIMEOUT": 30}
    job = build_job(cfg, store_url, cfg.sources, None, tmp / "state", tmp / "runs.jsonl", overrides)
    (tmp / "job.json").write_text(json.dumps(job), encoding="utf-8")
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "crawlers.run", str(tmp / "job.json")], cwd=REPO, check=True, stdout=subprocess.DEVNULL
    )
    wall = time.perf_counter() - start
    run = json.loads((tmp / "runs.jsonl").read_text(encoding="utf-8").splitlines()[-1])
    return int(run["new"]), wall, {k: float(run["seconds"].get(k, 0.0)) for k in STAGES}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--copies", type=int, default=10, help="variants of each of the 70 generated stories")
    parser.add_argument(
        "--latency",
        type=float,
        default=0.1,
        help="seconds the server waits before each article page (a real outlet answers in 0.1-1 s)",
    )
    args = parser.parse_args()
    with CrawlServer(page_delay=args.latency) as srv, tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        total = add_bulk(srv.site, args.copies)
        print(f"local news web: {total} articles in /bulk/rss.xml at {srv.base}, {args.latency:.2f} s per article page")
        rows = [
            ("naive (sequential, 1 write/article)", *naive(srv.base, f"sqlite:///{tmp / 'naive.db'}")),
            ("pantau crawler (scrapy, 2/domain, batched)", *pantau(srv.base, f"sqlite:///{tmp / 'pantau.db'}", tmp)),
        ]
    header = f"{'mode':44} {'articles':>8} {'wall_s':>7} {'art/s':>7} | " + " ".join(f"{s:>12}" for s in STAGES)
    print(header)
    print("-" * len(header))
    for name, n, wall, t in rows:
        print(f"{name:44} {n:8d} {wall:7.2f} {n / wall:7.1f} | " + " ".join(f"{t[s]:12.2f}" for s in STAGES))
    print(
        "stage columns: seconds summed over articles (fetch = summed download latency; requests overlap in the crawler)"
    )


if __name__ == "__main__":
    main()
