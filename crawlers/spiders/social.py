"""Spiders for public posts: Telegram channel previews, Mastodon timelines, and the
:class:`PostSpider` that the YouTube spider (:mod:`crawlers.spiders.youtube`) and the API spiders
(:mod:`crawlers.spiders.bluesky`, :mod:`crawlers.spiders.x`, :mod:`crawlers.spiders.meta`) build on.

Each source is one channel, hashtag, account or feed, named by the public address an operator
sees in a browser (``https://t.me/s/humaskaltim``, ``https://mastodon.social/tags/samarinda``,
``https://mastodon.social/@humaskaltim``, ``https://www.youtube.com/feeds/videos.xml?channel_id=…``).
Tests point those addresses at 127.0.0.1. A spider only reads the platform's response into
:class:`crawlers.items.Post` values and yields them as page items with ``post`` set; the same
pipelines as for news then date, tag, dedupe and store them, with ``source_type = "social"``.

Each spider reads back no further than the source's ``back_to`` date (and ``--since``) and no
more than ``max_pages`` pages, and resumes from its cursor (:mod:`crawlers.cursor`): the next
crawl yields only posts newer than the newest one stored. Token and permission refusals
(401, 403) and deleted accounts or channels (404, 410) are counted with a reason in plain words.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from datetime import date, datetime, tzinfo
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawlers import cursor, dates, runstate, stats
from crawlers.items import PageItem, ParseIssue, Post
from crawlers.refusals import REASONS
from crawlers.social import Page, Unreadable, id_key, mastodon, telegram, youtube
from crawlers.spiders.base import NewsSpider
from pantau import platforms

log = logging.getLogger(__name__)


def floor(text: str, tz: tzinfo) -> datetime | None:
    """``back_to`` or ``--since`` as a moment: a bare day starts at its midnight in the outlet zone."""
    text = text.strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is not None:
        return datetime(day.year, day.month, day.day, tzinfo=tz)
    return dates.parse_machine(text, default_tz=tz)


class PostSpider(NewsSpider):
    """What the public-post spiders share: the cursor, the date floor, the refusals."""

    platform = ""
    by_time = False  # ids that carry no order (video ids, Bluesky rkeys, Graph ids): the cursor compares times
    store_url: str
    api: str
    token: str
    source_config: dict[str, Any]
    back_to: datetime | None
    start_cursor: cursor.Cursor
    newest: Post | None
    gap: bool  # a request of this crawl failed: some posts may be unread

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> PostSpider:
        spider: PostSpider = super().from_crawler(crawler, *args, **kwargs)  # type: ignore[assignment]
        raw = kwargs.get("source") or crawler.settings.get("PANTAU_SOURCE", "")
        config: dict[str, Any] = json.loads(raw) if isinstance(raw, str) and raw else dict(raw or {})
        spider.source_type = "social"
        tz = dates.ZONES.get(crawler.settings.get("PANTAU_DEFAULT_TZ", "WIB"), dates.WIB)
        floors = [floor(t, tz) for t in (str(config.get("back_to") or ""), crawler.settings.get("PANTAU_SINCE", ""))]
        known = [f for f in floors if f is not None]
        spider.back_to = max(known) if known else None
        spider.store_url = crawler.settings.get("PANTAU_STORE_URL", "")
        spider.start_cursor = cursor.Cursor(platform=cls.platform)
        spider.newest = None
        spider.gap = False
        spider.source_config = config
        spider.api = platforms.api_base(config)
        spider.token = crawler.settings.get("PANTAU_API_TOKEN", "")
        crawler.signals.connect(spider.finish, signal=signals.spider_closed)
        return spider

    # -- cursor -------------------------------------------------------------------------------------
    def load_cursor(self) -> None:
        if self.store_url:
            self.start_cursor = cursor.load(runstate.get(self.store_url).store, self.source_name, self.platform)

    def _newer(self, post: Post, than_id: str, than_at: datetime | None) -> bool:
        if self.platform == youtube.PLATFORM:  # video ids carry no order; the feed's times do
            return than_at is None or post.published > than_at
        if self.by_time:  # the cursor keeps whole seconds; a post's time may carry milliseconds
            at = post.published.replace(microsecond=0)
            return than_at is None or (at, id_key(post.post_id)) > (than_at, id_key(than_id))
        return not than_id or id_key(post.post_id) > id_key(than_id)

    def is_new(self, post: Post) -> bool:
        return self._newer(post, self.start_cursor.newest_id, self.start_cursor.newest_at)

    def too_old(self, post: Post) -> bool:
        return self.back_to is not None and post.published < self.back_to

    def finish(self, spider: Any, reason: str) -> None:
        """After the store pipeline's last batch: move the cursor, if this crawl ran to its end.

        A crawl in which any request failed (a page 2 refused, a rate limit that outlasted the retries)
        leaves the cursor where it was: the APIs filter on it (``since_id``, ``since``, ``min_id``), so
        moving it past a page that was never read would lose those posts for good. The posts that were
        read are kept once by the usual dedupe when the next crawl reads them again.
        """
        if spider is not self or reason != "finished" or self.newest is None or not self.store_url:
            return
        if self.gap:
            log.warning("source=%s: a request failed, so the cursor stays where it was", self.source_name)
            return
        cursor.save(runstate.get(self.store_url).store, self.source_name, cursor.Cursor(
            platform=self.platform, newest_id=self.newest.post_id, newest_at=self.newest.published))

    # -- items --------------------------------------------------------------------------------------
    def newest_first(self, posts: Iterable[Post], response: Response) -> tuple[list[PageItem], bool]:
        """Items for a page's posts, read newest first, that are newer than the cursor and not before
        ``back_to``; and whether the page reached the cursor or ``back_to`` (then paging stops)."""
        items: list[PageItem] = []
        reached = False
        for post in posts:
            if not self.is_new(post) or self.too_old(post):
                reached = True
                continue
            items.append(self.item(post, response))
        return items, reached

    def item(self, post: Post, response: Response) -> PageItem:
        if self.newest is None or self._newer(post, self.newest.post_id, self.newest.published):
            self.newest = post
        return self.page_item(post, response)

    def page_item(self, post: Post, response: Response) -> PageItem:
        """The post as a page item for the pipelines, without moving the source's cursor."""
        return PageItem(
            source=self.source_name,
            source_type=self.source_type,
            url=post.url,
            response_url=post.url,
            status=response.status,
            body=b"",
            content_type="",
            post=post,
            fetch_seconds=float(response.meta.get("download_latency", 0.0)),
        )

    def issues(self, page: Page, url: str) -> Iterator[ParseIssue]:
        for problem in page.malformed:
            yield self.issue(url, problem)

    def issue(self, url: str, problem: str) -> ParseIssue:
        return ParseIssue(source=self.source_name, url=url, reason=f"{self.platform}_post_malformed", detail=problem)

    def count_dropped(self, page: Page) -> None:
        """Posts the platform reported deleted or withheld: counted under ``dropped``, never read."""
        assert self.crawler.stats is not None
        for reason, n in page.dropped.items():
            stats.inc(self.crawler.stats, "dropped", reason, n)

    def refused(self, reason: str, url: str) -> None:
        """A refusal read from the API's own error body (Meta answers 400 for an expired token)."""
        self.gap = True
        assert self.crawler.stats is not None
        stats.inc(self.crawler.stats, "errors", f"{self.platform}_{reason}")
        log.warning("source=%s %s refused: %s (url=%s)", self.source_name, self.platform, reason, url)

    def unreadable(self, url: str, exc: Unreadable) -> ParseIssue:
        return ParseIssue(source=self.source_name, url=url, reason=f"{self.platform}_unreadable", detail=str(exc))

    def failed(self, failure: Failure) -> None:
        self.gap = True
        exc = failure.value
        if not (isinstance(exc, HttpError) and exc.response.status in REASONS):
            super().failed(failure)
            return
        status = exc.response.status
        reason, words = REASONS[status]
        assert self.crawler.stats is not None
        stats.inc(self.crawler.stats, "errors", f"{self.platform}_{reason}")
        log.warning("source=%s %s answered %d: %s (url=%s)", self.source_name, self.platform, status, words,
                    exc.response.url)


class TelegramSpider(PostSpider):
    name = "telegram"
    platform = telegram.PLATFORM

    def start_requests_for_source(self) -> Iterator[Request]:
        self.base, self.channel = telegram.target(self.url)
        self.load_cursor()
        yield Request(telegram.page_url(self.base, self.channel), callback=self.parse_page, meta={"pantau_page": 1})

    def parse_page(self, response: Response) -> Iterator[Any]:
        try:
            page = telegram.parse(response.text, self.base, self.channel)
        except Unreadable as exc:
            yield self.unreadable(response.url, exc)
            return
        yield from self.issues(page, response.url)
        items, reached = self.newest_first(reversed(page.posts), response)  # the preview lists oldest first
        yield from items
        depth = int(response.meta.get("pantau_page", 1))
        if page.older and page.posts and not reached and depth < self.max_pages:
            yield Request(response.urljoin(page.older), callback=self.parse_page, meta={"pantau_page": depth + 1})


class MastodonSpider(PostSpider):
    name = "mastodon"
    platform = mastodon.PLATFORM
    limit = 40  # the API's largest page

    def start_requests_for_source(self) -> Iterator[Request]:
        self.base, self.kind, self.target = mastodon.target(self.url)
        self.load_cursor()
        if self.kind == "tag":
            yield self._statuses(mastodon.tag_url(self.base, self.target, self.limit))
        else:
            yield Request(mastodon.lookup_url(self.base, self.target), callback=self.parse_lookup)

    def _statuses(self, url: str) -> Request:
        if self.start_cursor.newest_id:  # only what came after the newest stored post
            url += f"&min_id={self.start_cursor.newest_id}"
        return Request(url, callback=self.parse_statuses, meta={"pantau_page": 1})

    def parse_lookup(self, response: Response) -> Iterator[Any]:
        try:
            account = mastodon.account_id(response.body)
        except Unreadable as exc:
            yield self.unreadable(response.url, exc)
            return
        yield self._statuses(mastodon.statuses_url(self.base, account, self.limit))

    def parse_statuses(self, response: Response) -> Iterator[Any]:
        try:
            page = mastodon.parse(response.body, self.base)
        except Unreadable as exc:
            yield self.unreadable(response.url, exc)
            return
        yield from self.issues(page, response.url)
        items, reached = self.newest_first(page.posts, response)
        yield from items
        header = (response.headers.get(b"Link") or b"").decode("latin-1")
        paging = mastodon.links(header)
        depth = int(response.meta.get("pantau_page", 1))
        more = bool(page.posts or page.malformed) and depth < self.max_pages
        # With a cursor the pages run forward in time (min_id, rel="prev"), else back (max_id, rel="next").
        step = paging.get("prev") if self.start_cursor.newest_id else (None if reached else paging.get("next"))
        if more and step:
            yield Request(response.urljoin(step), callback=self.parse_statuses, meta={"pantau_page": depth + 1})
