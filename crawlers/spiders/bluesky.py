"""Bluesky search and author feeds through the public AppView (:mod:`crawlers.social.bluesky`).

A search source asks only for posts since its cursor's time (``since``, inclusive: the one post at
that time is the cursor's own and is not read again); an author feed has no such parameter, so it
reads its newest page and stops paging at the first post the cursor already covers (the pinned
post repeated on top of the feed is left out, so its age does not end the paging).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy import Request
from scrapy.http import Response

from crawlers.social import Page, Unreadable, bluesky
from crawlers.spiders.social import PostSpider
from pantau.article import iso


class BlueskySpider(PostSpider):
    name = "bluesky"
    platform = bluesky.PLATFORM
    by_time = True

    def start_requests_for_source(self) -> Iterator[Request]:
        self.kind, self.target = bluesky.target(self.url)
        self.load_cursor()
        yield self._request("")

    def _request(self, cursor: str, depth: int = 1) -> Request:
        if self.kind == "search":
            floor = self.start_cursor.newest_at or self.back_to
            url = bluesky.search_url(self.api, self.target, iso(floor).replace("+00:00", "Z") if floor else "", cursor)
        else:
            url = bluesky.author_url(self.api, self.target, cursor)
        return Request(url, callback=self.parse_page, meta={"pantau_page": depth, "handle_httpstatus_list": [400]})

    def parse_page(self, response: Response) -> Iterator[Any]:
        if response.status == 400:  # XRPC errors: an unknown or suspended account is a 400, not a 404
            self.refused(bluesky.error_reason(response.body) or "http_400", response.url)
            return
        try:
            if self.kind == "search":
                page: Page = bluesky.parse_search(response.body)
            else:
                page = bluesky.parse_author_feed(response.body)
        except Unreadable as exc:
            yield self.unreadable(response.url, exc)
            return
        yield from self.issues(page, response.url)
        self.count_dropped(page)
        items, reached = self.newest_first(page.posts, response)
        yield from items
        depth = int(response.meta.get("pantau_page", 1))
        if page.older and (page.posts or page.malformed) and not reached and depth < self.max_pages:
            yield self._request(page.older, depth + 1)
