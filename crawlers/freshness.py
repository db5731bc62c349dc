"""Fetch a feed or sitemap again only when it changed, and crawl a source only when it is due.

**Conditional GET.** The ETag and Last-Modified a server sent with a feed or sitemap are kept in
``<state>/validators.json``; the next request for that URL sends them back as ``If-None-Match`` /
``If-Modified-Since``, and a ``304 Not Modified`` answer ends there (counted as
``skipped/not_modified``): ``pantau watch --every 15m`` costs an unchanged outlet one tiny
response, not its whole feed. A feed is only marked unchanged once it was read; article pages
are never sent validators (the store decides about those, see
:mod:`crawlers.middlewares.incremental`).

**Poll interval.** A source's ``poll_every`` ("1h") is the least time between two crawls of it;
``<state>/polls.json`` keeps when each source was last crawled, and :func:`due` says which
sources a crawl should start.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response

from crawlers import stats

VALIDATORS = "validators.json"
POLLS = "polls.json"
FEED_META = "pantau_feed"  # set by the spiders on feed and sitemap requests


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write(path: Path, data: dict[str, Any]) -> None:
    """Replace the file atomically, so a crawl killed mid-write leaves the old copy."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, sort_keys=True)
    os.replace(tmp, path)


class Validators:
    """``<state>/validators.json``: per feed/sitemap URL its ETag, Last-Modified and, for a sitemap
    index, its child sitemaps (an unchanged index still has children that change). One instance per
    file in the process, shared by every source's crawler."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, dict[str, Any]] = _read(path)

    @classmethod
    def at(cls, state_dir: str | Path) -> Validators:
        path = Path(state_dir) / VALIDATORS
        if path not in _OPEN:
            _OPEN[path] = cls(path)
        return _OPEN[path]

    def get(self, url: str) -> dict[str, Any]:
        return dict(self.entries.get(url, {}))

    def put(self, url: str, entry: dict[str, Any] | None) -> None:
        if entry:
            self.entries[url] = entry
        else:
            self.entries.pop(url, None)
        _write(self.path, self.entries)


_OPEN: dict[Path, Validators] = {}


def _validators(crawler: Crawler | None) -> Validators | None:
    state = crawler.settings.get("PANTAU_STATE_DIR", "") if crawler is not None else ""
    if not state or crawler is None or not crawler.settings.getbool("PANTAU_CONDITIONAL_GET", True):
        return None
    return Validators.at(state)


class ConditionalGet:
    """Downloader middleware: validators out on feed/sitemap requests, stored from 200 answers."""

    def __init__(self, store: Validators) -> None:
        self.store = store

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalGet:
        store = _validators(crawler)
        if store is None:
            raise NotConfigured("no state directory for validators, or switched off")
        return cls(store)

    def process_request(self, request: Request) -> None:
        if not request.meta.get(FEED_META):
            return None
        known = self.store.get(request.url)
        if known.get("etag"):
            request.headers.setdefault(b"If-None-Match", str(known["etag"]).encode("latin-1"))
        if known.get("last_modified"):
            request.headers.setdefault(b"If-Modified-Since", str(known["last_modified"]).encode("latin-1"))
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        if not request.meta.get(FEED_META) or response.status != 200:
            return response
        etag = (response.headers.get(b"ETag") or b"").decode("latin-1")
        modified = (response.headers.get(b"Last-Modified") or b"").decode("latin-1")
        entry = {"etag": etag, "last_modified": modified} if etag or modified else None
        if self.store.get(request.url) != (entry or {}):
            self.store.put(request.url, entry)
        return response


def children(crawler: Crawler | None, url: str) -> list[str]:
    """The child sitemaps a sitemap index listed when it was last read."""
    store = _validators(crawler)
    return [str(u) for u in store.get(url).get("children", [])] if store is not None else []


def remember_children(crawler: Crawler | None, url: str, urls: list[str]) -> None:
    store = _validators(crawler)
    if store is not None:
        entry = store.get(url)
        if entry and entry.get("children") != urls:
            store.put(url, {**entry, "children": urls})


def not_modified(response: Response, crawler: Crawler | None) -> bool:
    """True (and counted) when a feed or sitemap answered 304: nothing new to read."""
    if response.status != 304:
        return False
    if crawler is not None and crawler.stats is not None:
        stats.inc(crawler.stats, "skipped", "not_modified")
    return True


def feed_meta(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Meta for a feed or sitemap request: validators go out and a 304 reaches the callback."""
    return {**(extra or {}), FEED_META: True, "handle_httpstatus_list": [304]}


# -- poll interval ---------------------------------------------------------------------------------


def last_polls(state_dir: Path) -> dict[str, datetime]:
    out: dict[str, datetime] = {}
    for name, text in _read(state_dir / POLLS).items():
        with contextlib.suppress(TypeError, ValueError):
            out[name] = datetime.fromisoformat(str(text))
    return out


def record_polls(state_dir: Path, started: dict[str, datetime]) -> None:
    data = {k: v.isoformat() for k, v in last_polls(state_dir).items()}
    data.update({k: v.isoformat() for k, v in started.items()})
    _write(state_dir / POLLS, data)


def due(state_dir: Path, intervals: dict[str, float], now: datetime | None = None) -> dict[str, datetime | None]:
    """For each source with an interval (seconds), when it is next due; ``None`` when due now."""
    now = now or datetime.now(UTC)
    polls = last_polls(state_dir)
    out: dict[str, datetime | None] = {}
    for name, seconds in intervals.items():
        last = polls.get(name)
        # A little slack, so a 15-minute watch does not miss a 1-hour source by a few seconds of drift.
        nxt = last + timedelta(seconds=seconds * 0.95) if last and seconds > 0 else None
        out[name] = nxt if nxt is not None and nxt > now else None
    return out
