"""Cached reads for the pages: one store per URL, query results cached for a short TTL.

Every function takes the store URL as its first argument so that caches never mix two stores
(tests and offices with two configs run in one process). Pages call these, nothing deeper.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import streamlit as st

from index import Filters, Store, open_store
from index.store import Bucket, CrawlRun, SearchResult, Story
from pantau import settings as settings_mod
from pantau.article import Article
from pantau.settings import Settings

TTL = 60  # seconds: a crawl lands every few minutes; a PR officer's reload should not hammer the store


def settings() -> Settings:
    """The configuration (``PANTAU_CONFIG`` / ``PANTAU_STORE`` honoured); cheap, so read on every run."""
    return settings_mod.load()


def _close(store: Store) -> None:
    store.close()


@st.cache_resource(show_spinner=False, on_release=_close)
def store(url: str) -> Store:
    return open_store(url)


@st.cache_data(ttl=TTL, show_spinner=False)
def article_count(url: str, filters: Filters | None = None) -> int:
    return store(url).count(filters)


@st.cache_data(ttl=TTL, show_spinner=False)
def search(url: str, query: str, filters: Filters, sort: str, page: int, size: int) -> SearchResult:
    return store(url).search(query, filters, sort=sort, page=page, size=size)


@st.cache_data(ttl=TTL, show_spinner=False)
def timeseries(url: str, filters: Filters, interval: str, tz: str) -> list[Bucket]:
    return store(url).timeseries(filters, interval=interval, tz=tz)


@st.cache_data(ttl=TTL, show_spinner=False)
def region_counts(url: str, filters: Filters) -> dict[str, dict[str, int]]:
    return store(url).region_counts(filters)


@st.cache_data(ttl=TTL, show_spinner=False)
def facets(url: str, query: str, filters: Filters, fields: tuple[str, ...],
           size: int = 20) -> dict[str, dict[str, int]]:
    return store(url).facets(query, filters, fields, size)


@st.cache_data(ttl=TTL, show_spinner=False)
def top_stories(url: str, filters: Filters, limit: int = 10) -> list[Story]:
    return store(url).top_stories(filters, limit=limit)


@st.cache_data(ttl=TTL, show_spinner=False)
def alerts(url: str) -> dict[str, dict[str, Any]]:
    return store(url).get_records("alert")


@st.cache_data(ttl=TTL, show_spinner=False)
def last_crawls(url: str) -> dict[str, CrawlRun]:
    return store(url).last_crawls()


@dataclass(kw_only=True, frozen=True)
class Activity:
    """One source's arrivals over the alert baseline (the same hours ``pantau alert`` judges silence on)."""

    per_day: list[int]  # articles per local day, oldest first (today's partial day last)
    mean_per_day: float
    normal_gap_hours: float | None  # longest quiet stretch of the baseline; None when too sparse to know
    silent_hours: float | None  # since the hour of its newest article; None when it has none
    silent: bool  # silent beyond its normal gap (the alerts' no-data rule)


@st.cache_data(ttl=300, show_spinner=False)
def source_activity(url: str, names: tuple[str, ...], now: datetime, tz: str, baseline_days: int,
                    no_data_min_hours: int) -> dict[str, Activity]:
    """Per source, one hourly series of the store (``alerts.series.hourly``) judged like a source watch.

    ``now`` should be rounded (the page passes the hour) so the cache is reused within the hour.
    """
    from alerts.scan import judge_silence
    from alerts.series import HOUR, hour_floor, hourly
    from alerts.watch import Watch
    from pantau.settings import from_mapping

    cfg = from_mapping({"alerts": {"baseline_days": baseline_days, "no_data_min_hours": no_data_min_hours},
                        "regions": {"timezone": tz}}, "<dashboard>", env={})
    until = hour_floor(now, tz) + HOUR
    since = until - timedelta(days=baseline_days)
    out: dict[str, Activity] = {}
    for name in names:
        watch = Watch(kind="source", source=name)
        series = hourly(store(url), watch.filters(), since, until, tz)
        days: dict[object, int] = {}
        for start, n in zip(series.starts, series.articles, strict=True):
            days[start.date()] = days.get(start.date(), 0) + int(n)
        hours_with = np.flatnonzero(series.articles)
        normal = (float((np.diff(hours_with) - 1).max()) if len(hours_with) >= 2 * baseline_days else None)
        last = series.last_article_end()
        out[name] = Activity(per_day=list(days.values()), mean_per_day=float(series.articles.sum()) / baseline_days,
                             normal_gap_hours=normal,
                             silent_hours=round((now - last) / HOUR, 1) if last is not None else None,
                             silent=judge_silence(watch, series, now, cfg) is not None)
    return out


def article(url: str, article_id: str) -> Article | None:
    """Not cached: the Artikel page must show a relabel as soon as it is saved."""
    return store(url).get([article_id]).get(article_id)
