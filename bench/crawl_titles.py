"""Headline, date and body quality on six outlet layouts the extractor was never tuned on.

Serves the unseen-layout set (``tests/crawlserver/unseen.py``: 43 real Kaltim article texts in six
made-up outlets with "Headline - Site", "Site | Headline", "Headline – Section – Site",
"Site » Section » Headline", "Headline :: Domain" and "Headline — Site" titles, reached through
RSS, Atom, a sitemap and a listing) on 127.0.0.1, crawls it for real with ``pantau crawl``'s
crawler into a fresh SQLite store and scores every stored article against the gold: headline
exact match, publication day in WITA, body token-F1. The naive row scores the page's ``<title>``
as the headline (what a crawler without headline rules stores), side by side.

Set B (``--set b``) puts the same texts into six further layouts ("SITE.ID - Headline",
"Headline » Site" with a logo ``h1``, "Headline - City - Site", "Headline | Section | Site",
a bare ``<title>`` with a suffixed ``og:title``, "Site :: Headline" with suffixed feed titles).

Run: ``python bench/crawl_titles.py`` and ``python bench/crawl_titles.py --set b``
"""

from __future__ import annotations

import argparse
import html
import re
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from crawlers import quality  # noqa: E402
from index.store import open_store  # noqa: E402
from pantau import urls  # noqa: E402
from tests.crawlserver import CrawlServer  # noqa: E402
from tests.crawlserver.harness import crawl  # noqa: E402
from tests.crawlserver.unseen import add_unseen, sources  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--set", choices=("a", "b"), default="a", help="layout set A or B (six outlets each)")
    args = parser.parse_args()
    with CrawlServer() as srv, tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        gold = add_unseen(srv.site, args.set)
        pages = {g["path"] for g in gold}
        store_url = f"sqlite:///{tmp / 'unseen.db'}"
        runs = crawl(sources(srv.base, args.set), store_url, tmp / "state", overrides={"LOG_LEVEL": "WARNING"})
        first_hits = srv.hits()
        srv.reset_hits()
        crawl(sources(srv.base, args.set), store_url, tmp / "state", overrides={"LOG_LEVEL": "WARNING"})
        refetched = [p for p, _ in srv.hit_log() if p in pages]
        store = open_store(store_url)
        ids = {g["path"]: urls.article_id(urls.canonicalize(srv.base + g["path"])) for g in gold}
        stored = store.get(list(ids.values()))
        store.close()
        rows: dict[str, list[tuple[str, dict[str, str], str | None, object, str | None]]] = defaultdict(list)
        naive_ok: dict[str, int] = defaultdict(int)
        for g in gold:
            a = stored.get(ids[g["path"]])
            rows[g["layout"]].append(
                (g["path"], g, a.title if a else None, a.published_at if a else None, a.body if a else None)
            )
            page = srv.site.pages[g["path"]].body.decode("utf-8")
            m = re.search(r"<title>(.*?)</title>", page, re.S)
            naive_ok[g["layout"]] += bool(m and quality.same_title(html.unescape(m.group(1)), g["title"]))
    print(f"unseen-layout set {args.set.upper()}: {len(gold)} pages in {len(rows)} layouts, crawled from {srv.base}")
    print(
        f"crawl 1: {sum(r.new for r in runs.values())} new articles, {first_hits} requests; "
        f"crawl 2: {len(refetched)} article pages fetched again"
    )
    header = f"{'layout':10} {'pages':>5} {'naive_title':>11} {'title':>7} {'date':>7} {'body_f1':>7}"
    print(header)
    print("-" * len(header))
    every = []
    for layout, group in rows.items():
        s = quality.score(group)  # type: ignore[arg-type]
        every.extend(group)
        naive_rate = naive_ok[layout] / s.pages
        print(f"{layout:10} {s.pages:5d} {naive_rate:11.3f} {s.title_rate:7.3f} {s.date_rate:7.3f} {s.body_f1:7.3f}")
    total = quality.score(every)  # type: ignore[arg-type]
    naive = sum(naive_ok.values()) / len(gold)
    print(
        f"{'all':10} {total.pages:5d} {naive:11.3f} {total.title_rate:7.3f} {total.date_rate:7.3f} {total.body_f1:7.3f}"
    )
    print(total.summary())
    for line in total.failures:
        print("  ", line)


if __name__ == "__main__":
    main()
