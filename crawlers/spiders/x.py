"""X API v2 recent search with the operator's bearer token (:mod:`crawlers.social.x`).

The token reaches this spider as the ``PANTAU_API_TOKEN`` setting (``crawlers.run`` resolves it
from the environment variable the source names); :class:`crawlers.middlewares.token.ApiToken` puts
it on each request as it is sent, so it never sits in the resume queue. A later crawl asks only for
tweets newer than its cursor (``since_id``) and pages with ``next_token``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from scrapy import Request
from scrapy.http import Response

from crawlers import stats
from crawlers.middlewares import token
from crawlers.social import Unreadable, x
from crawlers.spiders.social import PostSpider

log = logging.getLogger(__name__)



class XSpider(PostSpider):
    name = "x"
    platform = x.PLATFORM

    def start_requests_for_source(self) -> Iterator[Request]:
        if not self.token:  # `pantau crawl` leaves such a source out; this guards a direct run
            assert self.crawler.stats is not None
            stats.inc(self.crawler.stats, "errors", "x_no_token")
            log.warning("source=%s has no X API token; nothing requested", self.source_name)
            return
        self.query = x.target(self.url)
        self.load_cursor()
        yield self._request("")

    def _request(self, next_token: str, depth: int = 1, since: bool = True) -> Request:
        url = x.search_url(self.api, self.query, self.start_cursor.newest_id if since else "", next_token)
        return Request(url, callback=self.parse_page, meta={"pantau_page": depth, "pantau_since": since,
                                                            "handle_httpstatus_list": [400],
                                                            **token.api_meta(self.api)})

    def parse_page(self, response: Response) -> Iterator[Any]:
        if response.status == 400:
            # Recent search covers seven days and refuses a since_id older than that: a source paused
            # or quiet for a week would fail on every crawl. Ask for the whole week instead; the
            # cursor's id still keeps the tweets already read out (is_new).
            if response.meta.get("pantau_since") and self.start_cursor.newest_id and x.since_id_refused(response.body):
                log.info("source=%s: since_id %s is past recent search's seven days; reading the whole week",
                         self.source_name, self.start_cursor.newest_id)
                yield self._request("", since=False)
            else:
                self.refused("bad_request", response.url)
            return
        try:
            page = x.parse(response.body)
        except Unreadable as exc:
            yield self.unreadable(response.url, exc)
            return
        yield from self.issues(page, response.url)
        self.count_dropped(page)
        items, reached = self.newest_first(page.posts, response)
        yield from items
        depth = int(response.meta.get("pantau_page", 1))
        if page.older and not reached and depth < self.max_pages:
            yield self._request(page.older, depth + 1, since=bool(response.meta.get("pantau_since", True)))
