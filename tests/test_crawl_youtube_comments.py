"""YouTube comments through the Data API, crawled for real against the local server's fixtures into a
real SQLite store: only videos about a watched region have their comments read, replies link the
comment they answer, the comment cursor keeps a second crawl to the newest page of each video,
the key goes in a header and nowhere else, and without a key the feed is read and no comment is
asked for. Disabled comments, a spent quota, a rejected key, a deleted video, a server error and a
body that is not JSON are each counted with their reason."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from crawlers import cursor
from crawlers.refusals import explain
from crawlers.social import youtube
from index import Filters
from index.sqlite import SqliteStore
from pantau import platforms, settings
from pantau.article import Article, Engagement
from pantau.crawl import _tokens_out_of_job
from tests.crawlserver import CrawlServer
from tests.crawlserver.apis import YT_KEY
from tests.crawlserver.harness import crawl
from tests.crawlserver.social import BASE_TIME

THREADS = "/google/youtube/v3/commentThreads?part=snippet,replies&videoId={}&maxResults=100&order=time" \
          "&textFormat=plainText"


def _stored(store_url: str) -> dict[str, Article]:
    store = SqliteStore(store_url)
    try:
        result = store.search("", Filters(platforms=("youtube",)), sort="newest", size=200)
        return {h.article.url: h.article for h in result.hits}
    finally:
        store.close()


def _asked(srv: CrawlServer) -> list[str]:
    return [p for p, _ in srv.hit_log() if p.startswith("/google/")]


def _source(srv: CrawlServer, name: str, channel: str, **more: str) -> dict[str, str]:
    return {"name": name, "type": "youtube", "url": f"{srv.base}/youtube/feeds/videos.xml?channel_id={channel}",
            "api": srv.base + "/google/", **more}


def test_helpers_read_data_api_errors_and_send_the_key_in_a_header() -> None:
    from scrapy.http import Request, Response

    from crawlers.middlewares.token import ApiToken, api_meta

    def error(status: int, reason: str) -> bytes:
        return (f'{{"error": {{"code": {status}, "message": "m", '
                f'"errors": [{{"reason": "{reason}", "domain": "d"}}]}}}}').encode()

    assert youtube.error_reason(error(403, "quotaExceeded")) == "rate_limited"
    assert youtube.error_reason(error(403, "rateLimitExceeded")) == "rate_limited"
    assert youtube.error_reason(error(403, "commentsDisabled")) == "comments_disabled"
    assert youtube.error_reason(error(400, "keyInvalid")) == "token_rejected"
    assert youtube.error_reason(error(404, "videoNotFound")) == "gone"
    assert youtube.error_reason(b"<html>") == ""
    assert youtube.comments_url("https://www.googleapis.com/", "abc", "QURS") == (
        "https://www.googleapis.com/youtube/v3/commentThreads?part=snippet,replies&videoId=abc&maxResults=100"
        "&order=time&textFormat=plainText&pageToken=QURS")
    token = ApiToken("rahasia", "youtube")
    api = Request(youtube.comments_url("https://www.googleapis.com/", "abc"), meta=api_meta("https://www.googleapis.com/"))
    token.process_request(api)
    assert api.headers.get("X-Goog-Api-Key") == b"rahasia" and "Authorization" not in api.headers
    assert "rahasia" not in api.url
    token.process_response(api, Response(api.url, status=403, request=api))
    assert "X-Goog-Api-Key" not in api.headers  # a retry or the resume queue copies it without the key
    assert platforms.api_base({"type": "youtube"}) == "https://www.googleapis.com/"
    assert platforms.token({"type": "youtube"}, {"PANTAU_YOUTUBE_KEY": "k"}) == "k"
    assert platforms.disabled_reason({"type": "youtube"}, {}) == ""  # the feed needs no key


def test_comments_of_region_videos_are_read_with_replies_then_resumed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = f"sqlite:///{tmp_path / 'p.db'}"
    monkeypatch.setenv("PANTAU_YOUTUBE_KEY", YT_KEY)
    with CrawlServer() as srv:
        source = _source(srv, "yt-warga", "UCwarga")
        first = crawl([source], store, tmp_path / "state")["yt-warga"]
        # Five videos; the flood video has 7 threads on 3 pages (thread 5 comes without a snippet, thread 2
        # with two replies), the Bontang video 2; the Padang recipe and the toll road are about no watched
        # region, and the Balikpapan video has its comments disabled. The feed has one entry without an id.
        assert first.new == 5 + 6 + 2 + 2
        assert first.errors == {"youtube_post_malformed": 2}
        assert first.dropped == {"skipped_youtube_comments_disabled": 1}
        banjir = THREADS.format("ytbanjir001")
        # One video after another, newest first, each to its last page.
        assert _asked(srv) == [THREADS.format("ytjalan0005"), THREADS.format("ytlantik003"), banjir,
                               f"{banjir}&pageToken=o3", f"{banjir}&pageToken=o6"]
        assert set(srv.apis.auth) == {YT_KEY}  # in the X-Goog-Api-Key header of every Data API request
        assert not any("key" in p.lower() and YT_KEY in p for p, _ in srv.hit_log())
        assert YT_KEY not in (tmp_path / "state" / "last-crawl.log").read_text(encoding="utf-8")

        posts = _stored(store)
        assert not any(YT_KEY in url for url in posts)
        video = posts["https://www.youtube.com/watch?v=ytbanjir001"]
        top = posts["https://www.youtube.com/watch?v=ytbanjir001&lc=Ugxbanjir002"]
        assert top.platform == "youtube" and top.source_type == "social"
        assert top.authors == ("@warga2",) and top.engagement == Engagement(likes=2, replies=2)
        assert top.published_at == BASE_TIME + timedelta(days=2, hours=2)
        assert top.reply_to == video.id  # a comment answers the video
        reply = posts["https://www.youtube.com/watch?v=ytbanjir001&lc=Ugxbanjir021.002r"]
        assert reply.reply_to == top.id and reply.authors == ("@warga21",)
        assert reply.engagement == Engagement(likes=1)
        assert not any("ytresep0002&lc=" in u or "ytmudik0004&lc=" in u for u in posts)

        srv.reset_hits()
        second = crawl([source], store, tmp_path / "state")["yt-warga"]
        assert second.new == 0 and second.fetched == 0
        # Each region video's newest page only: its newest thread is not newer than the comment cursor.
        assert sorted(_asked(srv)) == sorted([banjir, THREADS.format("ytlantik003"), THREADS.format("ytjalan0005")])

        srv.apis.publish(youtube=1)  # a new comment on the flood video
        srv.reset_hits()
        third = crawl([source], store, tmp_path / "state")["yt-warga"]
        assert third.new == 1 and third.duplicate == 0
        assert banjir in _asked(srv) and f"{banjir}&pageToken=o3" not in _asked(srv)
        assert "https://www.youtube.com/watch?v=ytbanjir001&lc=Ugxbanjir008" in _stored(store)


def test_without_a_key_the_feed_is_read_and_no_comment_is_asked_for(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_cli import pantau

    db = tmp_path / "p.db"
    monkeypatch.delenv("PANTAU_YOUTUBE_KEY", raising=False)
    with CrawlServer() as srv:
        run = crawl([_source(srv, "yt-warga", "UCwarga")], f"sqlite:///{db}", tmp_path / "state")["yt-warga"]
        assert run.new == 5 and _asked(srv) == []
        assert all("&lc=" not in url for url in _stored(f"sqlite:///{db}"))
        (tmp_path / "pantau.toml").write_text(
            f'[store]\nurl = "sqlite:///{db}"\n\n'
            f'[[sources]]\nname = "yt-warga"\ntype = "youtube"\n'
            f'url = "{srv.base}/youtube/feeds/videos.xml?channel_id=UCwarga"\n', encoding="utf-8")
        srv.reset_hits()
        done = pantau("status", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert "yt-warga: last crawl" in done.stdout and "yt-warga [disabled]" not in done.stdout
        assert ('    comments off: no YouTube Data API key configured ([sources] token_env = "PANTAU_YOUTUBE_KEY" '
                "is not set in the environment, and no token in the file); the channel feed is still read"
                ) in done.stdout
        with_key = pantau("status", cwd=tmp_path, env={"PANTAU_YOUTUBE_KEY": YT_KEY})
        assert "comments off" not in with_key.stdout
        assert srv.hits() == 0  # status asks no platform anything
    assert platforms.limited_reason({"type": "youtube", "token": YT_KEY}, {}) == ""
    assert platforms.limited_reason({"type": "mastodon"}, {}) == ""


def test_comment_refusals_quota_deleted_videos_and_malformed_answers(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'p.db'}"
    with CrawlServer() as srv:
        runs = crawl([_source(srv, "yt-salah", "UCwarga", token="key-salah"),
                      _source(srv, "yt-kuota", "UCkuota", token=YT_KEY),
                      _source(srv, "yt-rusak", "UCrusakapi", token=YT_KEY)], store, tmp_path / "state")
        # A rejected key: the first region video answers 400 keyInvalid and no other is asked; the feed is
        # still read.
        assert runs["yt-salah"].errors == {"youtube_token_rejected": 1, "youtube_post_malformed": 1}
        assert [p for p in _asked(srv) if "ytjalan0005" in p or "ytlantik003" in p or "ytbanjir001" in p] == [
            THREADS.format("ytjalan0005")]
        assert runs["yt-salah"].new == 5
        assert runs["yt-kuota"].errors == {"youtube_rate_limited": 1, "youtube_post_malformed": 1}
        # The quota ran out on the first video: the second is left for a later crawl, not sent into it.
        assert [p for p in _asked(srv) if "ytpanen0006" in p or "ytsungai009" in p] == [THREADS.format("ytpanen0006")]
        assert runs["yt-kuota"].new == 2
        assert runs["yt-rusak"].errors == {"youtube_unreadable": 1, "http_500": 1, "youtube_post_malformed": 1}
        # The first video's 500 (after its retry) is counted and the next videos are still read.
        rusak = [p for p in _asked(srv) if any(v in p for v in ("ytmati0010", "ythilang008", "ytbudaya007"))]
        assert rusak == [THREADS.format("ytmati0010")] * 2 + [THREADS.format("ythilang008"),
                                                               THREADS.format("ytbudaya007")]
        assert runs["yt-rusak"].dropped == {"youtube_deleted": 1}  # the video went between feed and comments
        log = (tmp_path / "state" / "last-crawl.log").read_text(encoding="utf-8")
        assert YT_KEY not in log and "key-salah" not in log
    sqlite = SqliteStore(store)
    try:  # the spent quota cut the comments short: no comment cursor to skip them next time
        assert cursor.load(sqlite, "yt-kuota#comments", "youtube").newest_at is None
    finally:
        sqlite.close()
    assert explain("youtube_token_rejected").startswith("the platform asks for a token, or the token is expired")
    assert explain("youtube_rate_limited").startswith("the platform's rate limit is spent")


def test_a_token_written_in_the_file_stays_out_of_the_job_file() -> None:
    cfg = settings.from_mapping({"sources": [
        {"name": "yt", "type": "youtube", "url": "https://www.youtube.com/feeds/videos.xml?channel_id=UC1",
         "token": "rahasia"},
        {"name": "tg", "type": "telegram", "url": "https://t.me/s/humaskaltim"},
    ]}, env={})
    sources, secrets = _tokens_out_of_job(cfg.sources)
    assert [s.token for s in sources] == ["", ""]
    assert secrets == {sources[0].token_env: "rahasia"}
    assert platforms.token({"type": "youtube", "token_env": sources[0].token_env}, secrets) == "rahasia"
