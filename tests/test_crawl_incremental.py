"""Incremental crawling: stored links are not fetched again unless the feed says they changed,
and ``--since`` leaves older feed entries alone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from crawlers.dates import WITA
from index.store import open_store
from pantau import urls
from tests.crawlserver import CrawlServer
from tests.crawlserver.harness import crawl
from tests.crawlserver.site import revise


def test_a_corrected_story_is_fetched_again_and_updated(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'pantau.db'}"
    with CrawlServer() as srv:
        source = [{"name": "detik", "type": "rss", "url": srv.base + "/detik/atom.xml"}]
        first = crawl(source, url, tmp_path / "state")
        assert first["detik"].new == 16
        path = "/detik/read/detik-003"
        revise(srv.site, path, "Ralat: jumlah korban yang benar adalah tujuh orang, bukan lima.", datetime.now(UTC))
        srv.reset_hits()
        second = crawl(source, url, tmp_path / "state")
        fetched = [p for p, _ in srv.hit_log() if p in srv.site.stories]
    assert fetched == [path]
    assert second["detik"].new == 0 and second["detik"].dropped == {"skipped_already_stored": 15}
    aid = urls.article_id(urls.canonicalize(srv.base + path))
    with open_store(url) as store:
        article = store.get([aid])[aid]
        assert article.body.endswith("Ralat: jumlah korban yang benar adalah tujuh orang, bukan lima.")
        assert store.count() == 16


def test_since_skips_older_feed_entries(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'pantau.db'}"
    with CrawlServer() as srv:
        source = [{"name": "cnn", "type": "rss", "url": srv.base + "/cnn/rss.xml"}]
        runs = crawl(source, url, tmp_path / "state", since=date(2025, 7, 3))
        midnight_wita = datetime(2025, 7, 3, tzinfo=WITA)  # [regions] timezone defaults to Asia/Makassar
        older = [s for s in srv.site.stories.values() if s.outlet == "cnn" and s.published < midnight_wita]
        fetched = {p for p, _ in srv.hit_log() if p in srv.site.stories}
    assert len(older) == 3
    assert runs["cnn"].dropped == {"skipped_older_than_since": 3}
    assert runs["cnn"].new == 19 and not fetched & {s.path for s in older}
