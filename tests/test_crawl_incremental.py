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


def test_articles_survive_a_store_outage(tmp_path: Path) -> None:
    """Nothing listens on the store's port during the first crawl; the next crawl writes what it kept."""
    import socket

    url = f"sqlite:///{tmp_path / 'pantau.db'}"
    with socket.socket() as sock, CrawlServer() as srv:  # a bound port that never listens: certainly closed
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
        source = [{"name": "detik", "type": "rss", "url": srv.base + "/detik/atom.xml"}]
        down = crawl(source, dead, tmp_path / "state", overrides={"PANTAU_STORE_RETRIES": 0})
        assert down["detik"].errors.get("store_unavailable") == 16
        assert down["detik"].new == 0
        unsaved = tmp_path / "state" / "unsaved" / "detik.jsonl"
        assert len(unsaved.read_text(encoding="utf-8").splitlines()) == 16
        srv.reset_hits()
        again = crawl(source, url, tmp_path / "state")
    assert again["detik"].new == 16 and not again["detik"].errors
    assert not unsaved.exists()
    with open_store(url) as store:
        assert store.count() == 16
