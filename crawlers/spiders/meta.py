"""Comments on the office's own Facebook page posts and Instagram media, through the Meta Graph API
with the operator's token (:mod:`crawlers.social.meta`).

The spider lists the page's posts (or the account's media) newest first, back to ``back_to`` and
no more than ``max_pages`` pages, and reads the comments of each, newest first, until it meets one
its cursor (the newest comment stored) already covers. A Facebook post whose ``updated_time`` is not
after the cursor has had no comment since and is not asked for its comments; an Instagram medium
with no comments is not asked either. Graph errors come back as HTTP 400 with a JSON code, so
those answers reach the spider and are sorted by code: a deleted object is counted as dropped, an
expired token or a missing permission as a refusal in plain words.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from scrapy import Request
from scrapy.http import Response

from crawlers import stats
from crawlers.middlewares import token
from crawlers.refusals import REASONS
from crawlers.social import Unreadable, meta
from crawlers.spiders.social import PostSpider
from pantau import platforms

log = logging.getLogger(__name__)
GRAPH_ERRORS = [400, 401, 403]


class MetaSpider(PostSpider):
    by_time = True

    def start_requests_for_source(self) -> Iterator[Request]:
        if not self.token:  # `pantau crawl` leaves such a source out; this guards a direct run
            assert self.crawler.stats is not None
            stats.inc(self.crawler.stats, "errors", f"{self.platform}_no_token")
            log.warning("source=%s has no Meta Graph API token; nothing requested", self.source_name)
            return
        self.account = platforms.graph_id(self.url, str(self.source_config.get("account_id") or ""))
        self.load_cursor()
        yield self._request(meta.posts_url(self.api, self.account, self.platform), self.parse_parents)

    def _request(self, url: str, callback: Any, depth: int = 1, parent: str = "") -> Request:
        return Request(url, callback=callback, meta={"pantau_page": depth, **token.api_meta(self.api),
                                                     "pantau_parent": parent, "handle_httpstatus_list": GRAPH_ERRORS})

    def graph_error(self, response: Response) -> None:
        reason = meta.error_reason(response.body)
        if reason == "deleted":
            assert self.crawler.stats is not None
            stats.inc(self.crawler.stats, "dropped", f"{self.platform}_deleted")
            return
        if not reason:
            reason = REASONS[response.status][0] if response.status in REASONS else f"http_{response.status}"
        self.refused(reason, response.url)

    def parse_parents(self, response: Response) -> Iterator[Any]:
        if response.status >= 400:
            self.graph_error(response)
            return
        try:
            objects, malformed, after = meta.parse_parents(response.body, self.platform)
        except Unreadable as exc:
            yield self.unreadable(response.url, exc)
            return
        for problem in malformed:
            yield self.issue(response.url, problem)
        reached = False
        since = self.start_cursor.newest_at
        for obj in objects:
            if self.back_to is not None and obj["at"] < self.back_to:
                reached = True
                continue
            if obj["comments"] == 0 or (since is not None and obj["active"] is not None and obj["active"] <= since):
                continue  # nothing to read, or no comment since the cursor
            yield self._request(meta.comments_url(self.api, obj["id"], self.platform), self.parse_comments,
                                parent=obj["link"])
        depth = int(response.meta.get("pantau_page", 1))
        if after and not reached and depth < self.max_pages:
            yield self._request(after, self.parse_parents, depth + 1)

    def parse_comments(self, response: Response) -> Iterator[Any]:
        if response.status >= 400:
            self.graph_error(response)
            return
        try:
            page = meta.parse_comments(response.body, self.platform, str(response.meta["pantau_parent"]))
        except Unreadable as exc:
            yield self.unreadable(response.url, exc)
            return
        yield from self.issues(page, response.url)
        items, reached = self.newest_first(page.posts, response)
        yield from items
        depth = int(response.meta.get("pantau_page", 1))
        if page.older and not reached and depth < self.max_pages:
            yield self._request(page.older, self.parse_comments, depth + 1, str(response.meta["pantau_parent"]))


class FacebookSpider(MetaSpider):
    name = "facebook"
    platform = "facebook"


class InstagramSpider(MetaSpider):
    name = "instagram"
    platform = "instagram"
