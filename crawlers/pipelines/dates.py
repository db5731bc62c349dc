"""Stage 3: choose the publication time, tz-aware in UTC and never after the crawl.

Evidence is ranked by how much it can be trusted: a machine-readable timestamp with an offset
(JSON-LD ``datePublished``, ``article:published_time``), then the feed's date (RFC 822/ISO with
offset), then a date printed on the page with its WIB/WITA/WIT zone, then zone-less timestamps
read in the outlet's default zone, then a bare day (htmldate's, or one in the URL such as
``/read/2025/07/03/``). A modification date ("Diperbarui …") is never taken for publication.
Drops (counted): ``no_date``. Future times are clamped to the crawl time and counted.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo

from scrapy.crawler import Crawler

from crawlers import dates
from crawlers.items import PageItem
from crawlers.pipelines import Stage, drop

_URL_DATE = re.compile(r"/(20\d{2})[/-]?(0[1-9]|1[0-2])[/-]?(0[1-9]|[12]\d|3[01])(?:/|\d{6})")


def _url_day(item: PageItem, default_tz: tzinfo) -> datetime | None:
    m = _URL_DATE.search(item.response_url) or _URL_DATE.search(item.url)
    if not m:
        return None
    try:
        return datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)), 12, tzinfo=default_tz).astimezone(UTC)
    except ValueError:
        return None


def _choose(item: PageItem, now: datetime, default_tz: tzinfo) -> tuple[datetime | None, str]:
    found = item.extracted
    machine = found.machine_dates if found else []
    near_all = [v for v in (found.headline_dates if found else []) if not v.updated]
    visible_all = [v for v in (found.visible_dates if found else []) if not v.updated]
    near = [v for v in near_all if not v.relative]
    visible = [v for v in visible_all if not v.relative]
    for value, had_zone in machine:
        if had_zone:
            return value, "page_meta"
    if item.feed and item.feed.published:
        from_feed = dates.parse(item.feed.published, now=now, default_tz=default_tz)
        if from_feed is not None:
            return from_feed, "feed"
    for group, origin in ((near, "page_headline"), (visible, "page_text")):
        for v in group:
            if v.has_zone and v.has_time:
                return v.value, origin
    if machine:
        return machine[0][0], "page_meta_naive"
    for group, origin in ((near, "page_headline_naive"), (visible, "page_text_naive")):
        for v in group:
            if v.has_time:
                return v.value, origin
    # A bare day next to the headline may be a date inside the first sentence ("Minggu (13/04/2025)");
    # htmldate weighs the whole page for the day, so it goes first.
    if found and found.day_hint:
        day_hint = dates.parse_machine(found.day_hint, default_tz=default_tz)
        if day_hint is not None:
            return day_hint, "htmldate_day"
    if near:
        return near[0].value, "page_headline_day"
    if visible:
        return visible[0].value, "page_text_day"
    url_day = _url_day(item, default_tz)
    if url_day is not None:
        return url_day, "url"
    # "2 jam lalu" is right on a live page and wrong on an archived one: last resort.
    for v in near_all + visible_all:
        return v.value, "page_relative"
    return None, ""


def choose(item: PageItem, now: datetime, default_tz: tzinfo) -> tuple[datetime | None, str]:
    """The publication time and where it came from (``feed``, ``page_meta``, ``page_headline``, …).

    A day printed in the URL (``/read/2016/02/23/``) overrides page evidence more than a day away
    from it: the CMS wrote the URL when the article was published, sidebars and embeds cannot move it.
    """
    value, origin = _choose(item, now, default_tz)
    url_day = _url_day(item, default_tz)
    if (
        value is not None
        and url_day is not None
        and origin not in ("page_meta", "feed", "url")
        and abs((value - url_day).total_seconds()) > 36 * 3600
    ):
        return url_day, "url_override"
    return value, origin


class DatePipeline(Stage):
    stage = "dates"

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.default_tz: tzinfo = dates.ZONES.get(crawler.settings.get("PANTAU_DEFAULT_TZ", "WIB"), dates.WIB)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DatePipeline:
        return cls(crawler)

    def handle(self, item: PageItem) -> PageItem:
        now = datetime.now(UTC)
        value: datetime | None
        if item.post is not None:  # the platform's own machine-readable time
            value, origin = item.post.published.astimezone(UTC), "post"
        else:
            value, origin = choose(item, now, self.default_tz)
        if value is None:
            drop(self.stats, "dropped", "no_date", item.url)
        value, clamped = dates.not_in_future(value, now=now)
        if clamped:
            assert self.stats is not None
            self.stats.inc_value("pantau/date_clamped_future")
            item.notes.append("date in the future clamped to crawl time")
        item.published_at, item.date_origin = value, origin
        assert self.stats is not None
        self.stats.inc_value(f"pantau/date_origin/{origin}")
        return item
