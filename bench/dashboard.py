"""Time to the first full render of each dashboard page against 100,000 articles in SQLite.

Builds (or reuses) a store of synthetic Kaltim coverage (``bench/synth.py``) plus a flood
spike in Samarinda that ``pantau alert`` turns into an alert episode, and a crawl run per
source. Each page is then rendered through Streamlit's ``AppTest`` as a PR officer opens it:

- cold: query caches cleared and the store reopened, so every store query runs;
- warm: the same page rendered again, its queries answered from ``st.cache_data``.

Each figure is the median of ``--repeat`` renders; the target is under 2 s a page. Timings
on a shared machine are noisy, so compare medians of repeated runs, not single figures.

Usage: python bench/dashboard.py [--n 100000] [--db pantau-data/bench/dashboard-100000.db] [--repeat 3]
(prints figures; asserts nothing about time)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import streamlit as st
from streamlit.testing.v1 import AppTest

from alerts.run import run_alerts
from bench.synth import SOURCES, START, articles
from index import CrawlRun, Filters
from index.sqlite import SqliteStore
from pantau import settings as settings_mod
from pantau.article import Article, Sentiment, Topic

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "dashboard" / "app.py")
NOW = START + timedelta(days=90)  # the end of the synthetic coverage
SPIKE = 80  # negative flood articles about Samarinda in the last six hours


def config_text(url: str) -> str:
    sources = "".join(f'\n[[sources]]\nname = "{name}"\nurl = "https://{name}.example.id/rss"\n' for name in SOURCES)
    return f'[store]\nurl = "{url}"\n\n[alerts]\ntopics = false\nregion_topics = false\n{sources}'


def spike() -> list[Article]:
    return [
        Article.create(
            url=f"https://kaltim-post.example.id/banjir/{i}",
            title=f"Banjir rendam permukiman di Samarinda, warga mengungsi ({i})",
            body="SAMARINDA, Pantau - Banjir kembali merendam permukiman warga di Samarinda. " * 20,
            source=SOURCES[i % len(SOURCES)],
            published_at=NOW - timedelta(minutes=5 + 4 * i),
            crawled_at=NOW - timedelta(minutes=4 * i),
            regions=("64.72",),
            sentiment=Sentiment(label="negative", score=0.9, probs={"negative": 0.9}, model="bench"),
            nlp_status="scored",
            topics=(Topic(label="bencana", score=0.9),),
            cluster_id=f"banjir-{i // 4}",
        )
        for i in range(SPIKE)
    ]


def build(db: Path, n: int, config: Path) -> SqliteStore:
    """The store at ``db``, built unless it already holds this benchmark's articles."""
    url = f"sqlite:///{db}"
    store = SqliteStore(url)
    if store.count() == n + SPIKE:
        print(f"reusing {db} ({n + SPIKE} articles)")
        return store
    print(f"building {db}: {n} synthetic articles + {SPIKE} in a Samarinda flood spike ...", flush=True)
    t = time.perf_counter()
    result = store.upsert([*articles(n), *spike()])
    assert result.indexed == n + SPIKE, result.rejected[:3]
    for i, source in enumerate(SOURCES):
        finished = NOW - timedelta(minutes=20 + i)
        store.record_crawl(CrawlRun(source=source, started_at=finished - timedelta(minutes=3), finished_at=finished,
                                    fetched=40, new=30, duplicate=10, errors={"http_503": i % 2}))
    report = run_alerts(store, settings_mod.load(config), NOW)
    print(f"  built in {time.perf_counter() - t:.0f} s; alert episodes active: {len(report.active)}")
    return store


def render(page: str, query: dict[str, str], expect: str) -> tuple[float, float]:
    """Seconds to the first full render of ``page``, cold then warm; ``expect`` is text the page must show."""
    at = AppTest.from_file(APP, default_timeout=300)
    if page:
        at.run()  # AppTest can only switch pages after a first run (the home page, outside the timing)
        at.switch_page(f"views/{page}.py")
    for key, value in query.items():
        at.query_params[key] = value
    st.cache_data.clear()
    st.cache_resource.clear()  # closes the store: the timed run opens it again
    t = time.perf_counter()
    at.run()
    cold = time.perf_counter() - t
    shown = " ".join(str(e.value) for e in [*at.title, *at.markdown, *at.text])
    if at.exception or expect not in shown:
        raise RuntimeError(f"/{page} did not render {expect!r}: {[e.value for e in at.exception] or shown[:300]}")
    t = time.perf_counter()
    at.run()
    warm = time.perf_counter() - t
    return cold, warm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000, help="synthetic articles (default 100000)")
    parser.add_argument("--db", type=Path, default=None,
                        help="store file, reused when it holds the same articles (default pantau-data/bench/)")
    parser.add_argument("--repeat", type=int, default=3, help="renders per page; medians are printed")
    args = parser.parse_args()
    db = (args.db or ROOT / "pantau-data" / "bench" / f"dashboard-{args.n}.db").resolve()
    db.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "pantau.toml"
        config.write_text(config_text(f"sqlite:///{db}"), encoding="utf-8")
        os.environ["PANTAU_CONFIG"] = str(config)
        os.environ.pop("PANTAU_STORE", None)
        store = build(db, args.n, config)
        lead = store.search("", Filters(regions=("64.72",), since=NOW - timedelta(hours=6)), size=1).hits[0].article
        store.close()
        window = {"from": (NOW - timedelta(days=1)).isoformat(), "to": NOW.isoformat()}
        pages = [("/", "", window, "Pagi ini"),
                 ("/cari?q=banjir samarinda", "cari", {"q": "banjir samarinda"}, "Cari"),
                 ("/peringatan", "peringatan", {}, "Peringatan"),
                 (f"/artikel?id={lead.id[:8]}…", "artikel", {"id": lead.id}, lead.title),
                 ("/sumber", "sumber", {}, "Sumber")]
        render("", window, "Pagi ini")  # imports and first-run setup of Streamlit, outside the timings
        print(f"\nDashboard first full render, {args.n + SPIKE} articles in SQLite, median of {args.repeat} "
              f"(AppTest, in-process; target < 2 s)")
        print(f"  / covers {window['from']} to {window['to']} (the default window is since yesterday 07:00)")
        print(f"{'page':<34}{'cold s':>10}{'warm s':>10}")
        for label, page, query, expect in pages:
            runs = [render(page, query, expect) for _ in range(args.repeat)]
            cold = statistics.median(c for c, _ in runs)
            warm = statistics.median(w for _, w in runs)
            print(f"{label:<34}{cold:>10.2f}{warm:>10.2f}", flush=True)
    st.cache_resource.clear()
    print(f"(at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
