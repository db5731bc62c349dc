"""Public-post connectors, crawled for real against the local server's Telegram, Mastodon and
YouTube fixtures: the posts they store, the cursor that keeps a second crawl from reading them
again, rate limits, refusals, deleted accounts and malformed responses."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawlers.refusals import explain
from crawlers.social import count
from crawlers.social.mastodon import html_text, links, target
from index import Filters
from index.sqlite import SqliteStore
from pantau import settings
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


def _status_id(n: int) -> str:
    return str(110_000_000_000_000_000 + n)


def test_mastodon_hashtag_timeline_pages_back_then_reads_forward_from_its_cursor(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'p.db'}"
    with CrawlServer() as srv:
        source = {"name": "md-samarinda", "type": "mastodon", "url": srv.base + "/mastodon/tags/samarinda",
                  "max_pages": 5}
        first = crawl([source], store, tmp_path / "state")["md-samarinda"]
        # 30 statuses, 10 a page: three pages and an empty fourth; status 7 is a boost, 12 has no time.
        assert first.new == 28 and first.errors == {"mastodon_post_malformed": 1}
        tag = "/mastodon/api/v1/timelines/tag/samarinda?limit=40"
        assert [p for p, _ in srv.hit_log() if p.startswith("/mastodon/")] == [
            tag, f"{tag}&max_id={_status_id(21)}", f"{tag}&max_id={_status_id(11)}", f"{tag}&max_id={_status_id(1)}"]
        posts = {a.url.rsplit("/", 1)[1]: a for a in _stored(store, "mastodon")}
        assert _status_id(7) not in posts and _status_id(12) not in posts
        nine = posts[_status_id(9)]
        assert nine.body.startswith("Banjir\n")  # the content warning comes first
        assert nine.engagement == Engagement(likes=9 % 7 + 1, reposts=9 % 5, replies=9 % 4)
        assert nine.authors == ("@jurnalis@kaltim.social",)
        assert posts[_status_id(10)].authors == (f"@warga@127.0.0.1:{srv.port}",)
        assert "#samarinda" in posts[_status_id(30)].body and "<" not in posts[_status_id(30)].body

        srv.reset_hits()
        second = crawl([source], store, tmp_path / "state")["md-samarinda"]
        assert [p for p, _ in srv.hit_log() if p.startswith("/mastodon/")] == [f"{tag}&min_id={_status_id(30)}"]
        assert second.fetched == 0 and second.new == 0 and second.duplicate == 0

        srv.social.publish(mastodon=2)
        srv.reset_hits()
        third = crawl([source], store, tmp_path / "state")["md-samarinda"]
        assert third.new == 2 and third.duplicate == 0
        assert [p for p, _ in srv.hit_log() if p.startswith("/mastodon/")] == [
            f"{tag}&min_id={_status_id(30)}", f"{tag}&min_id={_status_id(32)}"]


def test_mastodon_account_statuses_and_refusals_in_plain_words(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'p.db'}"
    with CrawlServer() as srv:
        md = srv.base + "/mastodon"
        runs = crawl([
            {"name": "md-humas", "type": "mastodon", "url": md + "/@humaskaltim"},
            {"name": "md-rahasia", "type": "mastodon", "url": md + "/tags/rahasia"},
            {"name": "md-terlarang", "type": "mastodon", "url": md + "/tags/terlarang"},
            {"name": "md-hilang", "type": "mastodon", "url": md + "/@hilang"},
            {"name": "md-dibekukan", "type": "mastodon", "url": md + "/@dibekukan"},
            {"name": "md-rusak", "type": "mastodon", "url": md + "/tags/rusak"},
            {"name": "md-patah", "type": "mastodon", "url": md + "/tags/patah"},
        ], store, tmp_path / "state")
        assert runs["md-humas"].new == 5 and runs["md-humas"].errors == {}
        assert srv.hits("/mastodon/api/v1/accounts/lookup?acct=humaskaltim") == 1
        assert {a.authors for a in _stored(store, "mastodon")} == {(f"@humaskaltim@127.0.0.1:{srv.port}",)}
        assert runs["md-rahasia"].errors == {"mastodon_token_rejected": 1}
        assert runs["md-terlarang"].errors == {"mastodon_permission_denied": 1}
        assert runs["md-hilang"].errors == {"mastodon_gone": 1}
        assert runs["md-dibekukan"].errors == {"mastodon_gone": 1}
        assert runs["md-rusak"].errors == {"mastodon_unreadable": 1}
        assert runs["md-patah"].errors == {"mastodon_unreadable": 1}
        assert all(r.new == 0 for name, r in runs.items() if name != "md-humas")
    assert explain("mastodon_token_rejected").startswith("the platform asks for a token")
    assert explain("http_500") == ""


def test_mastodon_rate_limits_429_with_retry_after_and_a_spent_window(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'p.db'}"
    with CrawlServer() as srv:
        md = srv.base + "/mastodon/tags/"
        runs = crawl([{"name": "md-ramai", "type": "mastodon", "url": md + "ramai"},
                      {"name": "md-sibuk", "type": "mastodon", "url": md + "sibuk"}], store, tmp_path / "state")
        assert runs["md-ramai"].new == 12 and runs["md-ramai"].errors == {}
        assert runs["md-sibuk"].new == 12 and runs["md-sibuk"].errors == {}

        def asked(tag: str) -> list[tuple[bool, float]]:
            return [("max_id" in q, t) for p, q, t in srv.social.times if p.endswith(f"/tag/{tag}")]

        # 429 with Retry-After: 1, then the retry, then the next page (the downloader randomises delays ±50 %)
        ramai = asked("ramai")
        assert [paged for paged, _ in ramai[:3]] == [False, False, True]
        assert ramai[1][1] - ramai[0][1] >= 0.45
        # X-RateLimit-Remaining: 0 with the reset one second later: the next page waits for the reset
        sibuk = asked("sibuk")
        assert [paged for paged, _ in sibuk[:2]] == [False, True]
        assert sibuk[1][1] - sibuk[0][1] >= 0.45


def test_youtube_channel_feed_videos_with_views_and_likes(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'p.db'}"
    with CrawlServer() as srv:
        feed = srv.base + "/youtube/feeds/videos.xml?channel_id=UCkaltim"
        source = {"name": "yt-kominfo", "type": "youtube", "url": feed}
        first = crawl([source, {"name": "yt-rusak", "type": "youtube",
                                "url": srv.base + "/youtube/feeds/videos.xml?channel_id=UCrusak"}],
                      store, tmp_path / "state")
        assert first["yt-kominfo"].new == 5 and first["yt-kominfo"].errors == {"youtube_post_malformed": 1}
        assert first["yt-rusak"].errors == {"youtube_unreadable": 1}
        videos = _stored(store, "youtube")
        newest = videos[0]
        assert newest.url == "https://www.youtube.com/watch?v=vid00000005"
        assert newest.title == "Liputan Penajam Paser Utara: gelar kerja bakti membersihkan drainase di kelurahan 5"
        assert "64.09" in newest.regions  # Penajam Paser Utara
        assert newest.engagement == Engagement(likes=50, views=5000)
        assert newest.authors == ("Diskominfo Kaltim",)
        assert newest.body.startswith(newest.title + "\n")

        second = crawl([source], store, tmp_path / "state")["yt-kominfo"]
        assert second.fetched == 0 and second.new == 0 and second.duplicate == 0
        srv.social.publish(youtube=1)
        third = crawl([source], store, tmp_path / "state")["yt-kominfo"]
        assert third.fetched == 1 and third.new == 1


def test_post_sources_are_social_and_back_to_is_checked() -> None:
    cfg = settings.from_mapping({"sources": [
        {"name": "tg", "type": "telegram", "url": "https://t.me/s/humaskaltim", "back_to": "2025-07-01"}]}, env={})
    assert cfg.sources[0].source_type == "social"
    with pytest.raises(settings.ConfigError, match="source_type: expected \"social\" for a mastodon source"):
        settings.from_mapping({"sources": [{"name": "md", "type": "mastodon", "source_type": "news",
                                            "url": "https://mastodon.social/tags/kaltim"}]}, env={})
    with pytest.raises(settings.ConfigError, match="back_to: expected a day"):
        settings.from_mapping({"sources": [{"name": "tg", "type": "telegram", "url": "https://t.me/s/x",
                                            "back_to": "kemarin"}]}, env={})


def test_sources_check_reads_post_sources_with_their_own_parsers() -> None:
    from pantau import sources as pantau_sources

    with CrawlServer() as srv:
        cfg = settings.from_mapping({"crawl": {"allow_private_addresses": True}, "sources": [
            {"name": "tg", "type": "telegram", "url": srv.base + "/telegram/s/humaskaltim"},
            {"name": "md-tag", "type": "mastodon", "url": srv.base + "/mastodon/tags/samarinda"},
            {"name": "md-akun", "type": "mastodon", "url": srv.base + "/mastodon/@humaskaltim"},
            {"name": "md-rahasia", "type": "mastodon", "url": srv.base + "/mastodon/tags/rahasia"},
            {"name": "yt", "type": "youtube", "url": srv.base + "/youtube/feeds/videos.xml?channel_id=UCkaltim"},
            {"name": "tg-kacau", "type": "telegram", "url": srv.base + "/telegram/s/kacau"},
        ]}, env={})
        rows = {r.name: r for r in pantau_sources.check(cfg)}
    assert (rows["tg"].valid, rows["tg"].items) == (True, 20)
    assert (rows["md-tag"].valid, rows["md-tag"].items) == (True, 10)  # the newest page: statuses 21 to 30
    assert (rows["md-akun"].valid, rows["md-akun"].items) == (True, 5)
    assert not rows["md-rahasia"].valid and rows["md-rahasia"].error == "HTTP 401"
    assert rows["yt"].valid and rows["yt"].items == 5
    assert not rows["tg-kacau"].valid and rows["tg-kacau"].error.startswith("not a telegram response")


def test_cursor_in_elasticsearch_store(tmp_path: Path, es_url: str) -> None:
    """The cursor is a store record, so it works the same when the store is Elasticsearch."""
    import uuid

    from index.elastic import ElasticStore

    prefix = f"pantau-posts-{uuid.uuid4().hex[:10]}"
    store_url = f"{es_url}/{prefix}"
    try:
        with CrawlServer() as srv:
            source = {"name": "yt-kominfo", "type": "youtube",
                      "url": srv.base + "/youtube/feeds/videos.xml?channel_id=UCkaltim"}
            assert crawl([source], store_url, tmp_path / "state")["yt-kominfo"].new == 5
            again = crawl([source], store_url, tmp_path / "state")["yt-kominfo"]
            assert again.fetched == 0 and again.new == 0
        es = ElasticStore(es_url, prefix=prefix)
        try:
            es.refresh()
            assert es.get_records("cursor")["yt-kominfo"]["newest_id"] == "vid00000005"
            assert es.count(Filters(platforms=("youtube",))) == 5
        finally:
            es.close()
    finally:
        cleanup = ElasticStore(es_url, prefix=prefix)
        cleanup.drop()
        cleanup.close()


def test_back_to_a_bare_day_starts_at_its_midnight() -> None:
    from crawlers import dates
    from crawlers.spiders.social import floor

    assert floor("2025-07-01", dates.WITA) == datetime(2025, 6, 30, 16, 0, tzinfo=UTC)
    assert floor("2025-07-02T12:00:00+00:00", dates.WIB) == datetime(2025, 7, 2, 12, 0, tzinfo=UTC)
    assert floor("", dates.WIB) is None
