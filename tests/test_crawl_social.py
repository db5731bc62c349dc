"""Public-post connectors, crawled for real against the local server's Telegram, Mastodon and
YouTube fixtures: the posts they store, the cursor that keeps a second crawl from reading them
again, rate limits, refusals, deleted accounts and malformed responses."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from crawlers.social import count
from crawlers.social.mastodon import html_text, links, target
from index import Filters
from index.sqlite import SqliteStore
from pantau.article import Article, Engagement
from tests.crawlserver import CrawlServer
from tests.crawlserver.harness import crawl


def _stored(store_url: str, platform: str) -> list[Article]:
    store = SqliteStore(store_url)
    try:
        result = store.search("", Filters(platforms=(platform,)), sort="newest", size=200)
        return [h.article for h in result.hits]
    finally:
        store.close()


def test_counts_and_mastodon_helpers() -> None:
    assert count("1.2K") == 1200 and count("873") == 873 and count("2M") == 2_000_000 and count("—") is None
    assert target("https://mastodon.social/tags/samarinda") == ("https://mastodon.social", "tag", "samarinda")
    assert target("http://127.0.0.1:8/mastodon/@humaskaltim") == ("http://127.0.0.1:8/mastodon", "account",
                                                                  "humaskaltim")
    assert html_text("<p>Banjir &amp; longsor</p><p>baris<br>dua</p>") == "Banjir & longsor\nbaris\ndua"
    assert links('<https://x/a?max_id=5>; rel="next", <https://x/a?min_id=9>; rel="prev"') == {
        "next": "https://x/a?max_id=5", "prev": "https://x/a?min_id=9"}


def test_telegram_channel_pages_back_to_the_configured_day_and_resumes(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'p.db'}"
    with CrawlServer() as srv:
        # Posts 101..150 every two hours from 1 July 00:00 UTC; back to 2 July 12:00 UTC is posts 119 on.
        source = {"name": "tg-humas", "type": "telegram", "url": srv.base + "/telegram/s/humaskaltim",
                  "back_to": "2025-07-02T12:00:00+00:00", "max_pages": 5}
        first = crawl([source], store, tmp_path / "state")["tg-humas"]
        posts = _stored(store, "telegram")
        ids = sorted(int(a.url.rsplit("/", 1)[1]) for a in posts)
        # 119..150 without the deleted 120 and 121: 30 posts; the 110/111 service and broken posts are older
        assert ids == [119, *range(122, 151)]
        assert first.new == 30
        assert first.errors == {"telegram_post_malformed": 1}  # post 111 has no time; it is on page two
        paged = [p for p, _ in srv.hit_log() if p.startswith("/telegram/")]
        assert paged == ["/telegram/s/humaskaltim", "/telegram/s/humaskaltim?before=131"]  # page two reaches 2 July
        newest = posts[0]
        assert newest.source_type == "social" and newest.platform == "telegram"
        assert newest.authors == ("@humaskaltim",)
        assert newest.engagement == Engagement(views=1050)  # "1050" printed as 150 * 7
        assert newest.published_at == datetime(2025, 7, 5, 2, 0, tzinfo=UTC)
        assert newest.title == "Pemerintah Samarinda gelar kerja bakti membersihkan drainase di kelurahan nomor 150."
        assert newest.body.endswith("#samarinda") and "\n" in newest.body
        assert "64.72" in newest.regions  # Samarinda, from the post's text
        odd = next(a for a in posts if a.url.endswith("/149"))
        assert odd.engagement == Engagement(views=14900)  # "14.9K"

        # Nothing new: one request for the newest page, no paging, nothing re-read.
        srv.reset_hits()
        second = crawl([source], store, tmp_path / "state")["tg-humas"]
        assert [p for p, _ in srv.hit_log() if p.startswith("/telegram/")] == ["/telegram/s/humaskaltim"]
        assert second.fetched == 0 and second.new == 0 and second.duplicate == 0

        # Three newer posts: only those are read.
        srv.social.publish(telegram=3)
        third = crawl([source], store, tmp_path / "state")["tg-humas"]
        assert third.fetched == 3 and third.new == 3
        assert len(_stored(store, "telegram")) == 33


def test_telegram_first_crawl_stops_at_max_pages_and_counts_a_post_without_time(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'p.db'}"
    with CrawlServer() as srv:
        source = {"name": "tg-all", "type": "telegram", "url": srv.base + "/telegram/s/humaskaltim", "max_pages": 3}
        run = crawl([source], store, tmp_path / "state")["tg-all"]
        # Three pages reach back to post 101: 50 ids less 2 deleted, 1 service message, 1 without a time.
        assert run.new == 46
        assert run.errors == {"telegram_post_malformed": 1}
        broken = crawl([{"name": "tg-kacau", "type": "telegram", "url": srv.base + "/telegram/s/kacau"},
                        {"name": "tg-hilang", "type": "telegram", "url": srv.base + "/telegram/s/tidakada"}],
                       store, tmp_path / "state")
        assert broken["tg-kacau"].errors == {"telegram_unreadable": 1}
        assert broken["tg-hilang"].errors == {"telegram_gone": 1}
