"""Cached reads for the pages: one store per URL, query results cached for a short TTL.

Every function takes the store URL as its first argument so that caches never mix two stores
(tests and offices with two configs run in one process). Pages call these, nothing deeper.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import streamlit as st

from index import Filters, Store, open_store
from index.store import Bucket, CrawlRun, SearchResult, Story
from pantau import settings as settings_mod
from pantau.article import Article
from pantau.settings import Settings

TTL = 60  # seconds: a crawl lands every few minutes; a PR officer's reload should not hammer the store
EXPORT_PAGE = 500


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


def article(url: str, article_id: str) -> Article | None:
    """Not cached: the Artikel page must show a relabel as soon as it is saved."""
    return store(url).get([article_id]).get(article_id)


def export_rows(url: str, query: str, filters: Filters, sort: str) -> Iterator[list[str]]:
    """Every hit of a search, page by page (the CSV is the whole result set, not the page shown)."""
    s = store(url)
    yield ["id", "published_at", "source", "title", "url", "regions", "sentiment", "topics"]
    page = 1
    while True:
        result = s.search(query, filters, sort=sort, page=page, size=EXPORT_PAGE)
        for hit in result.hits:
            a = hit.article
            yield [a.id, a.published_at.isoformat(), a.source, a.title, a.url, " ".join(a.regions),
                   a.sentiment.label if a.sentiment else "unscored", " ".join(t.label for t in a.topics)]
        if not result.hits or page * EXPORT_PAGE >= result.total:
            return
        page += 1


def export_csv(url: str, query: str, filters: Filters, sort: str) -> bytes:
    """The whole result set as UTF-8 CSV, read from the store page by page (``EXPORT_PAGE`` hits a query).

    Streamlit calls this only when the download button is pressed (a deferred download), so a page
    view never pays for it; the finished file is handed to Streamlit as bytes, which it serves.
    """
    out = io.BytesIO()
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text)
    for row in export_rows(url, query, filters, sort):
        # A cell that starts with = + - @ would be a formula in a spreadsheet: scraped titles are hostile.
        writer.writerow(["'" + cell if cell[:1] in ("=", "+", "-", "@") else cell for cell in row])
    text.detach()
    return out.getvalue()
