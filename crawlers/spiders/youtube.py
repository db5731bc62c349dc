"""A YouTube channel or playlist feed (:mod:`crawlers.social.youtube`) and, with the operator's Data
API key, the comments on its videos that are about a watched region.

The feed needs no key and is read as before: its videos newer than the source's cursor become
posts. With a key (``PANTAU_API_TOKEN``, which :class:`crawlers.middlewares.token.ApiToken` sends
as ``X-Goog-Api-Key`` and takes off again), each video in the feed whose title or description the
region tagger ties to a watched region (the source's ``regions``, else ``[regions] watch``) also
has its comment threads read through ``commentThreads.list``, newest first, until a thread its
comment cursor already covers: a later crawl asks each video for its newest page only. The
comment cursor (the newest comment read, under ``<source>#comments`` in the store) is separate
from the feed's, because comments keep arriving on videos the feed cursor has passed. Videos are
read one after another; a spent quota (``quotaExceeded``, ``rateLimitExceeded``) ends the comments
for this crawl and leaves the comment cursor where it was. Videos are
not filtered by the cursor for that reason, and the feed is fetched without validators: an
unchanged feed can still hold videos with new comments.

Without a key the comments are off (``pantau status`` says so) and no Data API request is made.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from crawlers import cursor, freshness, runstate, stats
from crawlers.items import Post
from crawlers.middlewares import token
from crawlers.refusals import REASONS
from crawlers.social import Unreadable, youtube
from crawlers.spiders.social import PostSpider
from pantau import regions

log = logging.getLogger(__name__)
API_ERRORS = [400, 403, 404]


def watched(codes: tuple[str, ...], watch: list[str]) -> bool:
    """True when one of an article's region codes is a watched region or lies inside one."""
    return any(code == w or code.startswith(w + ".") for code in codes for w in watch)


class YoutubeSpider(PostSpider):
    name = "youtube"
    platform = youtube.PLATFORM
    comment_cursor: cursor.Cursor
    newest_comment: Post | None
    stopped: bool  # the Data API refused the key (quota spent, key rejected): no more comment requests
    comments_incomplete: bool  # some video's comments were not read: the comment cursor must not move
    watch: list[str]
    watch_terms: dict[str, list[str]]

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> YoutubeSpider:
        spider: YoutubeSpider = super().from_crawler(crawler, *args, **kwargs)  # type: ignore[assignment]
        spider.comment_cursor = cursor.Cursor(platform=cls.platform)
        spider.newest_comment = None
        spider.stopped = False
        spider.comments_incomplete = False
        spider.watch = spider.regions or [str(c) for c in crawler.settings.getlist("PANTAU_SEARCH_REGIONS")]
        spider.watch_terms = json.loads(crawler.settings.get("PANTAU_WATCH_TERMS", "{}") or "{}")
        return spider

    @property
    def comment_key(self) -> str:
        return f"{self.source_name}#comments"

    def start_requests_for_source(self) -> Iterator[Request]:
        self.load_cursor()
        if not self.token:
            yield Request(self.url, callback=self.parse_feed, meta=freshness.feed_meta())
            return
        if self.store_url:
            self.comment_cursor = cursor.load(runstate.get(self.store_url).store, self.comment_key, self.platform)
        yield Request(self.url, callback=self.parse_feed)

    def parse_feed(self, response: Response) -> Iterator[Any]:
        if freshness.not_modified(response, self.crawler):
            return
        try:
            page = youtube.parse(response.body)
        except Unreadable as exc:
            yield self.unreadable(response.url, exc)
            return
        yield from self.issues(page, response.url)
        for post in page.posts:
            if self.is_new(post) and not self.too_old(post):
                yield self.item(post, response)
        if not self.token:
            return
        tagger = regions.tagger(self.watch_terms or None)
        videos = [post.post_id for post in page.posts
                  if watched(regions.article_codes(tagger.tag(post.text, title=post.title)), self.watch)]
        yield from self._next_video(videos)

    # -- comments -----------------------------------------------------------------------------------
    # One video at a time: the videos still to read travel in the request's meta (so a resumed crawl
    # keeps them), and a spent quota or a rejected key ends the chain instead of sending every other
    # video into it.
    def _comments(self, video_id: str, rest: list[str], page_token: str = "", depth: int = 1) -> Request:
        return Request(youtube.comments_url(self.api, video_id, page_token), callback=self.parse_comments,
                       errback=self.comments_failed,
                       meta={"pantau_page": depth, **token.api_meta(self.api), "pantau_video": video_id,
                             "pantau_rest": rest, "handle_httpstatus_list": API_ERRORS})

    def _next_video(self, rest: list[str]) -> Iterator[Request]:
        if rest and not self.stopped:
            yield self._comments(rest[0], rest[1:])

    def comments_failed(self, failure: Failure) -> Iterator[Request]:
        """A comment page that failed for good (timeout, 5xx after retries): counted, the comment cursor
        stays, and the next video is still read."""
        self.failed(failure)
        self.comments_incomplete = True
        request = getattr(failure, "request", None)
        yield from self._next_video(list(request.meta.get("pantau_rest") or []) if request is not None else [])

    def _comment_is_new(self, post: Post, than: Post | cursor.Cursor | None) -> bool:
        if isinstance(than, Post):
            at, cid = than.published, than.post_id
        elif than is not None and than.newest_at is not None:
            at, cid = than.newest_at, than.newest_id
        else:
            return True
        return (post.published, post.post_id) > (at, cid)

    def api_error(self, response: Response) -> None:
        reason = youtube.error_reason(response.body)
        assert self.crawler.stats is not None
        video = str(response.meta.get("pantau_video", ""))
        if reason == "comments_disabled":  # the channel turned comments off on this video
            stats.inc(self.crawler.stats, "skipped", "youtube_comments_disabled")
            log.info("source=%s video=%s has comments disabled; skipped", self.source_name, video)
            return
        if reason == "gone":  # deleted or made private between the feed and its comments
            stats.inc(self.crawler.stats, "dropped", "youtube_deleted")
            return
        self.comments_incomplete = True  # this video's comments may be read next time: keep the cursor
        if reason in ("rate_limited", "token_rejected"):  # every other video would be refused too
            self.stopped = True
        if not reason:
            reason = REASONS[response.status][0] if response.status in REASONS else f"http_{response.status}"
        self.refused(reason, response.url)

    def parse_comments(self, response: Response) -> Iterator[Any]:
        rest = list(response.meta.get("pantau_rest") or [])
        if response.status >= 400:
            self.api_error(response)
            yield from self._next_video(rest)
            return
        video = str(response.meta["pantau_video"])
        try:
            page, thread_times = youtube.parse_comments(response.body, video)
        except Unreadable as exc:
            self.comments_incomplete = True
            yield self.unreadable(response.url, exc)
            yield from self._next_video(rest)
            return
        yield from self.issues(page, response.url)
        floor = self.comment_cursor.newest_at
        for post in page.posts:
            if not self._comment_is_new(post, self.comment_cursor) or self.too_old(post):
                continue
            if self.newest_comment is None or self._comment_is_new(post, self.newest_comment):
                self.newest_comment = post
            yield self.page_item(post, response)
        # order=time: threads come newest first, so one the cursor (or back_to) covers ends the paging.
        reached = any((floor is not None and at <= floor) or (self.back_to is not None and at < self.back_to)
                      for at in thread_times)
        depth = int(response.meta.get("pantau_page", 1))
        if page.older and not reached and depth < self.max_pages:
            yield self._comments(video, rest, page.older, depth + 1)
        else:
            yield from self._next_video(rest)

    def finish(self, spider: Any, reason: str) -> None:
        super().finish(spider, reason)
        if spider is not self or reason != "finished" or self.newest_comment is None or not self.store_url:
            return
        if self.comments_incomplete:
            log.info("source=%s comment cursor kept: some videos' comments were not read", self.source_name)
            return
        cursor.save(runstate.get(self.store_url).store, self.comment_key, cursor.Cursor(
            platform=self.platform, newest_id=self.newest_comment.post_id, newest_at=self.newest_comment.published))

