"""Headlines, dates and bodies on twelve outlet layouts no one configured, crawled for real.

The unseen-layout sets (``tests/crawlserver/unseen.py``) put 43 real Kaltim texts into six layouts
each, behind RSS, Atom, sitemaps and listings, with the outlet's name before or after the headline
in ``<title>`` and the headline in a ``<div>``, ``<span>``, table cell or beside a logo ``h1``.
Every page is crawled into SQLite and scored against the gold; a second crawl fetches no article
page again.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crawlers import quality
from index.store import open_store
from pantau import urls
from tests.crawlserver import CrawlServer
from tests.crawlserver.harness import crawl
from tests.crawlserver.unseen import add_unseen, sources


@pytest.mark.parametrize("which", ["a", "b"])
def test_unseen_layouts_meet_the_bars(which: str, tmp_path: Path) -> None:
    with CrawlServer() as srv:
        gold = add_unseen(srv.site, which)
        assert len(gold) >= 40 and len({g["layout"] for g in gold}) >= 6
        store_url = f"sqlite:///{tmp_path / 'unseen.db'}"
        runs = crawl(sources(srv.base, which), store_url, tmp_path / "state")
        assert sum(r.new for r in runs.values()) == len(gold)
        srv.reset_hits()
        crawl(sources(srv.base, which), store_url, tmp_path / "state")
        pages = {g["path"] for g in gold}
        assert [p for p, _ in srv.hit_log() if p in pages] == []
        store = open_store(store_url)
        ids = {g["path"]: urls.article_id(urls.canonicalize(srv.base + g["path"])) for g in gold}
        stored = store.get(list(ids.values()))
        store.close()
    rows = []
    for g in gold:
        a = stored.get(ids[g["path"]])
        rows.append((g["path"], g, a.title if a else None, a.published_at if a else None, a.body if a else None))
    result = quality.score(rows)
    print(which, result.summary())
    for line in result.failures:
        print("  ", line)
    assert result.missing == []
    assert result.title_rate >= 0.97
    assert result.date_rate >= 0.95
    assert result.body_f1 >= 0.90
    for _, g, title, _, body in rows:
        assert title is not None and body is not None
        assert "Baca juga" not in body and "©" not in body, g["path"]
