"""Unchanged feeds and sitemaps are not downloaded again, and a source is crawled only when due.

The local server answers feeds and sitemaps with an ETag and Last-Modified and honours
``If-None-Match`` with 304, as outlets' CMSs and CDNs do; it counts every request and every 304.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from crawlers import freshness
from demo.feeds import rss, rss_item
from demo.layouts import Story, render
from tests.crawlserver import CrawlServer
from tests.crawlserver.harness import crawl


def _sources(base: str) -> list[dict[str, object]]:
    return [
        {"name": "cnn", "type": "rss", "url": base + "/cnn/rss.xml"},
        {"name": "peta", "type": "sitemap", "url": base + "/sitemap_index.xml"},
    ]


def test_unchanged_feeds_and_sitemaps_answer_304_and_fetch_nothing(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'p.db'}"
    with CrawlServer(conditional=True) as srv:
        first = crawl(_sources(srv.base), store, tmp_path / "state")
        assert first["cnn"].new > 0 and first["peta"].new > 0 and srv.not_modified == 0
        srv.reset_hits()
        second = crawl(_sources(srv.base), store, tmp_path / "state")
        # the feed, the sitemap index and its two child sitemaps: one 304 each, nothing else but robots.txt
        assert srv.not_modified == 4
        assert sorted(p for p, _ in srv.hit_log() if p != "/robots.txt") == sorted(
            ["/cnn/rss.xml", "/sitemap_index.xml", "/antara/sitemap-news.xml", "/pupr/sitemap.xml"]
        )
        assert second["cnn"].dropped.get("skipped_not_modified") == 1
        assert second["peta"].dropped.get("skipped_not_modified") == 3
        assert second["cnn"].fetched == 0 and second["peta"].fetched == 0

        # The outlet publishes one more story: the feed changes, and only the new page is fetched.
        old = [s for s in srv.site.stories.values() if s.outlet == "cnn" and "/bulk/" not in s.path]
        new = Story(**{**old[0].__dict__, "slug": "cnn-baru", "title": "Jembatan Mahakam IV Ditutup Sementara",
                       "path": "/cnn/read/cnn-baru", "canonical": srv.base + "/cnn/read/cnn-baru",
                       "published": datetime.now(UTC) - timedelta(hours=1)})  # fmt: skip
        srv.site.add_html(new.path, render(new))
        srv.site.add_xml("/cnn/rss.xml", rss("CNN Indonesia", srv.base + "/cnn/", [rss_item(new, srv.base + new.path)]
                                             + [rss_item(s, srv.base + s.path) for s in old]))  # fmt: skip
        srv.reset_hits()
        srv.not_modified = 0
        third = crawl(_sources(srv.base), store, tmp_path / "state")
        assert srv.hits("/cnn/rss.xml") == 1 and srv.not_modified == 3
        assert [p for p, _ in srv.hit_log() if "/read/" in p] == ["/cnn/read/cnn-baru"]
        assert third["cnn"].new == 1


def test_a_source_is_crawled_again_only_after_its_poll_interval(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'p.db'}"
    with CrawlServer() as srv:
        sources = [
            {"name": "cnn", "type": "rss", "url": srv.base + "/cnn/rss.xml", "poll_every": "1h"},
            {"name": "detik", "type": "rss", "url": srv.base + "/detik/atom.xml"},
        ]
        first = crawl(sources, store, tmp_path / "state")
        assert set(first) == {"cnn", "detik"}
        srv.reset_hits()
        second = crawl(sources, store, tmp_path / "state")
        assert set(second) == {"detik"}
        assert srv.hits("/cnn/rss.xml") == 0 and srv.hits("/detik/atom.xml") == 1
        # An hour later (the recorded poll moved back), cnn is due again.
        polls = freshness.last_polls(tmp_path / "state")
        freshness.record_polls(tmp_path / "state", {"cnn": polls["cnn"] - timedelta(minutes=61)})
        third = crawl(sources, store, tmp_path / "state")
        assert set(third) == {"cnn", "detik"}


def test_due_allows_a_little_drift(tmp_path: Path) -> None:
    """A 15-minute watch must not miss an hourly source because its runs start a few seconds late."""
    now = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)
    assert freshness.due(tmp_path, {"a": 3600}, now) == {"a": None}  # never crawled
    freshness.record_polls(tmp_path, {"a": now - timedelta(minutes=58), "b": now - timedelta(minutes=45)})
    due = freshness.due(tmp_path, {"a": 3600, "b": 3600}, now)
    assert due["a"] is None
    assert due["b"] == now - timedelta(minutes=45) + timedelta(seconds=3420)
