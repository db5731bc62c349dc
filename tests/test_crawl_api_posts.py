"""Bluesky, X and Meta Graph connectors, crawled for real against the local server's API fixtures
into a real SQLite store: the posts they store, the cursor that keeps a second crawl from reading
them again, paging, rate limits, refusals of an expired token, deleted posts, malformed answers,
and X or Meta sources without a token, which are not crawled at all."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from crawlers.middlewares.backoff import meta_usage
from crawlers.refusals import explain
from crawlers.social import bluesky, meta, x
from index import Filters
from index.sqlite import SqliteStore
from pantau import platforms, settings
from pantau.article import Article, Engagement
from tests.crawlserver import CrawlServer
from tests.crawlserver.apis import FB_BROKEN, FB_BUSY, FB_PAGE, IG_USER, X_BASE_ID
from tests.crawlserver.harness import crawl
from tests.crawlserver.social import BASE_TIME


def _stored(store_url: str, platform: str) -> list[Article]:
    store = SqliteStore(store_url)
    try:
        result = store.search("", Filters(platforms=(platform,)), sort="newest", size=200)
        return [h.article for h in result.hits]
    finally:
        store.close()


def _hits(srv: CrawlServer, prefix: str) -> list[str]:
    return [p for p, _ in srv.hit_log() if p.startswith(prefix)]


def _ratelimit_waits(state: Path) -> int:
    """The crawl child's stats dump for the source (Scrapy logs it when a spider closes)."""
    found = re.findall(r"'pantau/ratelimit_waits': (\d+)", (state / "last-crawl.log").read_text(encoding="utf-8"))
    return sum(int(n) for n in found)


def test_helpers_read_addresses_and_usage() -> None:
    assert bluesky.target("https://bsky.app/search?q=banjir+samarinda") == ("search", "banjir samarinda")
    assert bluesky.target("https://bsky.app/profile/humaskaltim.bsky.social") == ("author", "humaskaltim.bsky.social")
    with pytest.raises(ValueError, match="not a Bluesky search or profile address"):
        bluesky.target("https://bsky.app/")
    assert x.target("https://x.com/search?q=%23samarinda%20banjir&f=live") == "#samarinda banjir"
    with pytest.raises(ValueError, match="not an X search address"):
        x.target("https://x.com/humaskaltim")
    assert platforms.graph_id("https://www.facebook.com/104958162837") == "104958162837"
    assert platforms.graph_id("https://www.facebook.com/profile.php?id=61550000000001") == "61550000000001"
    assert platforms.graph_id("https://www.facebook.com/HumasKaltim", "777") == "777"
    assert platforms.graph_id("https://www.facebook.com/HumasKaltim") == ""
    assert meta.without_token("https://g/v21.0/1/posts?access_token=rahasia&after=QVF") == "https://g/v21.0/1/posts?after=QVF"
    assert meta.error_reason(b'{"error": {"code": 190, "error_subcode": 463}}') == "token_rejected"
    assert meta.error_reason(b'{"error": {"code": 100, "error_subcode": 33}}') == "deleted"
    assert meta.error_reason(b'{"error": {"code": 100}}') == "invalid_request"  # a wrong id or field, not a deletion
    assert meta.error_reason(b'{"error": {"code": 200}}') == "permission_denied"
    assert meta.error_reason(b"<html>") == ""
    assert meta.error_reason(b'{"error": {"code": 4}}') == "rate_limited"
    assert explain("facebook_rate_limited").startswith("the platform's rate limit is spent")
    assert bluesky.error_reason(b'{"error": "InvalidRequest", "message": "Profile not found"}') == "gone"
    assert bluesky.error_reason(b'{"error": "InvalidRequest", "message": "Invalid cursor"}') == ""
    assert meta_usage(['{"call_count": 28, "total_time": 100, "total_cputime": 4}']) == (100.0, None)
    assert meta_usage(['{"123": [{"type": "pages", "call_count": 97, "estimated_time_to_regain_access": 2}]}',
                       "kacau"]) == (97.0, 120.0)


def test_the_token_is_on_a_marked_request_only_while_it_is_sent() -> None:
    from scrapy.http import Request, Response

    from crawlers.middlewares.token import ApiToken, api_meta

    token = ApiToken("rahasia")
    marked = api_meta("https://api.x.com/2/")
    assert marked["dont_redirect"] is True  # a redirect is counted as an error, never followed with the header
    api, robots = Request("https://api.x.com/2/tweets/search/recent?query=a", meta=marked), \
        Request("https://api.x.com/robots.txt")
    token.process_request(api)
    token.process_request(robots)
    assert api.headers.get("Authorization") == b"Bearer rahasia" and "Authorization" not in robots.headers
    token.process_response(api, Response(api.url, status=429, request=api))
    assert "Authorization" not in api.headers  # a retry (or the resume queue) copies the request without it
    assert "Authorization" not in api.copy().headers
    # The mark names the API's origin: a paging link or a redirect copy to another host, scheme or port
    # carries the same meta but never gets the token; an explicit default port is the same origin.
    for elsewhere in ("https://graph.attacker.example/v21.0/next", "http://api.x.com/2/tweets",
                      "https://api.x.com:8443/2/tweets"):
        other = Request(elsewhere, meta=marked, headers={"Authorization": "Bearer stale"})
        token.process_request(other)
        assert "Authorization" not in other.headers, elsewhere
    same = Request("https://API.x.com:443/2/tweets/search/recent?next_token=b", meta=marked)
    token.process_request(same)
    assert same.headers.get("Authorization") == b"Bearer rahasia"


def test_bluesky_search_pages_back_then_resumes_from_its_cursor(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'p.db'}"
    with CrawlServer() as srv:
        api = srv.base + "/bluesky/xrpc/"
        source = {"name": "bs-samarinda", "type": "bluesky", "url": "https://bsky.app/search?q=samarinda",
                  "api": api, "max_pages": 5}
        first = crawl([source], store, tmp_path / "state")["bs-samarinda"]
        # 25 posts, 10 a page: three pages; post 5 is an image without words, post 12 has no readable time.
        assert first.new == 23 and first.errors == {"bluesky_post_malformed": 1}
        search = "/bluesky/xrpc/app.bsky.feed.searchPosts?q=samarinda&sort=latest&limit=100"
        assert _hits(srv, "/bluesky/") == [search, f"{search}&cursor=10", f"{search}&cursor=20"]
        posts = _stored(store, "bluesky")
        newest = posts[0]
        assert newest.url == "https://bsky.app/profile/warga.bsky.social/post/3lx0000000025"
        assert newest.authors == ("@warga.bsky.social",)
        assert newest.published_at == BASE_TIME + timedelta(hours=50)
        assert newest.engagement == Engagement(likes=25 % 7 + 1, reposts=25 % 5 + 1, replies=25 % 4)
        assert newest.body.endswith("#samarinda") and newest.source_type == "social"
        assert newest.platform == "bluesky" and "64.71" in newest.regions  # Balikpapan, from the text
        assert {a.authors for a in posts} == {("@warga.bsky.social",), ("@jurnalis.kaltim.id",)}

        srv.reset_hits()
        second = crawl([source], store, tmp_path / "state")["bs-samarinda"]
        assert _hits(srv, "/bluesky/") == [f"{search}&since=2025-07-03T02:00:00Z"]
        assert second.fetched == 0 and second.new == 0 and second.duplicate == 0

        srv.apis.publish(bluesky=2)
        srv.reset_hits()
        third = crawl([source], store, tmp_path / "state")["bs-samarinda"]
        assert third.new == 2 and third.duplicate == 0
        assert _hits(srv, "/bluesky/") == [f"{search}&since=2025-07-03T02:00:00Z"]
        assert len(_stored(store, "bluesky")) == 25


def test_bluesky_author_feed_skips_reposts_and_the_pin_and_counts_a_spent_window(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'p.db'}"
    with CrawlServer() as srv:
        api = srv.base + "/bluesky/xrpc/"
        humas = {"name": "bs-humas", "type": "bluesky", "url": "https://bsky.app/profile/humaskaltim.bsky.social",
                 "api": api}
        runs = crawl([humas,
                      {"name": "bs-ramai", "type": "bluesky", "url": "https://bsky.app/search?q=ramai", "api": api},
                      {"name": "bs-patah", "type": "bluesky", "url": "https://bsky.app/search?q=patah", "api": api},
                      {"name": "bs-hilang", "type": "bluesky", "url": "https://bsky.app/profile/hilang.bsky.social",
                       "api": api}],
                     store, tmp_path / "state")
        # 12 own posts on two pages; the repost and the pinned copy on top are not read.
        assert runs["bs-humas"].new == 12 and runs["bs-humas"].duplicate == 0 and runs["bs-humas"].errors == {}
        feed = "/bluesky/xrpc/app.bsky.feed.getAuthorFeed?actor=humaskaltim.bsky.social&limit=100"
        assert [h for h in _hits(srv, "/bluesky/") if "humaskaltim" in h] == [feed, f"{feed}&cursor=o10"]
        authors = {a.authors for a in _stored(store, "bluesky")}
        assert authors == {("@humaskaltim.bsky.social",), ("@warga.bsky.social",)}
        assert not any(a.url.endswith("/3lx0000000790") for a in _stored(store, "bluesky"))  # the repost
        assert runs["bs-patah"].errors == {"bluesky_unreadable": 1}
        assert runs["bs-hilang"].errors == {"bluesky_gone": 1}  # XRPC's 400 "Profile not found"

        # ratelimit-remaining: 0 with ratelimit-reset two seconds on: the next page waits (capped at 1.5 s)
        assert runs["bs-ramai"].new == 15
        ramai = [t for p, q, t in srv.apis.times if q.get("q") == ["ramai"]]
        assert len(ramai) == 2 and ramai[1] - ramai[0] >= 0.45
        assert _ratelimit_waits(tmp_path / "state") >= 1

        srv.reset_hits()
        again = crawl([humas], store, tmp_path / "state")["bs-humas"]
        assert _hits(srv, "/bluesky/") == [feed] and again.new == 0 and again.fetched == 0


def test_x_recent_search_with_token_pages_and_resumes_from_since_id(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    store = f"sqlite:///{tmp_path / 'p.db'}"
    monkeypatch.setenv("PANTAU_TEST_X", "tok-x")
    with CrawlServer() as srv:
        source = {"name": "x-samarinda", "type": "x", "url": "https://x.com/search?q=samarinda",
                  "api": srv.base + "/x/2/", "token_env": "PANTAU_TEST_X", "max_pages": 5}
        first = crawl([source], store, tmp_path / "state")["x-samarinda"]
        # 25 tweets: 7 is a retweet, 12 has no readable time, 20's author account was deleted.
        assert first.new == 22
        assert first.errors == {"x_post_malformed": 1} and first.dropped == {"x_deleted": 1}
        recent = ("/x/2/tweets/search/recent?query=samarinda&tweet.fields=created_at,public_metrics,author_id,lang,"
                  "conversation_id,referenced_tweets&expansions=author_id&user.fields=username&max_results=100")
        assert _hits(srv, "/x/") == [recent, f"{recent}&next_token=o10", f"{recent}&next_token=o20"]
        assert set(srv.apis.auth) == {"Bearer tok-x"}  # on every API request, never in a URL
        assert not any("tok-x" in p for p, _ in srv.hit_log())
        assert "tok-x" not in (tmp_path / "state" / "last-crawl.log").read_text(encoding="utf-8")
        posts = {a.url: a for a in _stored(store, "x")}
        top = posts[f"https://x.com/warga_u1/status/{X_BASE_ID + 25}"]
        assert top.authors == ("@warga_u1",) and top.platform == "x"
        assert top.engagement == Engagement(likes=5, reposts=1, replies=1, views=2500)
        assert top.published_at == BASE_TIME + timedelta(hours=75)
        assert not any(str(X_BASE_ID + n) in u for u in posts for n in (7, 12, 20))

        srv.reset_hits()
        second = crawl([source], store, tmp_path / "state")["x-samarinda"]
        assert _hits(srv, "/x/") == [f"{recent}&since_id={X_BASE_ID + 25}"]
        assert second.fetched == 0 and second.new == 0

        srv.apis.publish(x=2)
        srv.reset_hits()
        third = crawl([source], store, tmp_path / "state")["x-samarinda"]
        assert third.new == 2 and _hits(srv, "/x/") == [f"{recent}&since_id={X_BASE_ID + 25}"]

        # A week later the cursor's tweet is past recent search's window and X refuses the since_id:
        # the crawl asks for the whole week instead, stores only what is new, and moves the cursor on.
        srv.apis.x_oldest_since_id = X_BASE_ID + 28
        srv.apis.publish(x=1)
        srv.reset_hits()
        fourth = crawl([source], store, tmp_path / "state")["x-samarinda"]
        assert _hits(srv, "/x/")[:2] == [f"{recent}&since_id={X_BASE_ID + 27}", recent]
        assert fourth.new == 1 and not fourth.errors
        srv.reset_hits()
        fifth = crawl([source], store, tmp_path / "state")["x-samarinda"]
        assert _hits(srv, "/x/") == [f"{recent}&since_id={X_BASE_ID + 28}"] and fifth.new == 0


def test_x_refusals_malformed_answers_and_a_spent_window(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'p.db'}"
    with CrawlServer() as srv:
        api = srv.base + "/x/2/"

        def source(name: str, query: str, token: str) -> dict[str, object]:
            return {"name": name, "type": "x", "url": f"https://x.com/search?q={query}", "api": api, "token": token}

        runs = crawl([source("x-basi", "samarinda", "tok-x-expired"), source("x-terlarang", "terlarang", "tok-x"),
                      source("x-rusak", "rusak", "tok-x"), source("x-ramai", "ramai", "tok-x")],
                     store, tmp_path / "state")
        assert runs["x-basi"].errors == {"x_token_rejected": 1} and runs["x-basi"].new == 0
        assert runs["x-terlarang"].errors == {"x_permission_denied": 1}
        assert runs["x-rusak"].errors == {"x_unreadable": 1}
        # x-rate-limit-remaining: 0 and x-rate-limit-reset (epoch) two seconds on: page two waits
        assert runs["x-ramai"].new == 12
        ramai = [t for p, q, t in srv.apis.times if q.get("query") == ["ramai"]]
        assert len(ramai) == 2 and ramai[1] - ramai[0] >= 0.45
        assert _ratelimit_waits(tmp_path / "state") >= 1
    assert explain("x_token_rejected").startswith("the platform asks for a token, or the token is expired")


def test_facebook_page_comments_skip_deleted_posts_and_resume_by_updated_time(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'p.db'}"
    with CrawlServer() as srv:
        source = {"name": "fb-humas", "type": "facebook", "url": f"https://www.facebook.com/{FB_PAGE}",
                  "api": srv.base + "/meta/", "token": "tok-meta"}
        first = crawl([source], store, tmp_path / "state")["fb-humas"]
        # Six posts with 2, 3, 1, 2, 3 and 5 comments; post 3 was deleted (400, code 100), one comment of
        # post 4 is a sticker without words, one of post 5 has no readable time.
        assert first.new == 13
        assert first.dropped == {"facebook_deleted": 1} and first.errors == {"facebook_post_malformed": 1}
        hits = _hits(srv, "/meta/")
        assert sum("/posts?" in h for h in hits) == 2  # page two through paging.next
        assert sum("/comments?" in h for h in hits) == 7  # six posts, post 6's five comments on two pages
        assert not any("access_token" in h for h in hits)  # stripped from paging.next
        assert set(srv.apis.auth) == {"Bearer tok-meta"}
        comments = {a.url: a for a in _stored(store, "facebook")}
        last = comments[f"https://www.facebook.com/{FB_PAGE}/posts/6?comment_id=1065"]
        assert last.authors == ()  # Facebook shows no public handle for a commenter
        assert last.engagement == Engagement(likes=5, replies=1)
        assert last.published_at == BASE_TIME + timedelta(days=6, hours=5)
        assert last.platform == "facebook" and last.source_type == "social"

        srv.reset_hits()
        second = crawl([source], store, tmp_path / "state")["fb-humas"]
        assert second.new == 0 and second.fetched == 0
        assert [h for h in _hits(srv, "/meta/") if "/comments?" in h] == []  # no post has a comment since

        srv.apis.publish(facebook=1)  # a new comment on the old post 2
        srv.reset_hits()
        third = crawl([source], store, tmp_path / "state")["fb-humas"]
        assert third.new == 1 and third.duplicate == 0
        assert [h.split("?")[0] for h in _hits(srv, "/meta/") if "/comments?" in h] == [f"/meta/{FB_PAGE}_2/comments"]


def test_instagram_media_comments_with_usernames(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'p.db'}"
    with CrawlServer() as srv:
        source = {"name": "ig-humas", "type": "instagram", "url": "https://www.instagram.com/humaskaltim",
                  "account_id": IG_USER, "api": srv.base + "/meta/", "token": "tok-meta"}
        first = crawl([source], store, tmp_path / "state")["ig-humas"]
        # Media 4 (6 comments) was deleted, media 2 has none (not asked), media 3 has 5 (two pages), media 1 has 3.
        assert first.new == 8 and first.dropped == {"instagram_deleted": 1} and first.errors == {}
        hits = _hits(srv, "/meta/")
        assert sum("/media?" in h for h in hits) == 2
        assert not any(h.startswith("/meta/17900000000002/") for h in hits)
        comments = {a.url: a for a in _stored(store, "instagram")}
        one = comments["https://www.instagram.com/p/Ckaltim3/c/1800000000305/"]
        assert one.authors == ("@warga_35",) and one.engagement == Engagement(likes=8)
        assert one.published_at == BASE_TIME + timedelta(days=3, hours=6)

        srv.apis.publish(instagram=1)  # a new comment on the oldest medium
        srv.reset_hits()
        third = crawl([source], store, tmp_path / "state")["ig-humas"]
        assert third.new == 1 and third.duplicate == 0
        # Media have no updated_time: each commented medium's newest page is read, and paging stops at the cursor.
        asked = sorted(h.split("?")[0] for h in _hits(srv, "/meta/") if "/comments?" in h)
        assert asked == [f"/meta/1790000000000{n}/comments" for n in (1, 3, 4)]
        assert len(_stored(store, "instagram")) == 9


def test_meta_expired_token_missing_permission_usage_limit_and_malformed(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'p.db'}"
    with CrawlServer() as srv:
        api = srv.base + "/meta/"

        def page(name: str, page_id: str, token: str) -> dict[str, str]:
            return {"name": name, "type": "facebook", "url": f"https://www.facebook.com/{page_id}", "api": api,
                    "token": token}

        runs = crawl([page("fb-basi", FB_PAGE, "tok-meta-expired"), page("fb-izin", FB_PAGE, "tok-meta-noperm"),
                      page("fb-rusak", FB_BROKEN, "tok-meta"), page("fb-sibuk", FB_BUSY, "tok-meta")],
                     store, tmp_path / "state")
        assert runs["fb-basi"].errors == {"facebook_token_rejected": 1}  # Meta's 400 with code 190
        assert runs["fb-izin"].errors == {"facebook_permission_denied": 1}
        assert runs["fb-rusak"].errors == {"facebook_unreadable": 1}
        assert all(runs[n].new == 0 for n in ("fb-basi", "fb-izin", "fb-rusak"))
        # x-business-use-case-usage at call_count 100, regained in a minute: the comments wait (capped at 1.5 s)
        assert runs["fb-sibuk"].new == 2
        busy = [t for p, _, t in srv.apis.times if p.startswith(f"/meta/{FB_BUSY}")]
        assert len(busy) == 2 and busy[1] - busy[0] >= 0.45
        assert _ratelimit_waits(tmp_path / "state") >= 1


def test_token_sources_without_a_token_are_not_crawled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = f"sqlite:///{tmp_path / 'p.db'}"
    monkeypatch.delenv("PANTAU_X_TOKEN", raising=False)
    monkeypatch.delenv("PANTAU_META_TOKEN", raising=False)
    with CrawlServer() as srv:
        runs = crawl([{"name": "x-kosong", "type": "x", "url": "https://x.com/search?q=samarinda",
                       "api": srv.base + "/x/2/"},
                      {"name": "fb-kosong", "type": "facebook", "url": f"https://www.facebook.com/{FB_PAGE}",
                       "api": srv.base + "/meta/"}], store, tmp_path / "state")
        assert runs == {}
        assert srv.hits() == 0  # not even robots.txt
    src = {"type": "x", "token_env": "PANTAU_TEST_X"}
    assert platforms.disabled_reason(src, {}) == (
        'disabled: no X API token configured ([sources] token_env = "PANTAU_TEST_X" is not set in the '
        "environment, and no token in the file)")
    assert platforms.disabled_reason(src, {"PANTAU_TEST_X": "tok"}) == ""
    assert platforms.disabled_reason({"type": "instagram", "token": "tok"}, {}) == ""
    assert platforms.disabled_reason({"type": "bluesky"}, {}) == ""


def test_api_sources_are_social_and_validated() -> None:
    cfg = settings.from_mapping({"sources": [
        {"name": "bs", "type": "bluesky", "url": "https://bsky.app/search?q=samarinda"},
        {"name": "fb", "type": "facebook", "url": "https://www.facebook.com/104958162837"},
    ]}, env={})
    assert [s.source_type for s in cfg.sources] == ["social", "social"]
    assert platforms.api_base({"type": "bluesky"}) == "https://public.api.bsky.app/xrpc/"
    assert platforms.api_base({"type": "x", "api": "http://127.0.0.1:9/x/2"}) == "http://127.0.0.1:9/x/2/"
    with pytest.raises(settings.ConfigError, match="account_id: expected the Graph API id of the Instagram"):
        settings.from_mapping({"sources": [{"name": "ig", "type": "instagram",
                                            "url": "https://www.instagram.com/humaskaltim"}]}, env={})
    with pytest.raises(settings.ConfigError, match="account_id: expected the Graph API id of the page"):
        settings.from_mapping({"sources": [{"name": "fb", "type": "facebook",
                                            "url": "https://www.facebook.com/HumasKaltim"}]}, env={})
    with pytest.raises(settings.ConfigError, match="api: expected an http"):
        settings.from_mapping({"sources": [{"name": "bs", "type": "bluesky", "url": "https://bsky.app/search?q=a",
                                            "api": "ftp://x"}]}, env={})


def test_status_says_a_source_is_disabled_for_want_of_a_token_and_what_an_expired_one_means(tmp_path: Path) -> None:
    from tests.test_cli import pantau

    db = tmp_path / "db.sqlite"
    with CrawlServer() as srv:
        api = srv.base + "/x/2/"
        crawl([{"name": "x-basi", "type": "x", "url": "https://x.com/search?q=samarinda", "api": api,
                "token": "tok-x-expired"}], f"sqlite:///{db}", tmp_path / "state")
        (tmp_path / "pantau.toml").write_text(
            f'[store]\nurl = "sqlite:///{db}"\n\n'
            f'[[sources]]\nname = "x-basi"\ntype = "x"\nurl = "https://x.com/search?q=samarinda"\n'
            f'token_env = "PANTAU_TEST_X_BASI"\n\n'
            f'[[sources]]\nname = "x-kosong"\ntype = "x"\nurl = "https://x.com/search?q=banjir"\n\n'
            f'[[sources]]\nname = "ig-kosong"\ntype = "instagram"\nurl = "https://www.instagram.com/humaskaltim"\n'
            f'account_id = "{IG_USER}"\ntoken_env = "PANTAU_TEST_IG"\n', encoding="utf-8")
        srv.reset_hits()
        done = pantau("status", cwd=tmp_path, env={"PANTAU_TEST_X_BASI": "tok-x-expired"})
        assert done.returncode == 0, done.stderr
        out = done.stdout
        assert "x-basi: last crawl" in out and "errors=1" in out
        assert "    x_token_rejected=1: the platform asks for a token, or the token is expired or revoked" in out
        assert ('  x-kosong [disabled]: disabled: no X API token configured ([sources] token_env = '
                '"PANTAU_X_TOKEN" is not set in the environment, and no token in the file)') in out
        assert '  ig-kosong [disabled]: disabled: no Meta Graph API (Instagram) token configured ' \
               '([sources] token_env = "PANTAU_TEST_IG"' in out
        assert "x-basi [disabled]" not in out
        as_json = pantau("status", "--json", cwd=tmp_path, env={"PANTAU_TEST_X_BASI": "tok-x-expired"})
        assert '"disabled_reason": "disabled: no X API token configured' in as_json.stdout
        assert srv.hits() == 0  # status asks no platform anything


def test_sources_check_reads_api_sources_with_their_own_parsers(tmp_path: Path) -> None:
    from pantau import sources as pantau_sources

    with CrawlServer() as srv:
        cfg = settings.from_mapping({"crawl": {"allow_private_addresses": True}, "sources": [
            {"name": "bs", "type": "bluesky", "url": "https://bsky.app/search?q=samarinda",
             "api": srv.base + "/bluesky/xrpc/"},
            {"name": "bs-humas", "type": "bluesky", "url": "https://bsky.app/profile/humaskaltim.bsky.social",
             "api": srv.base + "/bluesky/xrpc/"},
            {"name": "x", "type": "x", "url": "https://x.com/search?q=samarinda", "api": srv.base + "/x/2/",
             "token_env": "PANTAU_TEST_X"},
            {"name": "x-kosong", "type": "x", "url": "https://x.com/search?q=samarinda", "api": srv.base + "/x/2/"},
            {"name": "fb", "type": "facebook", "url": f"https://www.facebook.com/{FB_PAGE}", "api": srv.base + "/meta/",
             "token": "tok-meta"},
            {"name": "fb-basi", "type": "facebook", "url": f"https://www.facebook.com/{FB_PAGE}",
             "api": srv.base + "/meta/", "token": "tok-meta-expired"},
        ]}, env={})
        rows = {r.name: r for r in pantau_sources.check(cfg, env={"PANTAU_TEST_X": "tok-x"})}
        assert not any(p.startswith("/x/") and "tok" in p for p, _ in srv.hit_log())
    assert (rows["bs"].valid, rows["bs"].items) == (True, 10)
    assert (rows["bs-humas"].valid, rows["bs-humas"].items) == (True, 8)  # a page of 10 less the pin and a repost
    assert (rows["x"].valid, rows["x"].items) == (True, 9)  # 25..16 less tweet 20 (author deleted)
    assert not rows["x-kosong"].valid and rows["x-kosong"].error.startswith("disabled: no X API token")
    assert (rows["fb"].valid, rows["fb"].items) == (True, 3)
    assert not rows["fb-basi"].valid and rows["fb-basi"].error == "HTTP 400"


def test_a_crawl_with_a_refused_page_leaves_the_cursor_where_it_was(tmp_path: Path) -> None:
    """X filters on the cursor (since_id): moving it past a page that was never read would lose
    those tweets for good, so a crawl with a failed request keeps the old cursor."""
    store = f"sqlite:///{tmp_path / 'p.db'}"
    with CrawlServer() as srv:
        source = {"name": "x-putus", "type": "x", "url": "https://x.com/search?q=putus",
                  "api": srv.base + "/x/2/", "token": "tok-x", "max_pages": 5}
        first = crawl([source], store, tmp_path / "state")["x-putus"]
        assert first.new == 10 and first.errors == {"x_permission_denied": 1}  # page two (tweets 1-2) refused
        srv.reset_hits()
        crawl([source], store, tmp_path / "state")
        assert not any("since_id" in p for p in _hits(srv, "/x/"))  # no cursor was saved: the page is asked again


def test_a_bluesky_post_dated_in_the_future_counts_from_when_it_was_indexed() -> None:
    """createdAt is the client's claim; a forged "2099" must not move the cursor past every later post."""
    import json

    record = {"text": "Banjir di Samarinda", "createdAt": "2099-01-01T00:00:00.000Z"}
    view = {"uri": "at://did:plc:x/app.bsky.feed.post/3kabc", "cid": "c", "author": {"handle": "warga.bsky.social"},
            "record": record, "indexedAt": "2025-07-15T03:00:00.123Z", "likeCount": 1, "repostCount": 0,
            "replyCount": 0}
    page = bluesky.parse_search(json.dumps({"posts": [view]}).encode())
    assert [p.published.isoformat() for p in page.posts] == ["2025-07-15T03:00:00.123000+00:00"]
    record["createdAt"] = "2025-07-15T02:59:58.000Z"  # an ordinary post: created just before indexing
    page = bluesky.parse_search(json.dumps({"posts": [view]}).encode())
    assert [p.published.isoformat() for p in page.posts] == ["2025-07-15T02:59:58+00:00"]
